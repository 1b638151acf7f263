/**
 * Image and file parts as base64 bytes, for providers that take only inline bytes (Bedrock, Ollama): a `data:`
 * URL is split, raw bytes are encoded, and an http(s) URL yields `undefined` so the caller can reject it (the
 * gateway does not fetch caller-chosen URLs: that would be client-chosen egress).
 */
export interface InlineBytes {
  mediaType: string | undefined;
  base64: string;
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?);base64,(.*)$/s;

export function inlineBytes(part: {
  url?: string;
  data?: Uint8Array;
  mediaType?: string;
}): InlineBytes | undefined {
  if (part.data !== undefined) {
    return {
      mediaType: part.mediaType,
      base64: Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength).toString("base64"),
    };
  }
  if (part.url === undefined) return undefined;
  const match = DATA_URL.exec(part.url);
  if (match === null) return undefined;
  return { mediaType: match[1] === "" ? part.mediaType : match[1], base64: match[3] ?? "" };
}
