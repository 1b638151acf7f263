import { type HeaderRecord, headerText } from "./headers.js";

/** The longest wait an upstream may ask for: a bad header must not park a deployment forever. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Reads how long an upstream asked us to wait, the one parser every provider uses: `retry-after-ms` (OpenAI,
 * Azure), then `retry-after` as seconds or an HTTP date; header names case-insensitive. Undefined when absent,
 * empty or unparseable; whole milliseconds, capped at MAX_RETRY_AFTER_MS.
 */
export function parseRetryAfterMs(headers: HeaderRecord, now: number = Date.now()): number | undefined {
  const milliseconds = nonNegative(headerText(headers, "retry-after-ms"));
  if (milliseconds !== undefined) return capped(milliseconds);
  const after = headerText(headers, "retry-after");
  if (after === undefined || after.trim() === "") return undefined;
  const seconds = nonNegative(after);
  if (seconds !== undefined) return capped(seconds * 1000);
  // An HTTP date names its day and month; a bare number that is not a valid delay ("-5") is not a date.
  const date = /[a-z]/i.test(after) ? Date.parse(after) : Number.NaN;
  return Number.isNaN(date) ? undefined : capped(Math.max(0, date - now));
}

function nonNegative(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function capped(milliseconds: number): number {
  return Math.min(Math.round(milliseconds), MAX_RETRY_AFTER_MS);
}
