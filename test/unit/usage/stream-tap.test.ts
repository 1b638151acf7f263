import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StreamTap } from "../../../src/core/chat/stream-tap.js";
import {
  completionTokensFromBytes,
  completionTokensFromText,
} from "../../../src/core/estimate/token-estimate.js";
import type { ChatEvent } from "../../../src/core/types/chat.js";
import type { StreamDecoder } from "../../../src/core/types/provider.js";
import { AnthropicStreamDecoder } from "../../../src/providers/anthropic/anthropic-stream-decoder.js";
import { MistralStreamDecoder } from "../../../src/providers/mistral/mistral-stream-decoder.js";
import { OpenAIStreamDecoder } from "../../../src/providers/openai/openai-stream-decoder.js";
import { SseParser } from "../../../src/providers/shared/sse.js";
import { hasConformance, readChunks, readConformance } from "../../helpers/conformance.js";

/** A recording decoded into batches, one per upstream message (what the router hands the core). */
function batchesOf(name: string, decoder: StreamDecoder): ChatEvent[][] {
  const batches: ChatEvent[][] = [];
  if (hasConformance(`${name}.sse`)) {
    const parser = new SseParser();
    const bytes = new TextEncoder().encode(readConformance(`${name}.sse`));
    for (const message of [...parser.push(bytes), ...parser.end()]) batches.push(decoder.decode(message));
  } else {
    for (const line of readChunks(`${name}.chunks.jsonl`)) batches.push(decoder.decode({ data: line }));
  }
  batches.push(decoder.end());
  return batches.filter((batch) => batch.length > 0);
}

/** What the old metered stream accumulated as text for its estimate (the reference the count must match). */
function generatedTextOf(batches: ChatEvent[][]): string {
  let generated = "";
  for (const event of batches.flat()) {
    if (event.type === "text-delta" || event.type === "refusal-delta") generated += event.text;
    else if (event.type === "reasoning-delta") generated += event.text ?? "";
    else if (event.type === "tool-call-delta") generated += event.argumentsDelta;
    else if (event.type === "tool-call-start") generated += event.name;
  }
  return generated;
}

const RECORDINGS: [string, () => StreamDecoder][] = [
  ["openai/chat-stream-text", () => new OpenAIStreamDecoder("openai")],
  ["openai/chat-stream-tool", () => new OpenAIStreamDecoder("openai")],
  ["openai/chat-stream-parallel-tools", () => new OpenAIStreamDecoder("openai")],
  ["openai/chat-stream-n3", () => new OpenAIStreamDecoder("openai")],
  ["openai/chat-stream-refusal", () => new OpenAIStreamDecoder("openai")],
  ["openai/chat-stream-json-schema", () => new OpenAIStreamDecoder("openai")],
  ["openai/chat-stream-length", () => new OpenAIStreamDecoder("openai")],
  ["openai/chat-stream-logprobs", () => new OpenAIStreamDecoder("openai")],
  ["anthropic/messages-stream-text", () => new AnthropicStreamDecoder()],
  ["anthropic/messages-stream-thinking", () => new AnthropicStreamDecoder()],
  ["anthropic/messages-stream-tool-use", () => new AnthropicStreamDecoder()],
  ["anthropic/messages-stream-json-tool", () => new AnthropicStreamDecoder()],
  ["mistral/chat-stream-reasoning", () => new MistralStreamDecoder()],
  ["mistral/chat-stream-tool-call", () => new MistralStreamDecoder()],
];

describe("stream tap: one pass, counts instead of text", () => {
  for (const [name, decoder] of RECORDINGS) {
    it(`${name}: the running byte count's estimate equals the estimate from the whole generated text`, () => {
      const batches = batchesOf(name, decoder());
      const tap = new StreamTap(1);
      for (const batch of batches) tap.observe(batch);
      const text = generatedTextOf(batches);
      assert.ok(text.length > 0, "the recording generates something");
      assert.equal(tap.generatedBytes, Buffer.byteLength(text, "utf8"));
      assert.equal(completionTokensFromBytes(tap.generatedBytes), completionTokensFromText(text));
    });
  }

  it("a long stream with provider usage: the tap's retained state stays a few numbers (no text)", () => {
    const tap = new StreamTap(1);
    const delta = "x".repeat(1_000);
    tap.observe([{ type: "response-start", id: "r", model: "m", created: 1 }]);
    for (let index = 0; index < 10_000; index++) {
      tap.observe([{ type: "text-delta", choice: 0, text: delta }]);
      tap.observe([{ type: "tool-call-delta", choice: 0, index: 0, argumentsDelta: "{}" }]);
    }
    const out = tap.observe([
      { type: "finish", choice: 0, reason: "stop" },
      { type: "usage", usage: { promptTokens: 3, completionTokens: 2_500_000, totalTokens: 2_500_003 } },
    ]);
    assert.deepEqual(
      out.map((event) => event.type),
      ["finish"],
      "usage is held back",
    );
    assert.equal(tap.generatedBytes, 10_000 * 1_002);
    assert.equal(tap.usage?.completionTokens, 2_500_000);
    // Every field the tap keeps, recursively: numbers, a tiny set, the usage object, two short labels.
    const strings: string[] = [];
    const visit = (value: unknown) => {
      if (typeof value === "string") strings.push(value);
      else if (value instanceof Set) for (const item of value) visit(item);
      else if (typeof value === "object" && value !== null)
        for (const item of Object.values(value)) visit(item);
    };
    visit(tap);
    // Only the response's model and the finish reasons (for traces), never generated text.
    assert.deepEqual(strings.sort(), ["m", "stop"]);
    assert.ok(JSON.stringify(tap).length < 400, "retained state is independent of the stream's length");
    assert.deepEqual(tap.missingFinishes(), []);
  });

  it("adds response-start when the provider sent none, and the finish of every silent choice", () => {
    const tap = new StreamTap(3);
    const first = tap.observe([{ type: "text-delta", choice: 0, text: "hé" }]);
    assert.deepEqual(
      first.map((event) => event.type),
      ["response-start", "text-delta"],
    );
    tap.observe([{ type: "finish", choice: 1, reason: "length" }]);
    assert.deepEqual(
      tap.missingFinishes().map((event) => (event.type === "finish" ? event.choice : -1)),
      [0, 2],
    );
    assert.equal(tap.generatedBytes, 3, "UTF-8 bytes, not UTF-16 units");
    assert.ok(tap.firstTokenAt !== undefined);
  });

  it("running usage totals merge to the largest of each count", () => {
    const tap = new StreamTap(1);
    tap.observe([{ type: "usage", usage: { promptTokens: 10, completionTokens: 0, totalTokens: 10 } }]);
    tap.observe([{ type: "usage", usage: { promptTokens: 0, completionTokens: 7, totalTokens: 7 } }]);
    assert.deepEqual(tap.usage, { promptTokens: 10, completionTokens: 7, totalTokens: 17 });
  });
});
