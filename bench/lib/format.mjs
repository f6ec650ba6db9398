/** Number formats of the bench's logs and reports; a missing or non-finite value shows as n/a. */
const missing = (x) => x === null || x === undefined || !Number.isFinite(x);

/** 1,234,567 */
export const fmtInt = (x) => (missing(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
/** 12.3 */
export const fmt1 = (x) => (missing(x) ? 'n/a' : x.toFixed(1));
/** 123 MB (10^6 bytes) */
export const fmtMB = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
/** 123 MiB (2^20 bytes) */
export const mib = (b) => (b === null || b === undefined ? 'n/a' : `${Math.round(b / 2 ** 20)} MiB`);
/** 45% */
export const pct = (x) => `${Math.round(x * 100)}%`;
/** median (min–max) of a spread() in the format `f`. */
export const range = (s, f) => (s ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : 'n/a');
