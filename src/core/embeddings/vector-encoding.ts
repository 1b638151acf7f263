import type { Vector } from "./embed-types.js";

/**
 * OpenAI's `encoding_format: "base64"`: standard base64 of the vector as little-endian float32s (what the
 * official SDKs decode). Used by the edges to render and by providers to read an upstream's base64.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A vector as base64 of little-endian float32s. A Float32Array's bytes are used as they are (no copy). */
export function encodeVectorBase64(vector: Vector): string {
  if (vector instanceof Float32Array && LITTLE_ENDIAN) {
    return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
  }
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index] as number, index * 4);
  return bytes.toString("base64");
}

/** Decodes base64 of little-endian float32s; undefined when the text is not whole float32s. */
export function decodeVectorBase64(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 4 !== 0) return undefined;
  const out = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  for (let index = 0; index < out.length; index++) out[index] = bytes.readFloatLE(index * 4);
  return out;
}

/** A vector as plain numbers (JSON `float` output, proto `repeated float`). */
export function vectorNumbers(vector: Vector): number[] {
  return vector instanceof Float32Array ? Array.from(vector) : (vector as number[]);
}
