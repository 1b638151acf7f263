/**
 * The OpenAI Responses surface end to end with the official `openai` SDK (v6): `responses.create` and
 * `responses.stream`, unary and streamed, text and function calls, `previous_response_id` over two turns, served
 * through the one core by the recorded OpenAI chat fake and by the recorded Anthropic fake. Every response and
 * every stream event is checked against openapi.yaml's `Response` / `ResponseStreamEvent` schemas, and stream
 * events for order, sequence numbers and indices.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { App } from "../../../src/app.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../../helpers/fake-openai-upstream.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { assertValid, openAIResponsesSchemas } from "../../helpers/openai-schemas.js";
import { type FakeAnthropic, startFakeAnthropic } from "./fake-anthropic.js";
import { type FakeGemini, startFakeGemini } from "./fake-gemini.js";

const OPENAI_KEY = "sk-upstream-canary-123456";
const ANTHROPIC_KEY = "sk-ant-upstream-canary-987654";

let openaiUpstream: FakeOpenAIUpstream;
let anthropicUpstream: FakeAnthropic;
let geminiUpstream: FakeGemini;
let app: App;
let client: OpenAI;

before(async () => {
  openaiUpstream = await startFakeOpenAI();
  anthropicUpstream = await startFakeAnthropic(ANTHROPIC_KEY);
  geminiUpstream = await startFakeGemini();
  app = await startTestGateway(
    [
      deployment("fixture/*", "openai", "*", { apiBase: openaiUpstream.baseUrl, apiKey: OPENAI_KEY }),
      deployment("claude/*", "anthropic", "*", { apiBase: anthropicUpstream.baseUrl, apiKey: ANTHROPIC_KEY }),
      deployment("gemini/*", "gemini", "*", {
        apiBase: geminiUpstream.baseUrl,
        apiKey: "AIza-upstream-canary",
      }),
    ],
    { router: { numRetries: 0, disableCooldowns: true } },
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${app.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await app.close(1_000);
  await openaiUpstream.close();
  await anthropicUpstream.close();
  await geminiUpstream.close();
});

type StreamEvent = {
  type: string;
  sequence_number: number;
  output_index?: number;
  content_index?: number;
} & Record<string, unknown>;

/**
 * Real traffic sends `"usage": null` on `response.created` / `in_progress` (openai/responses-stream-text.sse)
 * where the spec's `Response.usage` is a non-nullable object; the gateway follows the traffic, so the spec check
 * sees the event without that null (the one documented deviation).
 */
function specView(event: StreamEvent): StreamEvent {
  const response = event["response"] as Record<string, unknown> | undefined;
  if (response === undefined || response["usage"] !== null) return event;
  const { usage: _usage, ...rest } = response;
  return { ...event, response: rest };
}

/** Checks what every Responses stream must satisfy. */
function checkStream(events: StreamEvent[]): void {
  const schemas = openAIResponsesSchemas();
  assert.ok(events.length >= 3);
  assert.equal(events[0]?.type, "response.created");
  assert.equal(events[1]?.type, "response.in_progress");
  const last = events[events.length - 1] as StreamEvent;
  assert.ok(["response.completed", "response.incomplete", "response.failed"].includes(last.type), last.type);
  events.forEach((event, index) => {
    assert.equal(event.sequence_number, index, `sequence_number of event ${index} (${event.type})`);
    assertValid(schemas.event(event.type), specView(event), `event ${event.type}`);
  });
  // Items open in output_index order and every delta belongs to an open item; every item that opened is done.
  const open = new Set<number>();
  const done = new Set<number>();
  let nextIndex = 0;
  for (const event of events) {
    if (event.type === "response.output_item.added") {
      assert.equal(event.output_index, nextIndex++, "output_index grows by one per item");
      open.add(event.output_index as number);
    } else if (event.type === "response.output_item.done") {
      assert.ok(open.delete(event.output_index as number), "done for an open item");
      done.add(event.output_index as number);
    } else if (event.output_index !== undefined) {
      assert.ok(open.has(event.output_index), `${event.type} for an open item`);
    }
  }
  assert.equal(open.size, 0, "every item is closed");
  const response = (specView(last) as unknown as { response: { output: unknown[] } }).response;
  assert.equal(response.output.length, done.size);
  if (last.type !== "response.failed") assertValid(schemas.response, response, "final response");
}

async function collect(stream: AsyncIterable<unknown>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event as StreamEvent);
  return events;
}

describe("Responses via the OpenAI chat fake (translated through the core)", () => {
  it("responses.create: text, usage, status, schema-valid", async () => {
    const response = await client.responses.create({
      model: "fixture/chat-basic",
      input: "Invent a holiday.",
      instructions: "Be brief.",
      metadata: { ticket: "42" },
    });
    assertValid(openAIResponsesSchemas().response, response, "response");
    assert.match(response.id, /^resp_/);
    assert.equal(response.status, "completed");
    assert.match(response.output_text, /Galaxy Day/);
    assert.equal(response.instructions, "Be brief.");
    assert.deepEqual(response.metadata, { ticket: "42" });
    assert.ok((response.usage?.input_tokens ?? 0) > 0);
    assert.equal(
      response.usage?.total_tokens,
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
    const upstream = openaiUpstream.requests.at(-1)?.body as { messages: unknown[]; metadata?: unknown };
    assert.deepEqual(upstream.messages, [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Invent a holiday." }] },
    ]);
    assert.equal(upstream.metadata, undefined, "metadata stays with the gateway");
  });

  it("responses.create: parallel function calls become function_call items with call_id", async () => {
    const response = await client.responses.create({
      model: "fixture/chat-tools-parallel",
      input: "Weather in Edinburgh and the AAPL price?",
      tools: [
        { type: "function", name: "GetWeatherArgs", parameters: { type: "object" }, strict: false },
        { type: "function", name: "get_stock_price", parameters: { type: "object" }, strict: false },
      ],
      tool_choice: "auto",
      parallel_tool_calls: true,
    });
    assertValid(openAIResponsesSchemas().response, response, "response");
    const calls = response.output.filter((item) => item.type === "function_call");
    assert.deepEqual(
      calls.map((call) => [call.call_id, call.name]),
      [
        ["call_fdNz3vOBKYgOIpMdWotB9MjY", "GetWeatherArgs"],
        ["call_h1DWI1POMJLb0KwIyQHWXD4p", "get_stock_price"],
      ],
    );
    const upstream = openaiUpstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(upstream["parallel_tool_calls"], true);
    assert.deepEqual(
      (upstream["tools"] as { function: { name: string } }[]).map((tool) => tool.function.name),
      ["GetWeatherArgs", "get_stock_price"],
    );
  });

  it("responses.create: a length finish is status incomplete with max_output_tokens", async () => {
    const response = await client.responses.create({
      model: "fixture/chat-length",
      input: "Write a long story.",
      max_output_tokens: 16,
    });
    assert.equal(response.status, "incomplete");
    assert.deepEqual(response.incomplete_details, { reason: "max_output_tokens" });
    const upstream = openaiUpstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(upstream["max_completion_tokens"], 16);
  });

  it("responses.stream: text events in recorded order with sequence numbers and indices", async () => {
    const stream = client.responses.stream({ model: "fixture/chat-stream-text", input: "Hello" });
    const events = await collect(stream);
    checkStream(events);
    const final = await stream.finalResponse();
    const deltas = events.filter((event) => event.type === "response.output_text.delta");
    assert.ok(deltas.length > 1);
    assert.equal(final.output_text, deltas.map((event) => event.delta).join(""));
    assert.deepEqual(
      [...new Set(events.map((event) => event.type))],
      [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
      ],
    );
    assert.ok((final.usage?.output_tokens ?? 0) > 0, "usage on response.completed");
    const upstream = openaiUpstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(upstream["stream"], true);
  });

  it("responses.stream: parallel tool calls as function_call_arguments events, one output_index each", async () => {
    const stream = client.responses.stream({
      model: "fixture/chat-stream-parallel-tools",
      input: "Weather?",
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: false }],
    });
    const events = await collect(stream);
    checkStream(events);
    const final = await stream.finalResponse();
    const calls = final.output.filter((item) => item.type === "function_call");
    assert.ok(calls.length >= 2);
    for (const [position, call] of calls.entries()) {
      const deltas = events
        .filter(
          (event) => event.type === "response.function_call_arguments.delta" && event.item_id === call.id,
        )
        .map((event) => event.delta)
        .join("");
      assert.equal(deltas, call.arguments);
      JSON.parse(call.arguments);
      const doneEvent = events.find(
        (event) => event.type === "response.function_call_arguments.done" && event.item_id === call.id,
      );
      assert.equal(doneEvent?.arguments, call.arguments);
      assert.equal(final.output.indexOf(call), doneEvent?.output_index);
      assert.ok(position >= 0);
    }
  });

  it("previous_response_id over two turns: the gateway replays the stored conversation", async () => {
    const first = await client.responses.create({
      model: "fixture/chat-basic",
      input: "Invent a holiday.",
      instructions: "Turn-one instructions.",
    });
    const second = await client.responses.create({
      model: "fixture/chat-basic",
      previous_response_id: first.id,
      input: [{ role: "user", content: [{ type: "input_text", text: "Now a shorter one." }] }],
    });
    assert.equal(second.previous_response_id, first.id);
    const upstream = openaiUpstream.requests.at(-1)?.body as {
      messages: { role: string; content: unknown }[];
    };
    // OpenAI does not carry instructions over to the next turn; the conversation is carried.
    assert.deepEqual(
      upstream.messages.map((message) => message.role),
      ["user", "assistant", "user"],
    );
    assert.equal(upstream.messages[1]?.content, first.output_text);
    // Streamed third turn continues the second.
    const stream = client.responses.stream({
      model: "fixture/chat-stream-text",
      previous_response_id: second.id,
      input: "And a third?",
    });
    const events = await collect(stream);
    checkStream(events);
    const third = openaiUpstream.requests.at(-1)?.body as { messages: { role: string }[] };
    assert.equal(third.messages.length, 5);
    const stored = await client.responses.retrieve((await stream.finalResponse()).id);
    assert.equal(stored.status, "completed");
    const items = await client.responses.inputItems.list(second.id);
    assert.equal(items.data.length, 1);
    assert.equal(items.data[0]?.type, "message");
  });

  it("function_call + function_call_output items round-trip to tool_calls and a tool message", async () => {
    await client.responses.create({
      model: "fixture/chat-basic",
      input: [
        { role: "user", content: "Weather?" },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call_output", call_id: "call_1", output: '{"temp":21}' },
      ],
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: false }],
    });
    const upstream = openaiUpstream.requests.at(-1)?.body as { messages: Record<string, unknown>[] };
    assert.deepEqual(upstream.messages.slice(1), [
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"temp":21}' },
    ]);
  });

  it("text.format json_schema and reasoning.effort reach the upstream as chat fields", async () => {
    await client.responses.create({
      model: "fixture/chat-basic",
      input: "JSON please",
      text: { format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: true } },
      reasoning: { effort: "low", summary: "auto" },
    });
    const upstream = openaiUpstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.deepEqual(upstream["response_format"], {
      type: "json_schema",
      json_schema: { name: "answer", schema: { type: "object" }, strict: true },
    });
    assert.equal(upstream["reasoning_effort"], "low");
  });

  it("input_tokens: the gateway's estimate, marked as such", async () => {
    const response = await fetch(`${app.url}/v1/responses/input_tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "fixture/chat-basic", input: "Hello there, how are you?" }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-switchboard-estimate"), "true");
    const body = (await response.json()) as { object: string; input_tokens: number; estimated: boolean };
    assertValid(openAIResponsesSchemas().inputTokens, body, "input tokens");
    assert.equal(body.object, "response.input_tokens");
    assert.ok(body.input_tokens > 3 && body.input_tokens < 40, String(body.input_tokens));
    assert.equal(body.estimated, true);
  });

  it("GET and DELETE a stored response; store:false is not stored", async () => {
    const created = await client.responses.create({ model: "fixture/chat-basic", input: "Hi" });
    const fetched = await client.responses.retrieve(created.id);
    assert.deepEqual(fetched, created);
    const deleted = (await client.responses.delete(created.id)) as unknown;
    assert.deepEqual(deleted, { id: created.id, object: "response", deleted: true });
    await assert.rejects(client.responses.retrieve(created.id), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      return true;
    });
    const unstored = await client.responses.create({
      model: "fixture/chat-basic",
      input: "Hi",
      store: false,
    });
    assert.equal((unstored as unknown as { store: boolean }).store, false);
    await assert.rejects(client.responses.retrieve(unstored.id), OpenAI.NotFoundError);
    await assert.rejects(
      client.responses.create({ model: "fixture/chat-basic", input: "x", previous_response_id: unstored.id }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError);
        assert.equal((error.error as { param?: string }).param, "previous_response_id");
        return true;
      },
    );
  });
});

describe("Responses via the Anthropic fake (translated)", () => {
  it("responses.create: text and usage from a Messages answer", async () => {
    const response = await client.responses.create({ model: "claude/messages-basic", input: "Hello" });
    assertValid(openAIResponsesSchemas().response, response, "response");
    assert.ok(response.output_text.length > 0);
    assert.ok((response.usage?.input_tokens ?? 0) > 0);
    const upstream = anthropicUpstream.requests.at(-1) as Record<string, unknown>;
    assert.deepEqual(upstream["messages"], [{ role: "user", content: [{ type: "text", text: "Hello" }] }]);
  });

  it("thinking with a signature becomes a reasoning item whose state returns on the next turn", async () => {
    const first = await client.responses.create({
      model: "claude/messages-thinking",
      input: "What is 925 / 5?",
      reasoning: { effort: "low" },
      max_output_tokens: 2048,
    });
    const reasoning = first.output.find((item) => item.type === "reasoning");
    assert.ok(reasoning !== undefined && reasoning.type === "reasoning");
    assert.equal(reasoning.summary[0]?.text, "925 divided by 5 = 185");
    assert.match(reasoning.encrypted_content ?? "", /^sbr1\./);
    assert.equal(first.output_text, "925 ÷ 5 = 185");
    await client.responses.create({
      model: "claude/messages-basic",
      previous_response_id: first.id,
      input: "Thanks",
    });
    const upstream = anthropicUpstream.requests.at(-1) as {
      messages: { role: string; content: unknown[] }[];
    };
    const assistant = upstream.messages[1];
    assert.equal(assistant?.role, "assistant");
    const thinking = assistant?.content[0] as { type: string; thinking: string; signature: string };
    assert.equal(thinking.type, "thinking");
    assert.equal(thinking.thinking, "925 divided by 5 = 185");
    assert.match(thinking.signature, /^Er4BCkYICxgCKkCox/);
  });

  it("responses.stream: text then a tool_use block become a message and a function_call item", async () => {
    const stream = client.responses.stream({
      model: "claude/messages-stream-tool-use",
      input: "Weather in Paris?",
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: false }],
      max_output_tokens: 1024,
    });
    const events = await collect(stream);
    checkStream(events);
    const final = await stream.finalResponse();
    assert.deepEqual(
      final.output.map((item) => item.type),
      ["message", "function_call"],
    );
    const call = final.output[1];
    assert.ok(call?.type === "function_call");
    assert.match(call.call_id, /^toolu_/);
    assert.equal(call.name, "get_weather");
    assert.ok(JSON.parse(call.arguments));
  });

  it("responses.stream: thinking streams as reasoning summary events before the text", async () => {
    const stream = client.responses.stream({
      model: "claude/messages-stream-thinking",
      input: "Think",
      reasoning: { effort: "low", summary: "auto" },
      max_output_tokens: 2048,
    });
    const events = await collect(stream);
    checkStream(events);
    const types = events.map((event) => event.type);
    const partAdded = types.indexOf("response.reasoning_summary_part.added");
    const textDelta = types.indexOf("response.reasoning_summary_text.delta");
    const textDone = types.indexOf("response.reasoning_summary_text.done");
    const partDone = types.indexOf("response.reasoning_summary_part.done");
    assert.ok(partAdded > 1 && partAdded < textDelta && textDelta < textDone && textDone < partDone);
    const final = await stream.finalResponse();
    assert.equal(final.output[0]?.type, "reasoning");
    const summaryDeltas = events
      .filter((event) => event.type === "response.reasoning_summary_text.delta")
      .map((event) => event.delta)
      .join("");
    const reasoning = final.output[0];
    assert.ok(reasoning?.type === "reasoning");
    assert.equal(reasoning.summary[0]?.text, summaryDeltas);
    assert.match(reasoning.encrypted_content ?? "", /^sbr1\./, "the signature travels in encrypted_content");
  });

  it("an in-stream upstream error becomes an `error` event and response.failed; the SDK raises it", async () => {
    const response = await fetch(`${app.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude/midstream-error",
        input: "Hi",
        stream: true,
        max_output_tokens: 64,
      }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    const events = text
      .split("\n\n")
      .filter((block) => block.startsWith("event:"))
      .map((block) => {
        const [eventLine, dataLine] = block.split("\n");
        const data = JSON.parse((dataLine ?? "").slice("data: ".length)) as StreamEvent;
        assert.equal(eventLine, `event: ${data.type}`);
        return data;
      });
    checkStream(events);
    const types = events.map((event) => event.type);
    assert.deepEqual(types.slice(-2), ["error", "response.failed"]);
    assert.doesNotMatch(text, /\[DONE\]/);
    const failed = events.at(-1) as unknown as { response: { status: string; error: { code: string } } };
    assert.equal(failed.response.status, "failed");
    await assert.rejects(
      collect(
        client.responses.stream({ model: "claude/midstream-error", input: "Hi", max_output_tokens: 64 }),
      ),
      OpenAI.APIError,
    );
  });

  it("a Codex-shaped request (store:false, include, prompt_cache_key, developer message) streams from Anthropic", async () => {
    const stream = client.responses.stream({
      model: "claude/messages-stream-tool-use",
      instructions: "You are a coding agent.",
      input: [
        {
          type: "message",
          role: "developer",
          content: [{ type: "input_text", text: "<environment_context/>" }],
        },
        { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
      ],
      tools: [
        {
          type: "function",
          name: "get_weather",
          description: "Weather",
          parameters: { type: "object", properties: {} },
          strict: false,
        },
      ],
      tool_choice: "auto",
      parallel_tool_calls: false,
      reasoning: { effort: "medium", summary: "auto" },
      store: false,
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "codex-session-1",
      max_output_tokens: 8192,
    });
    const events = await collect(stream);
    checkStream(events);
    const final = await stream.finalResponse();
    assert.equal(final.output.at(-1)?.type, "function_call");
    const upstream = anthropicUpstream.requests.at(-1) as Record<string, unknown>;
    assert.equal(upstream["prompt_cache_key"], undefined);
    assert.ok(JSON.stringify(upstream["system"]).includes("You are a coding agent."));
    await assert.rejects(client.responses.retrieve(final.id), OpenAI.NotFoundError);
  });

  it("an upstream error carrying the deployment's key reaches the caller scrubbed", async () => {
    const response = await fetch(`${app.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude/error-400-canary", input: "Hi", max_output_tokens: 64 }),
    });
    const text = await response.text();
    assert.equal(response.status, 400);
    assert.ok(!text.includes(ANTHROPIC_KEY), text);
    assert.ok(!text.includes(OPENAI_KEY), text);
    assert.ok(!text.includes(MASTER_KEY), text);
  });
});

describe("Responses via the Gemini fake (translated)", () => {
  it("a function call's thought signature survives the next turn through the stored conversation", async () => {
    const first = await client.responses.create({
      model: "gemini/generate-content-function-call",
      input: "Weather in San Francisco?",
      tools: [{ type: "function", name: "weather", parameters: { type: "object" }, strict: false }],
    });
    assertValid(openAIResponsesSchemas().response, first, "response");
    const call = first.output.find((item) => item.type === "function_call");
    assert.ok(call?.type === "function_call");
    assert.equal(call.name, "weather");
    assert.deepEqual(JSON.parse(call.arguments), { location: "San Francisco" });
    const reasoning = first.output.find((item) => item.type === "reasoning");
    assert.ok(reasoning?.type === "reasoning");
    assert.match(reasoning.encrypted_content ?? "", /^sbr1\./);
    await client.responses.create({
      model: "gemini/generate-content-basic",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: '{"temp":18}' }],
      tools: [{ type: "function", name: "weather", parameters: { type: "object" }, strict: false }],
    });
    const upstream = geminiUpstream.requests.at(-1)?.body as {
      contents: { role: string; parts: Record<string, unknown>[] }[];
    };
    const model = upstream.contents.find((content) => content.role === "model");
    const part = model?.parts.find((entry) => entry["functionCall"] !== undefined);
    assert.equal(
      part?.["thoughtSignature"],
      "EskgCsYgAb4+9vtF7/499YQS2bjZs3xcQI+iAl+ILn29nK1j0Kg6su7QsUUUk3nrAAfnS2w5WiVvlcCqu9fAebJ2cvfaEyBahEt5",
    );
    const answer = upstream.contents.at(-1)?.parts[0] as { functionResponse?: { name: string } };
    assert.equal(answer.functionResponse?.name, "weather");
  });

  it("responses.stream: thoughts and parallel function calls with signatures, schema-valid", async () => {
    const stream = client.responses.stream({
      model: "gemini/stream-thought-and-partial-function-args",
      input: "Read the theme and the screens.",
      tools: [
        { type: "function", name: "read_theme", parameters: { type: "object" }, strict: false },
        { type: "function", name: "read_screen", parameters: { type: "object" }, strict: false },
      ],
    });
    const events = await collect(stream);
    checkStream(events);
    const final = await stream.finalResponse();
    assert.equal(final.output[0]?.type, "reasoning");
    const calls = final.output.filter((item) => item.type === "function_call");
    assert.ok(calls.length >= 2);
    for (const call of calls) JSON.parse(call.arguments);
  });

  it("responses.stream: plain text", async () => {
    const stream = client.responses.stream({ model: "gemini/stream-generate-content-text", input: "Hi" });
    const events = await collect(stream);
    checkStream(events);
    assert.ok((await stream.finalResponse()).output_text.length > 0);
  });
});
