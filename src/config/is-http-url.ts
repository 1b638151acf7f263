/** True for an absolute http:// or https:// URL: the only upstream base URLs a deployment may name. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
