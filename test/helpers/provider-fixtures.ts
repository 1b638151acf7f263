/**
 * Helpers for provider fixture tests: locate the recorded conformance corpus beside the repository, re-add the
 * SSE framing the AI SDK recorder dropped, and replay a body through SseParser in random-sized reads.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { ChatEvent } from "../../src/core/types/chat.js";
import type { Deployment } from "../../src/core/types/deployment.js";
import type { StreamDecoder } from "../../src/core/types/provider.js";
import { SseParser } from "../../src/providers/shared/sse.js";

/** The recorded provider traffic the tests replay, carried in the project (a copy of the shared conformance corpus, with its README and source notes). */
export const CONFORMANCE_DIR = fileURLToPath(new URL("../fixtures/conformance/", import.meta.url));

export function readFixture(path: string): string {
  return readFileSync(CONFORMANCE_DIR + path, "utf8");
}

export function readJsonFixture(path: string): unknown {
  return JSON.parse(readFixture(path));
}

export interface CassetteInteraction {
  request: {
    uri: string;
    method: string;
    parsed_body?: Record<string, unknown>;
    headers?: Record<string, unknown>;
  };
  response: {
    status: { code: number };
    headers?: Record<string, string[]>;
    parsed_body?: unknown;
    body?: { string: string };
  };
}

/** A pydantic-ai VCR cassette. */
export function readCassette(path: string): CassetteInteraction[] {
  const value = parseYaml(readFixture(path)) as { interactions: CassetteInteraction[] };
  return value.interactions;
}

export interface RecordingInteraction {
  request: { method: string; url: string; headers: Record<string, string>; bodySegments: unknown[] };
  response: { statusCode: number; headers?: Record<string, string>; bodySegments: unknown[] };
}

/** A js-genai replay recording. */
export function readRecording(path: string): RecordingInteraction[] {
  return (readJsonFixture(path) as { interactions: RecordingInteraction[] }).interactions;
}

/** Re-frames a `.chunks.jsonl` file as the provider sends it (see the corpus README's table). */
export function frameChunks(jsonl: string, style: "anthropic" | "gemini"): string {
  const lines = jsonl.split("\n").filter((line) => line.trim() !== "");
  if (style === "gemini") return lines.map((line) => `data: ${line}\r\n\r\n`).join("");
  return lines
    .map((line) => {
      const type = (JSON.parse(line) as { type: string }).type;
      return `event: ${type}\ndata: ${line}\n\n`;
    })
    .join("");
}

/** A small deterministic PRNG (mulberry32) so that a failing split is reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes into reads of 1..maxSize bytes (cutting inside UTF-8 sequences and CRLF pairs on purpose). */
export function randomChunks(bytes: Uint8Array, seed: number, maxSize = 17): Uint8Array[] {
  const random = seededRandom(seed);
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = 1 + Math.floor(random() * maxSize);
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

/** Feeds an SSE body through SseParser in random reads and the decoder; returns the batches, end() last. */
export function decodeSseBody(body: string, decoder: StreamDecoder, seed = 1): ChatEvent[][] {
  const parser = new SseParser();
  const batches: ChatEvent[][] = [];
  for (const chunk of randomChunks(new TextEncoder().encode(body), seed)) {
    for (const message of parser.push(chunk)) batches.push(decoder.decode(message));
  }
  for (const message of parser.end()) batches.push(decoder.decode(message));
  batches.push(decoder.end());
  return batches;
}

/** What a caller sees after a stream: the text, reasoning, tool calls, finish and usage, accumulated. */
export interface StreamSummary {
  start?: Extract<ChatEvent, { type: "response-start" }>;
  text: string;
  reasoning: string;
  signatures: string[];
  redacted: string[];
  toolCalls: {
    index: number;
    id: string;
    name: string;
    arguments: string;
    ended: boolean;
    providerOptions?: unknown;
  }[];
  finish: Extract<ChatEvent, { type: "finish" }>[];
  usage: Extract<ChatEvent, { type: "usage" }>["usage"][];
  order: ChatEvent["type"][];
}

export function summarize(batches: ChatEvent[][]): StreamSummary {
  const summary: StreamSummary = {
    text: "",
    reasoning: "",
    signatures: [],
    redacted: [],
    toolCalls: [],
    finish: [],
    usage: [],
    order: [],
  };
  for (const event of batches.flat()) {
    summary.order.push(event.type);
    switch (event.type) {
      case "response-start":
        summary.start = event;
        break;
      case "text-delta":
        summary.text += event.text;
        break;
      case "reasoning-delta":
        if (event.text !== undefined) summary.reasoning += event.text;
        if (event.signature !== undefined) summary.signatures.push(event.signature);
        if (event.redactedData !== undefined) summary.redacted.push(event.redactedData);
        break;
      case "tool-call-start":
        summary.toolCalls.push({
          index: event.index,
          id: event.id,
          name: event.name,
          arguments: "",
          ended: false,
          ...(event.providerOptions === undefined ? {} : { providerOptions: event.providerOptions }),
        });
        break;
      case "tool-call-delta": {
        const call = summary.toolCalls.find((candidate) => candidate.index === event.index);
        if (call === undefined) throw new Error(`tool-call-delta for unknown index ${event.index}`);
        if (call.ended) throw new Error(`tool-call-delta after tool-call-end for index ${event.index}`);
        call.arguments += event.argumentsDelta;
        break;
      }
      case "tool-call-end": {
        const call = summary.toolCalls.find((candidate) => candidate.index === event.index);
        if (call === undefined) throw new Error(`tool-call-end for unknown index ${event.index}`);
        call.ended = true;
        break;
      }
      case "finish":
        summary.finish.push(event);
        break;
      case "usage":
        summary.usage.push(event.usage);
        break;
      default:
        break;
    }
  }
  return summary;
}

export function testDeployment(
  provider: string,
  model: string,
  overrides: Partial<Deployment> = {},
): Deployment {
  return {
    id: `${provider}-test`,
    modelName: `${provider}/${model}`,
    provider,
    model,
    params: { apiKey: "test-key-not-secret", extra: {} },
    info: { extra: {} },
    ...overrides,
  };
}
