import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { AnthropicStreamDecoder } from "../../../src/providers/anthropic/anthropic-stream-decoder.js";
import { ANTHROPIC_JSON_TOOL_NAME } from "../../../src/providers/anthropic/convert-to-anthropic-request.js";
import {
  decodeSseBody,
  frameChunks,
  readCassette,
  readFixture,
  type StreamSummary,
  summarize,
} from "../../helpers/provider-fixtures.js";

const SEEDS = [1, 2, 3, 42, 1234];

/** Replays a body under several random splits; every split must give the same events, batch for batch. */
function replay(body: string): StreamSummary {
  const reference = decodeSseBody(body, new AnthropicStreamDecoder(() => 0), 0);
  for (const seed of SEEDS) {
    const batches = decodeSseBody(body, new AnthropicStreamDecoder(() => 0), seed);
    assert.deepEqual(
      batches.filter((batch) => batch.length > 0),
      reference.filter((batch) => batch.length > 0),
      `seed ${seed}`,
    );
  }
  const summary = summarize(reference);
  assert.equal(summary.order[0], "response-start");
  assert.deepEqual(summary.order.slice(-2), ["finish", "usage"], "the tail is finish then usage");
  assert.equal(summary.finish.length, 1);
  assert.equal(summary.usage.length, 1);
  for (const call of summary.toolCalls) {
    assert.ok(call.ended, `tool call ${call.index} ended`);
    JSON.parse(call.arguments);
  }
  return summary;
}

function chunks(path: string): string {
  return frameChunks(readFixture(path), "anthropic");
}

describe("anthropic stream decoding (recorded)", () => {
  it("decodes plain text (messages-stream-text.sse, raw bytes)", () => {
    const summary = replay(readFixture("anthropic/messages-stream-text.sse"));
    assert.equal(summary.start?.id, "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK");
    assert.equal(summary.start?.model, "claude-3-opus-20240229");
    assert.equal(summary.text, "Hello there!");
    assert.deepEqual(summary.finish[0], {
      type: "finish",
      choice: 0,
      reason: "stop",
      providerReason: "end_turn",
    });
    assert.deepEqual(summary.usage[0], { promptTokens: 11, completionTokens: 6, totalTokens: 17 });
  });

  it("decodes text then a streamed tool call (messages-stream-tool-use.sse)", () => {
    const summary = replay(readFixture("anthropic/messages-stream-tool-use.sse"));
    assert.equal(summary.text, "I'll check the current weather in Paris for you.");
    assert.deepEqual(summary.toolCalls, [
      {
        index: 0,
        id: "toolu_01NRLabsLyVHZPKxbKvkfSMn",
        name: "get_weather",
        arguments: '{"location": "Paris"}',
        ended: true,
      },
    ]);
    assert.equal(summary.finish[0]?.reason, "tool_calls");
    assert.deepEqual(summary.usage[0], {
      promptTokens: 377,
      completionTokens: 65,
      totalTokens: 442,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it("gives a tool call without arguments '{}' and its own index 0 (messages-stream-tool-no-args)", () => {
    const summary = replay(chunks("anthropic/messages-stream-tool-no-args.chunks.jsonl"));
    assert.equal(summary.text, "I'll update the issue list for you.");
    assert.deepEqual(summary.toolCalls, [
      {
        index: 0,
        id: "toolu_01QE1WLsSVp5hy5Q3GmGTmjP",
        name: "updateIssueList",
        arguments: "{}",
        ended: true,
      },
    ]);
    assert.equal(summary.finish[0]?.reason, "tool_calls");
    assert.equal(summary.usage[0]?.completionTokens, 48);
  });

  it("streams thinking and emits the signature when the block ends (messages-stream-thinking)", () => {
    const summary = replay(chunks("anthropic/messages-stream-thinking.chunks.jsonl"));
    assert.equal(
      summary.reasoning,
      "The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185",
    );
    assert.equal(summary.signatures.length, 1);
    assert.match(summary.signatures[0]!, /^EvQBCkYICxgCKkAxhD4N/);
    assert.equal(summary.text, "925 ÷ 5 = 185");
    // The signature comes after all reasoning text and before any answer text.
    const signatureAt = summary.order.findIndex(
      (type, index) => type === "reasoning-delta" && index > 0 && summary.order[index + 1] === "text-delta",
    );
    assert.ok(signatureAt > 0);
    assert.equal(summary.usage[0]?.completionTokens, 53);
  });

  it("prefers message_delta usage over message_start (messages-stream-message-delta-input-tokens)", () => {
    const summary = replay(chunks("anthropic/messages-stream-message-delta-input-tokens.chunks.jsonl"));
    assert.equal(summary.text, "pong");
    assert.deepEqual(summary.usage[0], { promptTokens: 61, completionTokens: 2, totalTokens: 63 });
  });

  it("turns the forced JSON tool into content (messages-stream-json-tool, tool renamed to ours)", () => {
    // The recording's forced tool is named "json" (vercel/ai's name); ours is reserved under another name.
    const body = chunks("anthropic/messages-stream-json-tool.chunks.jsonl").replace(
      '"name":"json"',
      `"name":"${ANTHROPIC_JSON_TOOL_NAME}"`,
    );
    const summary = replay(body);
    assert.deepEqual(JSON.parse(summary.text), {
      elements: [{ location: "San Francisco", temperature: 58, condition: "sunny" }],
    });
    assert.equal(summary.toolCalls.length, 0);
    assert.equal(summary.finish[0]?.reason, "stop");
    assert.equal(summary.usage[0]?.promptTokens, 849);
  });

  it("keeps JSON with padded data lines and redacted thinking (cassette-stream-redacted-thinking)", () => {
    const [interaction] = readCassette("anthropic/cassette-stream-redacted-thinking.yaml");
    const summary = replay(interaction!.response.body!.string);
    assert.equal(summary.redacted.length, 2);
    assert.match(summary.redacted[0]!, /^EqkECkYIBxgCKkA8/);
    assert.match(summary.text, /^I notice that you've sent what appears/);
    assert.deepEqual(summary.usage[0], {
      promptTokens: 92,
      completionTokens: 189,
      totalTokens: 281,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it("decodes the full thinking stream (cassette-stream-thinking)", () => {
    const [interaction] = readCassette("anthropic/cassette-stream-thinking.yaml");
    const summary = replay(interaction!.response.body!.string);
    assert.match(summary.reasoning, /^This is a straightforward question about pedestrian safety/);
    assert.equal(summary.signatures.length, 1);
    assert.match(summary.text, /prioritize safety over speed when crossing streets\.$/);
    assert.equal(summary.usage[0]?.completionTokens, 282);
  });

  it("numbers several tool calls in one stream by their own counter", () => {
    const events = [
      {
        type: "message_start",
        message: { id: "m", model: "c", usage: { input_tokens: 1, output_tokens: 1 } },
      },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "x" } },
      { type: "content_block_stop", index: 0 },
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "a", name: "f", input: {} },
      },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"q":1}' } },
      { type: "content_block_stop", index: 1 },
      {
        type: "content_block_start",
        index: 2,
        content_block: { type: "tool_use", id: "b", name: "g", input: {} },
      },
      { type: "content_block_stop", index: 2 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } },
      { type: "message_stop" },
    ];
    const body = events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
    const summary = replay(body);
    assert.deepEqual(
      summary.toolCalls.map((call) => [call.index, call.id, call.name, call.arguments]),
      [
        [0, "a", "f", '{"q":1}'],
        [1, "b", "g", "{}"],
      ],
    );
  });
});

describe("anthropic stream errors", () => {
  it("throws a retryable upstream_unavailable for the in-stream overloaded_error (errors/anthropic-midstream-overloaded.sse)", () => {
    const body =
      chunks("anthropic/messages-stream-text.chunks.jsonl").split("event: content_block_stop")[0] +
      readFixture("errors/anthropic-midstream-overloaded.sse");
    const decoder = new AnthropicStreamDecoder();
    assert.throws(
      () => decodeSseBody(body, decoder, 7),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "upstream_unavailable" &&
        error.reason === "overloaded_error" &&
        error.provider === "anthropic",
    );
  });

  it("reports a stream that ends without a stop reason instead of truncating silently", () => {
    const body = chunks("anthropic/messages-stream-text.chunks.jsonl").split("event: message_delta")[0]!;
    assert.throws(
      () => decodeSseBody(body, new AnthropicStreamDecoder(), 3),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_protocol",
    );
  });

  it("reports a data line that is not JSON as a protocol error", () => {
    assert.throws(
      () => new AnthropicStreamDecoder().decode({ event: "message_start", data: "{not json" }),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_protocol",
    );
  });

  it("is done after message_stop", () => {
    const decoder = new AnthropicStreamDecoder();
    decodeSseBody(readFixture("anthropic/messages-stream-text.sse"), decoder);
    assert.equal(decoder.done, true);
  });
});
