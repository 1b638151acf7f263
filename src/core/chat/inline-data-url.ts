/**
 * The one reading of `data:` URLs that callers send as image URLs (RFC 2397): `data:[<media type>][;<param>]*
 * [;base64],<data>`. Both edges hand image URLs to the core as they came; the core turns data URLs into bytes
 * here, so REST and Connect accept and refuse the same URLs with the same message.
 */
export interface InlineData {
  mediaType: string;
  data: Uint8Array;
}

const HEADER = /^data:([^;,]*)((?:;[^;,]*)*),/i;
const BASE64 = /^[A-Za-z0-9+/\-_\s]*={0,2}\s*$/;

/**
 * The bytes and media type of a data URL; `undefined` when `url` is not a data URL at all; a string (what is
 * wrong) when it is one but malformed.
 */
export function parseInlineDataUrl(url: string): InlineData | string | undefined {
  if (url.length < 5 || url.slice(0, 5).toLowerCase() !== "data:") return undefined;
  const header = HEADER.exec(url);
  if (header === null) return "a data: URL needs a ',' before its data";
  const parameters = (header[2] ?? "").split(";").slice(1);
  const base64 = parameters.at(-1)?.toLowerCase() === "base64";
  const payload = url.slice(header[0].length);
  const mediaType = (header[1] ?? "").trim() || "application/octet-stream";
  if (base64) {
    if (!BASE64.test(payload)) return "the data of a ';base64' data: URL is not base64";
    return { mediaType, data: Buffer.from(payload, "base64") };
  }
  return { mediaType, data: percentDecode(payload) };
}

/** RFC 3986 percent-decoding to bytes (the data may be binary, so not decodeURIComponent, which wants UTF-8). */
function percentDecode(payload: string): Uint8Array {
  const bytes = Buffer.from(payload, "utf8");
  if (!bytes.includes(0x25)) return bytes;
  const out = Buffer.alloc(bytes.length);
  let length = 0;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    if (byte === 0x25 && isHex(bytes[index + 1]) && isHex(bytes[index + 2])) {
      out[length++] = Number.parseInt(
        String.fromCharCode(bytes[index + 1] as number, bytes[index + 2] as number),
        16,
      );
      index += 2;
    } else out[length++] = byte;
  }
  return out.subarray(0, length);
}

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}
