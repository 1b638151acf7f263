/**
 * End to end through the real server with the official `openai` SDK: fake Anthropic and Gemini upstreams on
 * 127.0.0.1 replay recorded streams; the gateway translates requests out and events back to OpenAI chunks.
 */
import * as assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { type App, startApp } from "../../src/app.js";
import { hashSecret } from "../../src/auth/authenticator.js";
import { createLogger } from "../../src/logging/logger.js";
import { frameChunks, readFixture, testDeployment } from "../helpers/provider-fixtures.js";

const MASTER_KEY = "sk-master-test-0123456789abcdef0123456789abcdef";

interface Seen {
  url: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

/** Replies per path: a recorded SSE body, a JSON body, or an error with status and headers. */
type Reply = { status: number; contentType: string; body: string; headers?: Record<string, string> };

let upstream: Server;
let upstreamUrl = "";
let app: App;
let client: OpenAI;
const seen: Seen[] = [];
const replies = new Map<string, Reply>();

before(async () => {
  upstream = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on("end", () => {
      seen.push({
        url: request.url ?? "",
        headers: request.headers,
        body: JSON.parse(text) as Record<string, unknown>,
      });
      const reply = replies.get(request.url ?? "");
      if (reply === undefined) {
        response.writeHead(500).end();
        return;
      }
      response.writeHead(reply.status, { "content-type": reply.contentType, ...reply.headers });
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  app = await startApp({
    deployments: [
      testDeployment("anthropic", "claude-sonnet-4-5", {
        modelName: "claude",
        params: { apiKey: "sk-ant-upstream", apiBase: upstreamUrl, extra: {} },
      }),
      testDeployment("gemini", "gemini-3-pro-preview", {
        modelName: "gemini",
        params: { apiKey: "AIza-upstream", apiBase: upstreamUrl, extra: {} },
      }),
    ],
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 1024 * 1024,
    masterKey: { hash: hashSecret(MASTER_KEY), display: "sk-m...cdef" },
    router: { numRetries: 0 },
    logger: createLogger("silent"),
  });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${app.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await app.close(1000);
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe("anthropic and gemini through the REST shim with the openai SDK", () => {
  it("streams an Anthropic tool call that the SDK accumulates, with usage last", async () => {
    replies.set("/v1/messages", {
      status: 200,
      contentType: "text/event-stream",
      body: readFixture("anthropic/messages-stream-tool-use.sse"),
    });
    const stream = client.chat.completions.stream({
      model: "claude",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    stream.on("chunk", (chunk) => chunks.push(chunk));
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]!.message;
    assert.equal(message.content, "I'll check the current weather in Paris for you.");
    assert.equal(
      message.tool_calls?.[0]?.type === "function" ? message.tool_calls[0].function.name : "",
      "get_weather",
    );
    assert.deepEqual(
      JSON.parse(
        message.tool_calls?.[0]?.type === "function" ? message.tool_calls[0].function.arguments : "",
      ),
      { location: "Paris" },
    );
    assert.equal(completion.choices[0]!.finish_reason, "tool_calls");
    assert.equal(chunks.at(-1)?.usage?.prompt_tokens, 377);
    assert.equal(chunks.at(-1)?.usage?.completion_tokens, 65);
    const sent = seen.at(-1)!;
    assert.equal(sent.headers["x-api-key"], "sk-ant-upstream");
    assert.equal(sent.body["stream"], true);
    assert.deepEqual((sent.body["tools"] as { name: string }[])[0]?.name, "get_weather");
  });

  it("streams Gemini thoughts-free text over CRLF SSE and reports usage with reasoning tokens", async () => {
    replies.set("/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse", {
      status: 200,
      contentType: "text/event-stream",
      body: frameChunks(readFixture("gemini/stream-generate-content-text.chunks.jsonl"), "gemini"),
    });
    const stream = await client.chat.completions.create({
      model: "gemini",
      messages: [{ role: "user", content: "How many r in strawberry?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    assert.equal(finish, "stop");
    assert.equal(usage?.completion_tokens, 208);
    assert.equal(usage?.completion_tokens_details?.reasoning_tokens, 185);
    const sent = seen.at(-1)!;
    assert.equal(sent.headers["x-goog-api-key"], "AIza-upstream");
    assert.ok(!sent.url.includes("AIza"));
  });

  it("returns a Gemini function call with a synthesised id (non-streaming)", async () => {
    replies.set("/v1beta/models/gemini-3-pro-preview:generateContent", {
      status: 200,
      contentType: "application/json",
      body: readFixture("gemini/generate-content-function-call.json"),
    });
    const completion = await client.chat.completions.create({
      model: "gemini",
      messages: [{ role: "user", content: "Weather in SF?" }],
      tools: [{ type: "function", function: { name: "weather", parameters: { type: "object" } } }],
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    assert.match(call.id, /^call_/);
    assert.equal(completion.choices[0]!.finish_reason, "tool_calls");
    assert.equal(completion.usage?.total_tokens, 937);
  });

  it("maps a recorded Gemini 429 to a 429 for the caller", async () => {
    replies.set("/v1beta/models/gemini-3-pro-preview:generateContent", {
      status: 429,
      contentType: "application/json",
      body: readFixture("errors/gemini-429-resource-exhausted.json"),
    });
    await assert.rejects(
      client.chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "hi" }] }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 429,
    );
  });

  it("maps an upstream Anthropic 401 to a gateway error that is not a 401", async () => {
    replies.set("/v1/messages", {
      status: 401,
      contentType: "application/json",
      body: JSON.stringify({
        type: "error",
        error: { type: "authentication_error", message: "invalid x-api-key" },
      }),
    });
    await assert.rejects(
      client.chat.completions.create({ model: "claude", messages: [{ role: "user", content: "hi" }] }),
      (error: unknown) =>
        error instanceof OpenAI.APIError && error.status !== 401 && error.status !== undefined,
    );
  });

  it("rejects a parameter Anthropic cannot take with a 400 naming it", async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "hi" }],
        presence_penalty: 1,
      }),
      (error: unknown) =>
        error instanceof OpenAI.APIError && error.status === 400 && /presence_penalty/.test(error.message),
    );
  });
});
