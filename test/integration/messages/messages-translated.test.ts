/**
 * The official `@anthropic-ai/sdk` against /v1/messages served by OpenAI and Gemini deployments (translated
 * through the canonical request and event stream), every error class mapped to the SDK's error classes, and the
 * abuse cases: bad input, hostile fields, secrets.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { App } from "../../../src/app.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { frameChunks, readFixture } from "../../helpers/provider-fixtures.js";
import { RecordingUpstream } from "./recording-upstream.js";

const UPSTREAM_KEY = "sk-upstream-canary-5f1e2d3c4b5a";
let upstream: RecordingUpstream;
let app: App;
let client: Anthropic;

before(async () => {
  upstream = await new RecordingUpstream().start();
  app = await startTestGateway(
    [
      deployment("gpt", "openai", "gpt-4o", { apiKey: UPSTREAM_KEY, apiBase: `${upstream.url}/v1` }),
      deployment("gemini", "gemini", "gemini-3-pro-preview", { apiKey: UPSTREAM_KEY, apiBase: upstream.url }),
      deployment("claude", "anthropic", "claude-sonnet-4-5", { apiKey: UPSTREAM_KEY, apiBase: upstream.url }),
      deployment("mock-midstream", "mock", "midstream-error"),
    ],
    { maxBodyBytes: 256 * 1024 },
  );
  client = new Anthropic({ apiKey: MASTER_KEY, baseURL: app.url, maxRetries: 0 });
});

after(async () => {
  await app.close(1000);
  await upstream.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.url}${path}`, {
    method: "POST",
    headers: {
      "x-api-key": MASTER_KEY,
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const json = (response.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : {};
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> };
}

function errorOf(json: Record<string, unknown>): { type: string; message: string } {
  assert.equal(json["type"], "error");
  assert.equal(typeof json["request_id"], "string");
  return json["error"] as { type: string; message: string };
}

const MINIMAL = { model: "gpt", max_tokens: 64, messages: [{ role: "user", content: "hi" }] };

describe("/v1/messages → OpenAI (translated)", () => {
  it("unary: system blocks and text become chat messages; the answer is an Anthropic Message", async () => {
    upstream.json("/v1/chat/completions", JSON.parse(readFixture("openai/chat-basic.json")));
    const message = await client.messages.create({
      model: "gpt",
      max_tokens: 500,
      system: [{ type: "text", text: "Be inventive.", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "Invent a holiday." }] }],
      stop_sequences: ["END"],
      metadata: { user_id: "user-42" },
    });
    assert.match(message.id, /^msg_/);
    assert.equal(message.type, "message");
    assert.equal(message.stop_reason, "end_turn");
    assert.match(
      message.content[0]?.type === "text" ? message.content[0].text : "",
      /^\*\*Holiday Name:\*\* Galaxy Day/,
    );
    assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [16, 363]);
    const sent = upstream.last().body;
    assert.equal(sent["model"], "gpt-4o");
    assert.equal(sent["max_tokens"], 500);
    assert.deepEqual(sent["stop"], ["END"]);
    assert.equal(sent["user"], "user-42");
    const messages = sent["messages"] as { role: string; content: unknown }[];
    assert.deepEqual(
      messages.map((m) => m.role),
      ["system", "user"],
    );
    assert.ok(
      !JSON.stringify(sent).includes("cache_control"),
      "OpenAI caches by itself and rejects cache_control",
    );
  });

  it("messages.stream: parallel tool calls become tool_use blocks with parsed input", async () => {
    upstream.sse("/v1/chat/completions", readFixture("openai/chat-stream-parallel-tools.sse"));
    const events: string[] = [];
    const stream = client.messages.stream({
      model: "gpt",
      max_tokens: 256,
      messages: [{ role: "user", content: "Weather in Edinburgh and the AAPL price?" }],
      tools: [
        { name: "GetWeatherArgs", input_schema: { type: "object" } },
        { name: "GetStockPriceArgs", input_schema: { type: "object" } },
      ],
      tool_choice: { type: "any", disable_parallel_tool_use: false },
    });
    stream.on("streamEvent", (event) => events.push(event.type));
    const message = await stream.finalMessage();
    const calls = message.content.filter((block) => block.type === "tool_use");
    assert.deepEqual(
      calls.map((call) => call.input),
      [
        { city: "Edinburgh", country: "GB", units: "c" },
        { ticker: "AAPL", exchange: "NASDAQ" },
      ],
    );
    assert.deepEqual(
      calls.map((call) => call.id),
      ["toolu_call_JMW1whyEaYG438VE1OIflxA2", "toolu_call_DNYTawLBoN8fj3KN6qU9N1Ou"],
    );
    assert.equal(message.stop_reason, "tool_use");
    assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [149, 60]);
    assert.deepEqual(events.slice(0, 2), ["message_start", "content_block_start"]);
    assert.deepEqual(events.slice(-2), ["message_delta", "message_stop"]);
    assert.equal(upstream.last().body["tool_choice"], "required");
  });

  it("a tool_result round trip becomes assistant tool_calls and tool messages", async () => {
    upstream.json("/v1/chat/completions", JSON.parse(readFixture("openai/chat-basic.json")));
    await client.messages.create({
      model: "gpt",
      max_tokens: 64,
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "toolu_1",
              content: [{ type: "text", text: "18C" }],
              is_error: false,
            },
            { type: "text", text: "And tomorrow?" },
          ],
        },
      ],
      tools: [{ name: "weather", input_schema: { type: "object" } }],
    });
    const messages = upstream.last().body["messages"] as Record<string, unknown>[];
    assert.deepEqual(
      messages.map((m) => m["role"]),
      ["user", "assistant", "tool", "user"],
    );
    assert.deepEqual(messages[1]?.["tool_calls"], [
      { id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } },
    ]);
    assert.equal(messages[2]?.["tool_call_id"], "toolu_1");
    assert.ok(!JSON.stringify(messages).includes("is_error"));
  });

  it("what OpenAI cannot carry is a 400 naming it: thinking.budget_tokens, top-level cache_control", async () => {
    const thinking = await post("/v1/messages", {
      ...MINIMAL,
      max_tokens: 4096,
      thinking: { type: "enabled", budget_tokens: 1024 },
    });
    assert.equal(thinking.status, 400);
    assert.equal(errorOf(thinking.json).type, "invalid_request_error");
    assert.match(errorOf(thinking.json).message, /thinking\.budget_tokens/);
    const cache = await post("/v1/messages", { ...MINIMAL, cache_control: { type: "ephemeral" } });
    assert.equal(cache.status, 400);
    assert.match(errorOf(cache.json).message, /'cache_control'.*openai/);
  });

  it("betas are not sent to a non-Anthropic upstream", async () => {
    upstream.json("/v1/chat/completions", JSON.parse(readFixture("openai/chat-basic.json")));
    const result = await post("/v1/messages", MINIMAL, { "anthropic-beta": "prompt-caching-2024-07-31" });
    assert.equal(result.status, 200);
    assert.equal(upstream.last().headers["anthropic-beta"], undefined);
  });

  it("count_tokens for a model without a counting endpoint is the gateway's estimate, said so", async () => {
    const before = upstream.seen.length;
    const counted = await client.messages
      .countTokens({ model: "gpt", messages: [{ role: "user", content: "How many tokens is this?" }] })
      .withResponse();
    assert.ok(counted.data.input_tokens > 0);
    assert.equal(counted.response.headers.get("x-switchboard-token-count"), "estimate");
    assert.equal(upstream.seen.length, before, "no upstream call for an estimate");
  });
});

describe("/v1/messages → Gemini (translated)", () => {
  it("messages.stream: text over CRLF SSE, usage with thoughts in output tokens", async () => {
    upstream.sse(
      "/v1beta/models/gemini-3-pro-preview:streamGenerateContent",
      frameChunks(readFixture("gemini/stream-generate-content-text.chunks.jsonl"), "gemini"),
    );
    const message = await client.messages
      .stream({
        model: "gemini",
        max_tokens: 256,
        messages: [{ role: "user", content: "How many r in strawberry?" }],
      })
      .finalMessage();
    assert.equal(
      message.content.map((block) => (block.type === "text" ? block.text : "")).join(""),
      'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y',
    );
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(message.usage.output_tokens, 208);
    const sent = upstream.last();
    assert.equal(sent.headers["x-goog-api-key"], UPSTREAM_KEY);
    assert.equal((sent.body["generationConfig"] as Record<string, unknown>)["maxOutputTokens"], 256);
  });
});

describe("/v1/messages errors: Anthropic's envelope and status, the SDK's classes", () => {
  it("400 bad input names the field", async () => {
    const missing = await post("/v1/messages", { model: "gpt", messages: [{ role: "user", content: "hi" }] });
    assert.equal(missing.status, 400);
    assert.match(errorOf(missing.json).message, /max_tokens/);
    const role = await post("/v1/messages", { ...MINIMAL, messages: [{ role: "system", content: "x" }] });
    assert.match(errorOf(role.json).message, /messages\[0\]\.role/);
    const extra = await post("/v1/messages", {
      ...MINIMAL,
      messages: [{ role: "user", content: [{ type: "text", text: "x", colour: 1 }] }],
    });
    assert.match(errorOf(extra.json).message, /messages\[0\]\.content\[0\]\.colour/);
    await assert.rejects(
      client.messages.create({ model: "gpt", max_tokens: 0, messages: [] }),
      Anthropic.BadRequestError,
    );
    const notJson = await post("/v1/messages", "{not json");
    assert.equal(notJson.status, 400);
    assert.equal(errorOf(notJson.json).type, "invalid_request_error");
  });

  it("401 for a wrong key, by x-api-key or bearer, in Anthropic's shape", async () => {
    const wrong = new Anthropic({ apiKey: "sk-wrong", baseURL: app.url, maxRetries: 0 });
    await assert.rejects(wrong.messages.create(MINIMAL as never), Anthropic.AuthenticationError);
    const response = await fetch(`${app.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: "Bearer sk-wrong", "content-type": "application/json" },
      body: JSON.stringify(MINIMAL),
    });
    assert.equal(response.status, 401);
    assert.equal(errorOf((await response.json()) as Record<string, unknown>).type, "authentication_error");
  });

  it("404 for a model that is not served", async () => {
    await assert.rejects(
      client.messages.create({ ...MINIMAL, model: "no-such-model" } as never),
      (error: unknown) => error instanceof Anthropic.NotFoundError && /no-such-model/.test(error.message),
    );
  });

  it("413 for a body over the limit", async () => {
    const big = await post("/v1/messages", {
      ...MINIMAL,
      messages: [{ role: "user", content: "x".repeat(300 * 1024) }],
    });
    assert.equal(big.status, 413);
    assert.equal(errorOf(big.json).type, "request_too_large");
  });

  it("429 from the upstream is a RateLimitError with retry-after", async () => {
    upstream.json(
      "/v1/messages",
      {
        type: "error",
        error: {
          type: "rate_limit_error",
          message: "Number of request tokens has exceeded your per-minute rate limit",
        },
      },
      429,
      { "retry-after": "7" },
    );
    await assert.rejects(
      client.messages.create({ ...MINIMAL, model: "claude" } as never),
      (error: unknown) =>
        error instanceof Anthropic.RateLimitError && error.headers.get("retry-after") === "7",
    );
  });

  it("529 overloaded from the upstream is 529 overloaded_error (an InternalServerError to the SDK)", async () => {
    upstream.json(
      "/v1/messages",
      { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      529,
    );
    await assert.rejects(
      client.messages.create({ ...MINIMAL, model: "claude" } as never),
      (error: unknown) =>
        error instanceof Anthropic.InternalServerError &&
        error.status === 529 &&
        (error.error as { error?: { type?: string } }).error?.type === "overloaded_error",
    );
  });

  it("an upstream 401 is our problem (5xx api_error), never the caller's 401, and the upstream key is not echoed", async () => {
    upstream.json(
      "/v1/messages",
      {
        type: "error",
        error: { type: "authentication_error", message: `invalid x-api-key ${UPSTREAM_KEY}` },
      },
      401,
    );
    const result = await post("/v1/messages", { ...MINIMAL, model: "claude" });
    assert.equal(result.status, 502);
    assert.equal(errorOf(result.json).type, "api_error");
    assert.ok(!result.text.includes(UPSTREAM_KEY));
  });

  it("an in-stream failure after 200 is one `event: error`, which the SDK raises", async () => {
    const response = await post("/v1/messages", { ...MINIMAL, model: "mock-midstream", stream: true });
    assert.equal(response.status, 200);
    assert.match(response.text, /^event: message_start\n/);
    assert.match(response.text, /event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error"/);
    assert.ok(!response.text.includes("message_stop"));
    await assert.rejects(
      client.messages.stream({ ...MINIMAL, model: "mock-midstream" } as never).finalMessage(),
      (error: unknown) =>
        error instanceof Anthropic.APIError && /overloaded_error/.test(String(error.message)),
    );
  });
});

describe("/v1/messages abuse: hostile fields are refused, never forwarded", () => {
  it("egress fields at any depth are unknown fields (400 naming them)", async () => {
    for (const [body, field] of [
      [{ ...MINIMAL, api_base: "http://169.254.169.254" }, "api_base"],
      [{ ...MINIMAL, metadata: { user_id: "u", base_url: "http://evil" } }, "metadata.base_url"],
      [{ ...MINIMAL, messages: [{ role: "user", content: "hi", api_key: "x" }] }, "messages[0].api_key"],
    ] as const) {
      const result = await post("/v1/messages", body);
      assert.equal(result.status, 400, field);
      assert.ok(errorOf(result.json).message.includes(field), errorOf(result.json).message);
    }
  });

  it("server tools, Files API sources, bad beta names and absurd nesting are 400s", async () => {
    const server = await post("/v1/messages", {
      ...MINIMAL,
      tools: [{ type: "web_search_20250305", name: "web_search" }],
    });
    assert.match(errorOf(server.json).message, /tools\[0\]\.type/);
    const file = await post("/v1/messages", {
      ...MINIMAL,
      messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "file_1" } }] }],
    });
    assert.match(errorOf(file.json).message, /messages\[0\]\.content\[0\]\.source/);
    const beta = await post("/v1/messages", MINIMAL, { "anthropic-beta": "ok-beta, not a beta!" });
    assert.equal(beta.status, 400);
    assert.match(errorOf(beta.json).message, /anthropic-beta/);
    let deep: Record<string, unknown> = { type: "string" };
    for (let depth = 0; depth < 100; depth++) deep = { type: "object", properties: { a: deep } };
    const nested = await post("/v1/messages", { ...MINIMAL, tools: [{ name: "t", input_schema: deep }] });
    assert.equal(nested.status, 400);
    assert.match(errorOf(nested.json).message, /tools\[0\]\.input_schema/);
  });

  it("max_tokens beyond the cap and temperature beyond Anthropic's range are 400s", async () => {
    const huge = await post("/v1/messages", { ...MINIMAL, max_tokens: 1e12 });
    assert.match(errorOf(huge.json).message, /max_tokens/);
    const hot = await post("/v1/messages", { ...MINIMAL, temperature: 1.5 });
    assert.match(errorOf(hot.json).message, /temperature/);
  });
});
