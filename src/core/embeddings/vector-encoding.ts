import type { Vector } from "./embed-types.js";

/**
 * OpenAI's `encoding_format: "base64"`: standard base64 of the vector as little-endian float32s (what the
 * official SDKs decode). Used by the edges to render and by providers to read an upstream's base64.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A vector as little-endian float32 bytes. A Float32Array's own bytes are used as they are (no copy). */
export function vectorBytes(vector: Vector): Uint8Array {
  if (LITTLE_ENDIAN) {
    const floats = vector instanceof Float32Array ? vector : Float32Array.from(vector);
    return new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  }
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let index = 0; index < vector.length; index++) bytes.writeFloatLE(vector[index] as number, index * 4);
  return bytes;
}

/** A vector as base64 of little-endian float32s. */
export function encodeVectorBase64(vector: Vector): string {
  const bytes = vectorBytes(vector);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Little-endian float32 bytes (the Embed RPC's `values`) → floats; undefined when not whole float32s. */
export function decodeVectorBytes(bytes: Uint8Array): Float32Array | undefined {
  if (bytes.byteLength % 4 !== 0) return undefined;
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < out.length; index++) out[index] = view.getFloat32(index * 4, true);
  }
  return out;
}

/** Decodes base64 of little-endian float32s; undefined when the text is not whole float32s. */
export function decodeVectorBase64(text: string): Float32Array | undefined {
  return decodeVectorBytes(Buffer.from(text, "base64"));
}

/** A vector as plain numbers (JSON `float` output, proto `repeated float`). */
export function vectorNumbers(vector: Vector): number[] {
  return vector instanceof Float32Array ? Array.from(vector) : (vector as number[]);
}
