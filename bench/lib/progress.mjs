/** Progress lines of a bench on stdout, stamped with the seconds since it started: `[tag   12 s] message`. */
export function progressLog(tag, startedAt = Date.now()) {
  const log = (message) => process.stdout.write(`[${tag} ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  log.startedAt = startedAt;
  return log;
}
