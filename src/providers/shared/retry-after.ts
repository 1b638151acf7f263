type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads how long an upstream asked us to wait: `retry-after-ms` (OpenAI, Azure), then `retry-after` as seconds
 * or an HTTP date. Undefined when absent or unparseable; capped at one hour so a bad header cannot park a
 * deployment forever.
 */
export function parseRetryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = header(headers, "retry-after-ms");
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.min(value, 3_600_000);
  }
  const after = header(headers, "retry-after");
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), 3_600_000);
}

/** Parses a JSON error body; undefined when the body is not JSON. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
