/**
 * Display forms for secrets, for `switchboard check` and startup output: enough to tell which key is configured,
 * never enough to use it.
 */

const MIN_REVEALING_LENGTH = 16;

/**
 * A secret as prefix…last4 (`sk-…a1b2`), the display form GUARDS.md prescribes for keys. Secrets shorter than 16
 * characters show nothing, since four characters of a short secret are a large share of it.
 */
export function redactSecret(value: string): string {
  if (value.length < MIN_REVEALING_LENGTH) return "****";
  const prefix = /^[A-Za-z]{1,4}[-_]/.exec(value)?.[0] ?? value.slice(0, 3);
  return `${prefix}…${value.slice(-4)}`;
}

/**
 * A URL with its password and query values hidden (`postgres://app:****@db:5432/x`, `https://h/v1?key=****`).
 * Something that does not parse as a URL is hidden whole: it might be a connection string with a secret inside.
 */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "****";
  }
  if (url.password !== "") url.password = "****";
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, "****");
  return url.toString().replaceAll("%2A", "*");
}
