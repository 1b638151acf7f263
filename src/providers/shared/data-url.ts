/**
 * Splits `data:<media type>;base64,<data>` URLs, the form OpenAI callers use for inline images. Providers that
 * take bytes (Anthropic base64 sources, Gemini inlineData) need the two halves separately.
 */
export interface DataUrl {
  mediaType: string;
  base64: string;
}

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]+)*?);base64,(.*)$/s;

export function parseDataUrl(url: string): DataUrl | undefined {
  if (!url.startsWith("data:")) return undefined;
  const match = DATA_URL.exec(url);
  if (match === null) return undefined;
  return { mediaType: match[1] ?? "application/octet-stream", base64: match[3] ?? "" };
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A best guess of an image or document media type from a URL's extension (Gemini needs one for fileData). */
export function guessMediaType(url: string): string | undefined {
  const path = url.split(/[?#]/, 1)[0]?.toLowerCase() ?? "";
  const extension = path.slice(path.lastIndexOf(".") + 1);
  switch (extension) {
    case "png":
      return "image/png";
    case "jpg":
    case "jpeg":
      return "image/jpeg";
    case "gif":
      return "image/gif";
    case "webp":
      return "image/webp";
    case "heic":
      return "image/heic";
    case "pdf":
      return "application/pdf";
    case "mp3":
      return "audio/mpeg";
    case "wav":
      return "audio/wav";
    case "mp4":
      return "video/mp4";
    case "txt":
      return "text/plain";
    default:
      return undefined;
  }
}
