import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The recorded provider traffic the tests replay, carried in the project (a copy of the shared conformance corpus, with its README and source notes). */
export const CONFORMANCE_DIR = fileURLToPath(new URL("../fixtures/conformance/", import.meta.url));

export function conformancePath(relative: string): string {
  return CONFORMANCE_DIR + relative;
}

export function hasConformance(relative: string): boolean {
  return existsSync(conformancePath(relative));
}

export function readConformance(relative: string): string {
  return readFileSync(conformancePath(relative), "utf8");
}

export function readConformanceJson(relative: string): unknown {
  return JSON.parse(readConformance(relative));
}

/** The JSON payload lines of a `.chunks.jsonl` recording. */
export function readChunks(relative: string): string[] {
  return readConformance(relative)
    .split("\n")
    .filter((line) => line.trim().length > 0);
}

/** Splits bytes into random-sized pieces (1..max), deterministic for a seed: proves parsers survive any read split. */
export function randomSplits(bytes: Uint8Array, seed: number, max = 17): Uint8Array[] {
  const out: Uint8Array[] = [];
  let state = seed >>> 0 || 1;
  let offset = 0;
  while (offset < bytes.length) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const size = 1 + (state % max);
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}
