/**
 * The Responses SSE writer against recorded OpenAI traffic: each recorded Responses stream is turned into the
 * canonical events it carries (text deltas, reasoning summary deltas, function-call argument deltas), written
 * back by the writer, and the event skeleton — type, sequence_number, output_index, content_index,
 * summary_index and every delta — must equal the recording's. Plus the paths recordings do not cover.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatEvent } from "../../../src/core/types/chat.js";
import { parseResponsesRequest } from "../../../src/rest/responses/from-responses-request.js";
import { decodeReasoningState } from "../../../src/rest/responses/reasoning-state.js";
import { ResponsesEventWriter } from "../../../src/rest/responses/responses-sse-writer.js";
import { responseSkeleton } from "../../../src/rest/responses/to-responses-response.js";
import { readFixture } from "../../helpers/provider-fixtures.js";

type Event = Record<string, unknown> & { type: string };

function recorded(path: string): Event[] {
  const text = readFixture(path);
  if (path.endsWith(".jsonl"))
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Event);
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)) as Event);
}

function parse(sse: string): Event[] {
  return sse
    .split("\n\n")
    .filter((block) => block.length > 0)
    .map((block) => {
      const [event, data] = block.split("\n");
      const parsed = JSON.parse((data ?? "").slice("data: ".length)) as Event;
      assert.equal(event, `event: ${parsed.type}`);
      return parsed;
    });
}

/** The canonical events a recorded Responses stream carries, one batch per recorded event. */
function canonical(events: Event[]): ChatEvent[][] {
  const batches: ChatEvent[][] = [];
  const calls = new Map<number, number>();
  for (const event of events) {
    const item = event["item"] as Record<string, unknown> | undefined;
    switch (event.type) {
      case "response.output_item.added":
        if (item?.["type"] === "reasoning")
          batches.push([{ type: "reasoning-delta", choice: 0, redactedData: "x" }]);
        if (item?.["type"] === "function_call") {
          const index = calls.size;
          calls.set(event["output_index"] as number, index);
          batches.push([
            {
              type: "tool-call-start",
              choice: 0,
              index,
              id: String(item["call_id"]),
              name: String(item["name"]),
            },
          ]);
        }
        break;
      case "response.reasoning_summary_text.delta":
        batches.push([{ type: "reasoning-delta", choice: 0, text: String(event["delta"]) }]);
        break;
      case "response.output_text.delta":
        batches.push([{ type: "text-delta", choice: 0, text: String(event["delta"]) }]);
        break;
      case "response.function_call_arguments.delta":
        batches.push([
          {
            type: "tool-call-delta",
            choice: 0,
            index: calls.get(event["output_index"] as number) ?? 0,
            argumentsDelta: String(event["delta"]),
          },
        ]);
        break;
      case "response.completed": {
        const usage = (event["response"] as { usage: { input_tokens: number; output_tokens: number } }).usage;
        const reason = calls.size > 0 ? "tool_calls" : "stop";
        batches.push([
          { type: "finish", choice: 0, reason },
          {
            type: "usage",
            usage: {
              promptTokens: usage.input_tokens,
              completionTokens: usage.output_tokens,
              totalTokens: usage.input_tokens + usage.output_tokens,
            },
          },
        ]);
        break;
      }
    }
  }
  return batches;
}

const SKELETON_KEYS = ["type", "sequence_number", "output_index", "content_index", "summary_index", "delta"];

function skeletonOf(event: Event): Record<string, unknown> {
  return Object.fromEntries(SKELETON_KEYS.filter((key) => key in event).map((key) => [key, event[key]]));
}

function writer(): ResponsesEventWriter {
  const parsed = parseResponsesRequest({ model: "m", input: "hi" });
  return new ResponsesEventWriter(responseSkeleton(parsed, "resp_test", 1));
}

describe("Responses SSE writer follows recorded traffic", () => {
  for (const path of [
    "openai/responses-stream-text.sse",
    "openai/responses-stream-function-call.sse",
    "openai/responses-stream-reasoning-summary.chunks.jsonl",
    "azure/responses-stream-text.chunks.jsonl",
  ]) {
    it(path, () => {
      const expected = recorded(path);
      const out = writer();
      let sse = out.start();
      for (const batch of canonical(expected)) sse += out.write(batch);
      const actual = parse(sse);
      assert.deepEqual(actual.map(skeletonOf), expected.map(skeletonOf));
      const final = actual.at(-1) as unknown as { response: { output: { type: string }[] } };
      const recordedFinal = expected.at(-1) as unknown as { response: { output: { type: string }[] } };
      assert.deepEqual(
        final.response.output.map((item) => item.type),
        recordedFinal.response.output.map((item) => item.type),
      );
    });
  }
});

describe("Responses SSE writer: what recordings do not cover", () => {
  it("thinking blocks with signatures: one summary, the signatures in encrypted_content", () => {
    const out = writer();
    const events = parse(
      out.start() +
        out.write([{ type: "reasoning-delta", choice: 0, text: "first" }]) +
        out.write([{ type: "reasoning-delta", choice: 0, signature: "sig-1" }]) +
        out.write([{ type: "reasoning-delta", choice: 0, text: "second" }]) +
        out.write([{ type: "reasoning-delta", choice: 0, signature: "sig-2" }]) +
        out.write([{ type: "reasoning-delta", choice: 0, redactedData: "opaque" }]) +
        out.write([{ type: "text-delta", choice: 0, text: "answer" }]) +
        out.write([
          { type: "finish", choice: 0, reason: "stop" },
          { type: "usage", usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } },
        ]),
    );
    const done = events.find((event) => event.type === "response.reasoning_summary_text.done");
    assert.equal(done?.["text"], "first\n\nsecond");
    const final = (events.at(-1) as unknown as { response: { output: Record<string, unknown>[] } }).response
      .output;
    assert.deepEqual(
      final.map((item) => item["type"]),
      ["reasoning", "message"],
    );
    assert.deepEqual(decodeReasoningState(final[0]?.["encrypted_content"] as string)?.parts, [
      { text: "first", signature: "sig-1" },
      { text: "second", signature: "sig-2" },
      { redactedData: "opaque" },
    ]);
    assert.deepEqual(
      events.map((event) => event.sequence_number),
      events.map((_, index) => index),
    );
  });

  it("a refusal after text is a second content part (content_index 1)", () => {
    const out = writer();
    const events = parse(
      out.start() +
        out.write([{ type: "text-delta", choice: 0, text: "Well" }]) +
        out.write([{ type: "refusal-delta", choice: 0, text: "I can't" }]) +
        out.write([
          { type: "finish", choice: 0, reason: "stop" },
          { type: "usage", usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } },
        ]),
    );
    const refusal = events.find((event) => event.type === "response.refusal.delta");
    assert.equal(refusal?.["content_index"], 1);
    assert.equal(refusal?.["output_index"], 0);
    const item = (events.at(-1) as unknown as { response: { output: { content: unknown[] }[] } }).response
      .output[0];
    assert.deepEqual(item?.content, [
      { type: "output_text", text: "Well", annotations: [], logprobs: [] },
      { type: "refusal", refusal: "I can't" },
    ]);
  });

  it("a length finish ends with response.incomplete and an incomplete message", () => {
    const out = writer();
    const events = parse(
      out.start() +
        out.write([{ type: "text-delta", choice: 0, text: "cut" }]) +
        out.write([
          { type: "finish", choice: 0, reason: "length" },
          { type: "usage", usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } },
        ]),
    );
    const last = events.at(-1) as unknown as {
      type: string;
      response: { status: string; incomplete_details: unknown; output: { status: string }[] };
    };
    assert.equal(last.type, "response.incomplete");
    assert.equal(last.response.status, "incomplete");
    assert.deepEqual(last.response.incomplete_details, { reason: "max_output_tokens" });
    assert.equal(last.response.output[0]?.status, "incomplete");
  });

  it("an error mid-stream closes open items, then `error` (both shapes) and response.failed", () => {
    const out = writer();
    const events = parse(
      out.start() +
        out.write([{ type: "tool-call-start", choice: 0, index: 0, id: "call_1", name: "f" }]) +
        out.write([{ type: "tool-call-delta", choice: 0, index: 0, argumentsDelta: '{"a":' }]) +
        out.fail(new GatewayError("upstream_rate_limited", "slow down")),
    );
    const types = events.map((event) => event.type);
    assert.deepEqual(types.slice(-6), [
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "error",
      "response.failed",
    ]);
    const error = events.at(-2) as Record<string, unknown>;
    assert.equal(error["code"], "upstream_rate_limited");
    assert.equal((error["error"] as { code: string }).code, "upstream_rate_limited");
    const failed = events.at(-1) as unknown as { response: { status: string; error: { code: string } } };
    assert.deepEqual(failed.response.error.code, "rate_limit_exceeded");
    assert.equal(out.result()?.status, "failed");
  });
});
