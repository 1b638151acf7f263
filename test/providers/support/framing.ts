import type { UpstreamMessage } from "../../../src/core/types/provider.js";
import { NdjsonParser } from "../../../src/providers/shared/ndjson.js";
import { SseParser } from "../../../src/providers/shared/sse.js";
import { randomSplit, seededRandom } from "./conformance.js";

export interface SseFramingOptions {
  /** Anthropic/Cohere style: an `event: <payload.type>` line before each data line. */
  eventFromType?: boolean;
  /** OpenAI style: finish with `data: [DONE]`. */
  done?: boolean;
}

/** `.chunks.jsonl` payload lines framed as the README says a fake server should send them. */
export function sseBytes(lines: string[], options: SseFramingOptions = {}): Uint8Array {
  let text = "";
  for (const line of lines) {
    if (options.eventFromType) text += `event: ${(JSON.parse(line) as { type: string }).type}\n`;
    text += `data: ${line}\n\n`;
  }
  if (options.done) text += "data: [DONE]\n\n";
  return new TextEncoder().encode(text);
}

function pieces(bytes: Uint8Array, seed: number | undefined): Uint8Array[] {
  return seed === undefined ? [bytes] : randomSplit(bytes, seededRandom(seed), 23);
}

/** Runs bytes through the real SSE parser in the given (or random) reads. */
export function parseSse(bytes: Uint8Array, seed?: number): UpstreamMessage[] {
  const parser = new SseParser();
  const out: UpstreamMessage[] = [];
  for (const piece of pieces(bytes, seed)) out.push(...parser.push(piece));
  out.push(...parser.end());
  return out;
}

export function parseNdjson(bytes: Uint8Array, seed?: number): UpstreamMessage[] {
  const parser = new NdjsonParser();
  const out: UpstreamMessage[] = [];
  for (const piece of pieces(bytes, seed)) out.push(...parser.push(piece));
  out.push(...parser.end());
  return out;
}
