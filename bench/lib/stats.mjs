// Small statistics helpers for the benchmark report.

/** The value at quantile `q` (0..1) of `values`, by nearest rank on a sorted copy; NaN when empty. */
export function quantile(values, q) {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const rank = Math.min(finite.length - 1, Math.max(0, Math.ceil(q * finite.length) - 1));
  return finite[rank];
}

/** Median of `values` (mean of the two middle values for an even count); NaN when empty. */
export function median(values) {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

/** Rounds to `digits` decimals, keeping NaN/undefined as null so that JSON stays clean. */
export function round(value, digits = 2) {
  if (value === undefined || value === null || !Number.isFinite(value)) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Medians per numeric field over repeated measurements of one arm (nested objects are walked); non-numeric fields
 * are taken from the last repetition.
 */
export function medianOfRuns(runs) {
  if (runs.length === 0) return {};
  const merged = {};
  for (const key of Object.keys(runs[runs.length - 1])) {
    const values = runs.map((run) => run[key]);
    const last = values[values.length - 1];
    if (typeof last === "number") merged[key] = median(values);
    else if (typeof last === "object" && last !== null && !Array.isArray(last)) {
      merged[key] = medianOfRuns(values.filter((value) => typeof value === "object" && value !== null));
    } else merged[key] = last;
  }
  return merged;
}
