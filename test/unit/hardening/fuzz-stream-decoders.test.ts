import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import type { HttpProviderAdapter, UpstreamMessage } from "../../../src/core/types/provider.js";
import { getProvider } from "../../../src/providers/registry.js";
import {
  AwsEventStreamParser,
  encodeAwsEventStreamMessage,
} from "../../../src/providers/shared/aws-event-stream.js";
import { NdjsonParser } from "../../../src/providers/shared/ndjson.js";
import { SseParser } from "../../../src/providers/shared/sse.js";
import { createFramer } from "../../../src/providers/shared/stream-framer.js";
import { readChunks, readConformance, readConformanceJson } from "../../helpers/conformance.js";

/**
 * Upstream streams are untrusted input. Every framer (SSE, NDJSON, AWS event stream) and every provider's stream
 * decoder is fed recorded streams, mutated at random: the only failure it may report is a GatewayError, and it
 * never hangs (the decoders are synchronous, so a run that returns did not hang). Runs are bounded (RUNS per
 * property) so the file stays within seconds.
 */
const RUNS = 1000;
const encoder = new TextEncoder();

function assertOnlyGatewayErrors(run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    assert.ok(error.message.length > 0);
    assert.doesNotMatch(error.message, /\n\s+at /, "no stack trace in the message");
  }
}

describe("stream framers are bounded while parsing (GUARDS 8)", () => {
  const piece = encoder.encode("x".repeat(64 * 1024));

  it("SSE: an endless line fails the moment it passes the line bound, not after", () => {
    const parser = new SseParser(1024 * 1024);
    parser.push(encoder.encode("data: "));
    let fed = 0;
    let thrown: unknown;
    try {
      for (let index = 0; index < 1600; index++) {
        parser.push(piece);
        fed += piece.length;
      }
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof GatewayError);
    assert.equal(thrown.kind, "upstream_protocol");
    assert.equal(thrown.reason, "sse_line_too_long");
    assert.ok(fed <= 1024 * 1024, `cut at ${fed} bytes, within one read of the 1 MiB bound`);
  });

  it("SSE: many short data lines cannot build one huge event", () => {
    const parser = new SseParser(1024 * 1024, 4 * 1024 * 1024);
    const line = encoder.encode(`data: ${"y".repeat(64 * 1024)}\n`);
    let fed = 0;
    let thrown: unknown;
    try {
      for (let index = 0; index < 1600; index++) {
        assert.deepEqual(parser.push(line), []);
        fed += line.length;
      }
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof GatewayError);
    assert.equal(thrown.reason, "sse_event_too_long");
    assert.ok(fed <= 4 * 1024 * 1024);
  });

  it("SSE: a line longer than the bound inside a single read is refused too", () => {
    const parser = new SseParser(1024);
    assert.throws(
      () => parser.push(encoder.encode(`data: ${"z".repeat(4096)}\n\n`)),
      (error: unknown) => error instanceof GatewayError && error.reason === "sse_line_too_long",
    );
  });

  it("NDJSON: an endless line fails the moment it passes the bound", () => {
    const parser = new NdjsonParser(1024 * 1024);
    let fed = 0;
    let thrown: unknown;
    try {
      for (let index = 0; index < 1600; index++) {
        parser.push(piece);
        fed += piece.length;
      }
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof GatewayError);
    assert.equal(thrown.reason, "ndjson_line_too_long");
    assert.ok(fed <= 1024 * 1024);
  });

  it("AWS event stream: a length prefix over the bound fails before any payload is awaited", () => {
    const parser = new AwsEventStreamParser(1024 * 1024);
    const prelude = new Uint8Array(12);
    new DataView(prelude.buffer).setUint32(0, 100 * 1024 * 1024);
    assert.throws(
      () => parser.push(prelude),
      (error: unknown) => error instanceof GatewayError && error.reason === "event_stream_frame_length",
    );
  });
});

describe("framers: arbitrary bytes in arbitrary reads give messages or a GatewayError", () => {
  for (const framing of ["sse", "ndjson", "aws-event-stream"] as const) {
    it(`${framing}: never anything but a GatewayError (${RUNS} runs)`, () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 256 }), { maxLength: 16 }), (reads) => {
          assertOnlyGatewayErrors(() => {
            const framer = createFramer(framing);
            for (const read of reads) framer.push(read);
            framer.end();
          });
        }),
        { numRuns: RUNS },
      );
    });
  }

  it(`sse: the same events whatever the read boundaries (${RUNS} runs)`, () => {
    const bytes = encoder.encode(readConformance("anthropic/messages-stream-text.sse"));
    const whole = new SseParser();
    const expected = [...whole.push(bytes), ...whole.end()];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parser = new SseParser();
        const out: UpstreamMessage[] = [];
        let from = 0;
        for (const point of [...points, bytes.length]) {
          out.push(...parser.push(bytes.subarray(from, point)));
          from = point;
        }
        out.push(...parser.end());
        assert.deepEqual(out, expected);
      }),
      { numRuns: RUNS },
    );
  });
});

/** The recorded stream of each provider, as the framed messages its decoder sees. */
interface RecordedStream {
  provider: string;
  messages: UpstreamMessage[];
}

function sseLines(provider: string, file: string, named = false): RecordedStream {
  return {
    provider,
    messages: readChunks(file).map((data) => {
      if (!named) return { data };
      const type = (JSON.parse(data) as { type?: unknown }).type;
      return { event: String(type), data };
    }),
  };
}

function bedrockStream(): RecordedStream {
  const capture = readConformanceJson("bedrock/converse-stream-live.eventstream.b64.json") as {
    response: { bodyBase64: string };
  };
  const parser = new AwsEventStreamParser();
  const messages = parser.push(new Uint8Array(Buffer.from(capture.response.bodyBase64, "base64")));
  return { provider: "bedrock", messages };
}

function ollamaStream(): RecordedStream {
  const parser = new NdjsonParser();
  const messages = [...parser.push(encoder.encode(readConformance("ollama/chat-stream-tools.ndjson")))];
  messages.push(...parser.end());
  return { provider: "ollama_chat", messages };
}

const streams: RecordedStream[] = [
  sseLines("openai", "openai/chat-stream-text.chunks.jsonl"),
  sseLines("anthropic", "anthropic/messages-stream-tool-no-args.chunks.jsonl", true),
  sseLines("anthropic", "anthropic/messages-stream-thinking.chunks.jsonl", true),
  sseLines("gemini", "gemini/stream-thought-and-partial-function-args.chunks.jsonl"),
  sseLines("mistral", "mistral/chat-stream-tool-call.chunks.jsonl"),
  sseLines("cohere", "cohere/chat-v2-stream-tool-call.chunks.jsonl", true),
  sseLines("azure", "azure/chat-stream-content-filter.chunks.jsonl"),
  bedrockStream(),
  ollamaStream(),
];

const request: ChatRequest = {
  model: "fuzz",
  messages: [{ role: "user", content: "hi" }],
  tools: [{ name: "get_weather", parameters: { type: "object" } }],
};

function adapterOf(provider: string): HttpProviderAdapter {
  const adapter = getProvider(provider);
  assert.ok(adapter !== undefined && adapter.kind === "http", provider);
  return adapter;
}

function contextOf(provider: string) {
  const deployment: Deployment = {
    id: `fuzz#${provider}`,
    modelName: "fuzz",
    provider,
    model: "fuzz-model",
    params: { extra: {} },
    info: { extra: {} },
  };
  return { deployment, stream: true, requestId: "fuzz-request" };
}

/** JSON values shaped like provider events: recorded keys with arbitrary values. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 20 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom("type", "index", "delta", "choices", "content", "text", "usage", "id", "name", "role"),
      tie("value"),
      { maxKeys: 5 },
    ),
  ),
})).value;

/** One mutation of a recorded message list. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), keep: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), data: fc.string({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant("json" as const), at: fc.nat(), value: jsonish }),
  fc.record({ kind: fc.constant("set-field" as const), at: fc.nat(), value: jsonish }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(messages: readonly UpstreamMessage[], mutations: readonly Mutation[]): UpstreamMessage[] {
  const out = messages.map((message) => ({ ...message }));
  for (const change of mutations) {
    if (out.length === 0) break;
    const at = change.at % out.length;
    const target = out[at] as UpstreamMessage;
    switch (change.kind) {
      case "drop":
        out.splice(at, 1);
        break;
      case "duplicate":
        out.splice(at, 0, { ...target });
        break;
      case "truncate":
        target.data = target.data.slice(0, change.keep % (target.data.length + 1));
        break;
      case "replace":
        target.data = change.data;
        break;
      case "json":
        target.data = JSON.stringify(change.value) ?? "null";
        break;
      case "set-field": {
        // Keep the recorded shape, replace one top-level field's value: the mutations a drifting provider makes.
        let parsed: unknown;
        try {
          parsed = JSON.parse(target.data);
        } catch {
          break;
        }
        if (typeof parsed !== "object" || parsed === null) break;
        const keys = Object.keys(parsed);
        const key = keys[change.at % Math.max(keys.length, 1)];
        if (key !== undefined) (parsed as Record<string, unknown>)[key] = change.value;
        target.data = JSON.stringify(parsed);
        break;
      }
    }
  }
  return out;
}

describe("provider stream decoders: mutated recordings give events or a GatewayError", () => {
  for (const stream of streams) {
    it(`${stream.provider} (${stream.messages.length} recorded messages, ${RUNS} runs)`, () => {
      const adapter = adapterOf(stream.provider);
      // The recording itself decodes without error.
      const clean = adapter.createStreamDecoder(request, contextOf(stream.provider));
      for (const message of stream.messages) clean.decode(message);
      clean.end();
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
          const decoder = adapter.createStreamDecoder(request, contextOf(stream.provider));
          assertOnlyGatewayErrors(() => {
            for (const message of mutate(stream.messages, mutations)) decoder.decode(message);
            decoder.end();
          });
        }),
        { numRuns: RUNS },
      );
    });
  }

  it(`bedrock: bit-flipped and cut event-stream bytes through framer and decoder (${RUNS} runs)`, () => {
    const adapter = adapterOf("bedrock");
    const frames = bedrockStream().messages.map((message) =>
      encodeAwsEventStreamMessage(message.headers ?? {}, message.data),
    );
    const bytes = Buffer.concat(frames);
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
        fc.nat(),
        (flips, cut) => {
          const copy = new Uint8Array(bytes);
          for (const flip of flips) {
            const at = flip.at % copy.length;
            copy[at] = (copy[at] as number) ^ flip.xor;
          }
          const body = copy.subarray(0, copy.length - (cut % 64));
          assertOnlyGatewayErrors(() => {
            const framer = new AwsEventStreamParser();
            const decoder = adapter.createStreamDecoder(request, contextOf("bedrock"));
            for (const message of framer.push(body)) decoder.decode(message);
            for (const message of framer.end()) decoder.decode(message);
            decoder.end();
          });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
