import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import {
  applyPartialArgs,
  GeminiStreamDecoder,
} from "../../../src/providers/gemini/gemini-stream-decoder.js";
import {
  decodeSseBody,
  frameChunks,
  readCassette,
  readFixture,
  readRecording,
  type StreamSummary,
  summarize,
} from "../../helpers/provider-fixtures.js";

const SEEDS = [1, 2, 3, 42, 1234];

function decoder(candidates = 1): GeminiStreamDecoder {
  return new GeminiStreamDecoder({ provider: "gemini", model: "gemini-test", candidates, now: () => 0 });
}

/** Tool-call ids are random per decode; replace them so that splits can be compared batch for batch. */
function stable(batches: ReturnType<typeof decodeSseBody>): unknown {
  return batches
    .filter((batch) => batch.length > 0)
    .map((batch) =>
      batch.map((event) => (event.type === "tool-call-start" ? { ...event, id: "<id>" } : event)),
    );
}

function replay(body: string): StreamSummary {
  const reference = decodeSseBody(body, decoder(), 0);
  for (const seed of SEEDS)
    assert.deepEqual(stable(decodeSseBody(body, decoder(), seed)), stable(reference), `seed ${seed}`);
  const summary = summarize(reference);
  assert.equal(summary.order[0], "response-start");
  assert.deepEqual(summary.order.slice(-2), ["finish", "usage"]);
  assert.equal(summary.finish.length, 1);
  assert.equal(summary.usage.length, 1);
  for (const call of summary.toolCalls) {
    assert.ok(call.ended);
    assert.match(call.id, /^call_/);
    JSON.parse(call.arguments);
  }
  return summary;
}

function segments(path: string, index = 0): string {
  const interaction = readRecording(path)[index]!;
  return interaction.response.bodySegments
    .map((segment) => `data: ${JSON.stringify(segment)}\r\n\r\n`)
    .join("");
}

describe("gemini stream decoding (recorded)", () => {
  it("decodes text with cumulative usage and a trailing signature (stream-generate-content-text)", () => {
    const summary = replay(
      frameChunks(readFixture("gemini/stream-generate-content-text.chunks.jsonl"), "gemini"),
    );
    assert.equal(summary.start?.id, "bH6LaZW8Fp_3nsEPqtaSwQ4");
    assert.equal(summary.text, 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    assert.equal(summary.signatures.length, 1);
    assert.equal(summary.finish[0]?.reason, "stop");
    assert.deepEqual(summary.usage[0], {
      promptTokens: 9,
      completionTokens: 208,
      totalTokens: 217,
      reasoningTokens: 185,
    });
  });

  it("decodes a whole function call and finishes with tool_calls (stream-function-call)", () => {
    const summary = replay(frameChunks(readFixture("gemini/stream-function-call.chunks.jsonl"), "gemini"));
    assert.equal(summary.toolCalls.length, 1);
    assert.equal(summary.toolCalls[0]?.name, "weather");
    assert.deepEqual(JSON.parse(summary.toolCalls[0]!.arguments), { location: "San Francisco" });
    assert.match(
      String((summary.toolCalls[0]!.providerOptions as Record<string, unknown>)["thoughtSignature"]),
      /^EqUCCqIC/,
    );
    assert.equal(summary.finish[0]?.reason, "tool_calls");
  });

  it("assembles Vertex streamed arguments of two calls (stream-function-call-partial-args)", () => {
    const summary = replay(
      frameChunks(readFixture("gemini/stream-function-call-partial-args.chunks.jsonl"), "gemini"),
    );
    assert.deepEqual(
      summary.toolCalls.map((call) => [call.index, call.name, JSON.parse(call.arguments)]),
      [
        [0, "getWeather", { location: "Boston" }],
        [1, "getWeather", { location: "San Francisco" }],
      ],
    );
    assert.equal(summary.finish[0]?.reason, "tool_calls");
    assert.deepEqual(summary.usage[0], {
      promptTokens: 26,
      completionTokens: 155,
      totalTokens: 181,
      reasoningTokens: 132,
    });
  });

  it("decodes a thought, an argument-less call and three streamed calls (stream-thought-and-partial-function-args)", () => {
    const summary = replay(
      frameChunks(readFixture("gemini/stream-thought-and-partial-function-args.chunks.jsonl"), "gemini"),
    );
    assert.match(summary.reasoning, /^\*\*Processing User Requests\*\*/);
    assert.equal(summary.text, "");
    assert.deepEqual(
      summary.toolCalls.map((call) => [call.index, call.name, call.arguments]),
      [
        [0, "read_theme", "{}"],
        [1, "read_screen", '{"id":"A"}'],
        [2, "read_screen", '{"id":"B"}'],
        [3, "read_screen", '{"id":"C"}'],
      ],
    );
    assert.ok(summary.toolCalls[0]?.providerOptions !== undefined, "the signature rides on the first call");
    assert.equal(summary.finish[0]?.reason, "tool_calls");
  });

  it("decodes raw CRLF-framed thoughts then answer (cassette-stream-thoughts)", () => {
    const [interaction] = readCassette("gemini/cassette-stream-thoughts.yaml");
    const summary = replay(interaction!.response.body!.string);
    assert.match(summary.reasoning, /^\*\*Clarifying User Goals\*\*/);
    assert.ok(summary.text.length > 0);
    assert.ok(summary.order.indexOf("reasoning-delta") < summary.order.indexOf("text-delta"));
    assert.equal(summary.finish[0]?.reason, "stop");
  });

  it("decodes both raw streams of the signature round trip (cassette-stream-tool-call-thought-signature)", () => {
    const [first, second] = readCassette("gemini/cassette-stream-tool-call-thought-signature.yaml");
    const call = replay(first!.response.body!.string);
    assert.equal(call.toolCalls[0]?.name, "get_country");
    assert.equal(call.toolCalls[0]?.arguments, "{}");
    assert.match(
      String((call.toolCalls[0]!.providerOptions as Record<string, unknown>)["thoughtSignature"]),
      /^EpwICpkI/,
    );
    const answer = replay(second!.response.body!.string);
    assert.equal(answer.text, "The capital of Mexico is Mexico City.");
    assert.equal(answer.usage[0]?.promptTokens, 257);
  });

  it("decodes js-genai stream segments (recording-stream-system-instruction, recording-function-calling-stream)", () => {
    const text = replay(segments("gemini/recording-stream-system-instruction.json"));
    assert.match(text.text, /^low!\n\nThe sky is blue/);
    assert.match(text.text, /rather than violet\.$/);
    assert.deepEqual(text.usage[0], {
      promptTokens: 20,
      completionTokens: 513,
      totalTokens: 533,
      reasoningTokens: 260,
    });
    const calls = replay(segments("gemini/recording-function-calling-stream.json", 1));
    assert.deepEqual(JSON.parse(calls.toolCalls[0]!.arguments), { denominator: 2, numerator: 50 });
  });

  it("waits for every candidate before usage when n > 1", () => {
    const chunk = (index: number, text: string, finishReason?: string) =>
      `data: ${JSON.stringify({
        candidates: [
          { index, content: { parts: [{ text }], role: "model" }, ...(finishReason ? { finishReason } : {}) },
        ],
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 },
      })}\r\n\r\n`;
    const batches = decodeSseBody(
      chunk(0, "a") + chunk(1, "b") + chunk(0, "", "STOP") + chunk(1, "c", "MAX_TOKENS"),
      decoder(2),
      5,
    );
    const summary = summarize(batches);
    assert.deepEqual(
      summary.finish.map((event) => [event.choice, event.reason]),
      [
        [0, "stop"],
        [1, "length"],
      ],
    );
    assert.deepEqual(summary.order.slice(-2), ["finish", "usage"]);
  });
});

describe("gemini stream errors", () => {
  it("throws the mapped error for an error object inside the stream", () => {
    const body = `data: ${JSON.stringify({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } })}\r\n\r\n`;
    assert.throws(
      () => decodeSseBody(body, decoder()),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "upstream_unavailable" && error.provider === "gemini",
    );
  });

  it("reports a stream without any finish reason", () => {
    const lines = readFixture("gemini/stream-generate-content-text.chunks.jsonl")
      .split("\n")
      .slice(0, 2)
      .join("\n");
    assert.throws(
      () => decodeSseBody(frameChunks(lines, "gemini"), decoder()),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_protocol",
    );
  });
});

describe("gemini streamed-argument paths", () => {
  it("applies nested paths, arrays and continued strings", () => {
    const target: Record<string, unknown> = {};
    applyPartialArgs(target, [
      { jsonPath: "$.a.b", stringValue: "he", willContinue: true },
      { jsonPath: "$.a.b", stringValue: "llo" },
      { jsonPath: "$.list[0]", numberValue: 1 },
      { jsonPath: "$.list[1]", boolValue: true },
      { jsonPath: "$['odd key']", nullValue: null },
    ]);
    assert.deepEqual(target, { a: { b: "hello" }, list: [1, true], "odd key": null });
  });
});
