import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatEvent } from "../../src/core/types/chat.js";
import { OpenAIStreamDecoder } from "../../src/providers/openai/openai-stream-decoder.js";
import { SseParser } from "../../src/providers/shared/sse.js";
import { hasConformance, readChunks, readConformance } from "../helpers/conformance.js";

function decode(name: string): ChatEvent[] {
  const decoder = new OpenAIStreamDecoder("test");
  const events: ChatEvent[] = [];
  if (hasConformance(`${name}.sse`)) {
    const parser = new SseParser();
    const messages = [
      ...parser.push(new TextEncoder().encode(readConformance(`${name}.sse`))),
      ...parser.end(),
    ];
    for (const message of messages) events.push(...decoder.decode(message));
  } else {
    for (const line of readChunks(`${name}.chunks.jsonl`)) events.push(...decoder.decode({ data: line }));
    decoder.decode({ data: "[DONE]" });
  }
  events.push(...decoder.end());
  return events;
}

function toolCalls(events: ChatEvent[]): { index: number; id: string; name: string; args: string }[] {
  const calls = new Map<number, { index: number; id: string; name: string; args: string }>();
  for (const event of events) {
    if (event.type === "tool-call-start")
      calls.set(event.index, { index: event.index, id: event.id, name: event.name, args: "" });
    if (event.type === "tool-call-delta") {
      const call = calls.get(event.index);
      assert.ok(call, "a delta follows its start");
      call.args += event.argumentsDelta;
    }
  }
  return [...calls.values()];
}

describe("OpenAI stream decoder on recorded streams of OpenAI-compatible hosts", () => {
  it("keeps index, id and name of parallel tool calls", () => {
    const calls = toolCalls(decode("openai/chat-stream-parallel-tools"));
    assert.deepEqual(
      calls.map((call) => [call.index, call.name]),
      [
        [0, "GetWeatherArgs"],
        [1, "get_stock_price"],
      ],
    );
    for (const call of calls) assert.equal(typeof JSON.parse(call.args), "object");
  });

  it("renumbers tool-call indexes that start at 1", () => {
    const events = decode("openai-compatible/anthropic-compat-irregular-tool-index");
    const calls = toolCalls(events);
    assert.ok(calls.length >= 1);
    assert.deepEqual(
      calls.map((call) => call.index),
      calls.map((_, position) => position),
    );
    for (const call of calls) assert.ok(call.name.length > 0);
  });

  it("reads Groq usage under x_groq and xAI tool calls", () => {
    const groq = decode("openai-compatible/groq-stream-tool-call");
    assert.ok(groq.some((event) => event.type === "usage" && event.usage.totalTokens > 0));
    assert.ok(toolCalls(groq).length >= 1);
    const xai = decode("openai-compatible/xai-stream-tool-call");
    assert.ok(toolCalls(xai).every((call) => call.id.length > 0 && call.name.length > 0));
  });

  it("reports usage, finish and response metadata of a plain text stream", () => {
    const events = decode("openai/chat-stream-text");
    const start = events[0];
    assert.equal(start?.type, "response-start");
    assert.ok(events.some((event) => event.type === "finish" && event.reason === "stop"));
    const usage = events.find((event) => event.type === "usage");
    assert.ok(usage && usage.type === "usage" && usage.usage.promptTokens > 0);
  });

  it("treats a stream that ends without [DONE] or a finish as cut", () => {
    const decoder = new OpenAIStreamDecoder("test");
    decoder.decode({ data: JSON.stringify({ id: "x", choices: [{ index: 0, delta: { content: "hal" } }] }) });
    assert.throws(() => decoder.end(), /ended the stream early/);
  });
});

describe("OpenAI stream decoder: tool calls without arguments", () => {
  it("closes a call that never received argument text with '{}'", () => {
    const decoder = new OpenAIStreamDecoder("test");
    const events = [
      ...decoder.decode({
        data: JSON.stringify({
          id: "c",
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "now" } }],
              },
            },
          ],
        }),
      }),
      ...decoder.decode({
        data: JSON.stringify({ id: "c", choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
      }),
    ];
    const args = events.flatMap((event) => (event.type === "tool-call-delta" ? [event.argumentsDelta] : []));
    assert.deepEqual(args, ["{}"]);
    const ends = events.filter((event) => event.type === "tool-call-end");
    assert.equal(ends.length, 1);
  });
});
