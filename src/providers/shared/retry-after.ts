/**
 * Reads how long an upstream asked us to wait: `retry-after-ms`, then `retry-after` as seconds or an HTTP date.
 * Returns undefined when absent or unreadable, so that the router's own backoff applies.
 */
export function retryAfterFromHeaders(
  headers: Record<string, string | string[] | undefined>,
  now: number = Date.now(),
): number | undefined {
  const milliseconds = headerValue(headers, "retry-after-ms");
  if (milliseconds !== undefined) {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const retryAfter = headerValue(headers, "retry-after");
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Google's protobuf Duration JSON form ("34.4s") in milliseconds. */
export function durationToMs(duration: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim());
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * 1000);
}

/** Case-insensitive header lookup over a Node-style header record. */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== lower || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
