/** Statistics of repeated measurements, shared by every part of the bench. */

/** The median of the finite values: the middle one, or the mean of the two middle ones for an even count; null when none. */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Median, range and count of the finite values (null and undefined are runs that failed); null when none. */
export function spread(values) {
  const v = values.filter((x) => x !== null && x !== undefined && Number.isFinite(x));
  return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length, values: v } : null;
}

/** Least-squares slope of y against x over the points. */
export function leastSquaresSlope(points, x, y) {
  const mx = points.reduce((a, p) => a + x(p), 0) / points.length;
  const my = points.reduce((a, p) => a + y(p), 0) / points.length;
  const sxx = points.reduce((a, p) => a + (x(p) - mx) ** 2, 0);
  return sxx > 0 ? points.reduce((a, p) => a + (x(p) - mx) * (y(p) - my), 0) / sxx : null;
}
