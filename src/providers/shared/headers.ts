/** Node-style upstream response headers, as undici hands them over. */
export type HeaderRecord = Record<string, string | string[] | undefined>;

/** Case-insensitive header lookup over a Node-style header record (the first value of a repeated header). */
export function headerText(headers: HeaderRecord, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== lower || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
