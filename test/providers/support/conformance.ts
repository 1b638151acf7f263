import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The recorded provider traffic the tests replay, carried in the project (a copy of the shared conformance corpus, with its README and source notes). */
const corpusRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "conformance");

export function corpusPath(...parts: string[]): string {
  return join(corpusRoot, ...parts);
}

export function readCorpusText(...parts: string[]): string {
  return readFileSync(corpusPath(...parts), "utf8");
}

export function readCorpusJson(...parts: string[]): unknown {
  return JSON.parse(readCorpusText(...parts));
}

/** One JSON value per non-empty line (`.chunks.jsonl`, `.events.jsonl`, `.ndjson`). */
export function readCorpusLines(...parts: string[]): string[] {
  return readCorpusText(...parts)
    .split("\n")
    .filter((line) => line.trim().length > 0);
}

export interface CassetteInteraction {
  request: {
    method: string;
    uri: string;
    body?: string;
    parsed_body?: unknown;
    headers?: Record<string, unknown>;
  };
  response: {
    status: { code: number };
    headers?: Record<string, unknown>;
    body?: { string: string | Uint8Array };
    parsed_body?: unknown;
  };
}

/** A pydantic-ai VCR cassette: YAML core schema (YAML 1.1 would read a key `n` as false) plus `!!binary` as bytes. */
export function readCassette(...parts: string[]): CassetteInteraction[] {
  const document = parse(readCorpusText(...parts), { customTags: ["binary"] }) as {
    interactions: CassetteInteraction[];
  };
  return document.interactions;
}

/** The recorded request body of a cassette interaction as a JSON value. */
export function cassetteRequestBody(interaction: CassetteInteraction): unknown {
  if (interaction.request.parsed_body !== undefined) return interaction.request.parsed_body;
  return JSON.parse(interaction.request.body ?? "null");
}

/** The recorded response body as bytes. */
export function cassetteResponseBytes(interaction: CassetteInteraction): Uint8Array {
  const body = interaction.response.body?.string;
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return new TextEncoder().encode(body);
  return new TextEncoder().encode(JSON.stringify(interaction.response.parsed_body));
}

/** A small seeded PRNG (mulberry32) so a failing random split can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts bytes at random places (including inside UTF-8 sequences and binary frames), 1..maxPiece bytes each. */
export function randomSplit(bytes: Uint8Array, random: () => number, maxPiece = 17): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    const size = 1 + Math.floor(random() * maxPiece);
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

export const SPLIT_SEEDS = [1, 7, 42, 1234, 99991];
