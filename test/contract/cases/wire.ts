/** Small readers for upstream request bodies (JSON is `unknown` until looked at). */

export type JsonObject = Record<string, unknown>;

export function record(value: unknown): JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `data:image/png;base64,AAAA` → its media type and base64 payload. */
export function splitDataUrl(url: string): { mediaType: string; base64: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1] ?? "", base64: match[2] ?? "" } : undefined;
}
