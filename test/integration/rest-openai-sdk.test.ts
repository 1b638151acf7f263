import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { Authenticator } from "../../src/auth/authenticator.js";
import { authenticationFailed } from "../../src/auth/authenticator.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../helpers/fake-openai-upstream.js";
import { MASTER_KEY, standardDeployments, startTestGateway } from "../helpers/gateway.js";
import { assertValid, openAISchemas } from "../helpers/openai-schemas.js";

describe("REST shim through the official openai SDK", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let client: OpenAI;
  const schemas = openAISchemas();

  before(async () => {
    upstream = await startFakeOpenAI();
    // A user key limited to mock models, to prove 403 on a model outside its allow-list.
    const authenticator: Authenticator = {
      async authenticate(token) {
        if (token === MASTER_KEY) return { keyId: "master", role: "admin", display: "master" };
        if (token === "sk-limited-user-key-000000000000") {
          return { keyId: "k1", role: "user", display: "sk-lim…0000", allowedModels: ["mock-gpt"] };
        }
        throw authenticationFailed();
      },
    };
    gateway = await startTestGateway(standardDeployments(upstream.baseUrl), {
      authenticator,
      maxBodyBytes: 64 * 1024,
    });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  });

  after(async () => {
    await gateway.close(100);
    await upstream.close();
  });

  it("answers a unary request with OpenAI's exact shape and routing headers", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "fixture/chat-basic", messages: [{ role: "user", content: "Hello" }] })
      .withResponse();
    assertValid(schemas.response, data, "unary response");
    assert.equal(data.object, "chat.completion");
    assert.equal(data.model, "gpt-4.1-nano-2025-04-14");
    assert.equal(data.choices[0]?.finish_reason, "stop");
    assert.ok((data.choices[0]?.message.content ?? "").length > 0);
    assert.ok(data.usage && data.usage.total_tokens > 0);
    assert.equal(response.headers.get("x-switchboard-provider"), "openai");
    assert.equal(response.headers.get("x-switchboard-deployment"), "fixture/*#openai");
    assert.equal(response.headers.get("x-switchboard-attempts"), "1");
    assert.match(response.headers.get("x-request-id") ?? "", /.+/);
    const sent = upstream.requests.at(-1);
    assert.equal(sent?.body["model"], "chat-basic");
    assert.equal(sent?.headers["authorization"], "Bearer sk-upstream-canary-123456");
  });

  it("keeps n=3 choices, refusals and length stops", async () => {
    const n3 = await client.chat.completions.create({
      model: "fixture/chat-n3",
      n: 3,
      messages: [{ role: "user", content: "x" }],
    });
    assertValid(schemas.response, n3, "n=3 response");
    assert.deepEqual(
      n3.choices.map((choice) => choice.index),
      [0, 1, 2],
    );
    const refusal = await client.chat.completions.create({
      model: "fixture/chat-refusal",
      messages: [{ role: "user", content: "x" }],
    });
    assertValid(schemas.response, refusal, "refusal response");
    assert.equal(refusal.choices[0]?.message.content, null);
    assert.ok((refusal.choices[0]?.message.refusal ?? "").length > 0);
    const length = await client.chat.completions.create({
      model: "fixture/chat-length",
      messages: [{ role: "user", content: "x" }],
    });
    assert.equal(length.choices[0]?.finish_reason, "length");
  });

  it("returns parallel tool calls unary", async () => {
    const result = await client.chat.completions.create({
      model: "fixture/chat-tools-parallel",
      messages: [{ role: "user", content: "weather and stock" }],
      tools: [{ type: "function", function: { name: "GetWeatherArgs", parameters: { type: "object" } } }],
    });
    assertValid(schemas.response, result, "tools response");
    const calls = result.choices[0]?.message.tool_calls ?? [];
    assert.equal(calls.length, 2);
    assert.equal(result.choices[0]?.finish_reason, "tool_calls");
    for (const call of calls) {
      assert.equal(call.type, "function");
      assert.doesNotThrow(() => JSON.parse(call.type === "function" ? call.function.arguments : "{}"));
    }
  });

  it("streams text with include_usage: every chunk valid, usage last, [DONE] ends it", async () => {
    const stream = await client.chat.completions.create({
      model: "fixture/chat-stream-text",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Hello" }],
    });
    let text = "";
    let usageChunks = 0;
    let finish: string | null = null;
    let chunks = 0;
    let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      chunks++;
      assertValid(schemas.chunk, chunk, "stream chunk");
      last = chunk;
      if (chunk.usage) usageChunks++;
      const choice = chunk.choices[0];
      if (choice?.delta.content) text += choice.delta.content;
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    assert.ok(text.length > 20);
    assert.equal(finish, "stop");
    assert.equal(usageChunks, 1);
    assert.deepEqual(last?.choices, []);
    assert.ok((last?.usage?.total_tokens ?? 0) > 0);
    assert.ok(chunks > 10);
    assert.deepEqual(upstream.requests.at(-1)?.body["stream_options"], { include_usage: true });
  });

  it("hides usage from callers who did not ask for it", async () => {
    const stream = await client.chat.completions.create({
      model: "fixture/chat-stream-text",
      stream: true,
      messages: [{ role: "user", content: "Hello" }],
    });
    for await (const chunk of stream) {
      assert.equal(chunk.usage, undefined);
      assert.ok(chunk.choices.length > 0);
    }
  });

  it("streams parallel tool calls that the SDK's stream helper accumulates", async () => {
    const runner = client.chat.completions.stream({
      model: "fixture/chat-stream-parallel-tools",
      messages: [{ role: "user", content: "weather and stock" }],
      tools: [
        { type: "function", function: { name: "GetWeatherArgs", parameters: { type: "object" } } },
        { type: "function", function: { name: "get_stock_price", parameters: { type: "object" } } },
      ],
    });
    runner.on("chunk", (chunk) => assertValid(schemas.chunk, chunk, "tool chunk"));
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0]?.message.tool_calls ?? [];
    assert.equal(calls.length, 2);
    const names = calls.map((call) => (call.type === "function" ? call.function.name : ""));
    assert.deepEqual(names, ["GetWeatherArgs", "get_stock_price"]);
    for (const call of calls) {
      assert.ok(call.id.startsWith("call_"));
      if (call.type === "function") assert.equal(typeof JSON.parse(call.function.arguments), "object");
    }
    assert.equal(final.choices[0]?.finish_reason, "tool_calls");
  });

  it("relays logprobs and n=3 streams", async () => {
    const logprobs = await client.chat.completions.create({
      model: "fixture/chat-stream-logprobs",
      stream: true,
      logprobs: true,
      messages: [{ role: "user", content: "x" }],
    });
    let tokens = 0;
    for await (const chunk of logprobs) {
      assertValid(schemas.chunk, chunk, "logprobs chunk");
      tokens += chunk.choices[0]?.logprobs?.content?.length ?? 0;
    }
    assert.ok(tokens > 0);
    const n3 = await client.chat.completions.create({
      model: "fixture/chat-stream-n3",
      stream: true,
      n: 3,
      messages: [{ role: "user", content: "x" }],
    });
    const finished = new Set<number>();
    for await (const chunk of n3) {
      assertValid(schemas.chunk, chunk, "n=3 chunk");
      for (const choice of chunk.choices) if (choice.finish_reason) finished.add(choice.index);
    }
    assert.deepEqual([...finished].sort(), [0, 1, 2]);
  });

  it("streams the refusal of a structured-output request", async () => {
    const stream = await client.chat.completions.create({
      model: "fixture/chat-stream-refusal",
      stream: true,
      messages: [{ role: "user", content: "x" }],
    });
    let refusal = "";
    for await (const chunk of stream) {
      assertValid(schemas.chunk, chunk, "refusal chunk");
      refusal += chunk.choices[0]?.delta.refusal ?? "";
    }
    assert.ok(refusal.length > 10);
  });

  it("surfaces each error status as the SDK's matching error class", async () => {
    const messages = [{ role: "user" as const, content: "x" }];
    await assert.rejects(
      client.chat.completions.create({
        model: "mock-gpt",
        messages: [{ role: "wizard" as "user", content: "x" }],
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === "messages[0].role",
    );
    const anonymous = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    await assert.rejects(
      anonymous.chat.completions.create({ model: "mock-gpt", messages }),
      OpenAI.AuthenticationError,
    );
    const limited = new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: "sk-limited-user-key-000000000000",
      maxRetries: 0,
    });
    await assert.rejects(
      limited.chat.completions.create({ model: "mock/echo", messages }),
      OpenAI.PermissionDeniedError,
    );
    await assert.rejects(
      client.chat.completions.create({ model: "no-such-model", messages }),
      (error: unknown) => error instanceof OpenAI.NotFoundError && error.code === "model_not_found",
    );
    await assert.rejects(
      client.chat.completions.create({
        model: "mock-gpt",
        messages: [{ role: "user", content: "x".repeat(70 * 1024) }],
      }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 413,
    );
    await assert.rejects(
      client.chat.completions.create({ model: "fixture/error:openai-429-insufficient-quota:429", messages }),
      OpenAI.RateLimitError,
    );
    await assert.rejects(
      client.chat.completions.create({ model: "mock/error-500", messages }),
      OpenAI.InternalServerError,
    );
  });

  it("lists models and gets one by an id with slashes", async () => {
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    assert.ok(ids.includes("mock-gpt"));
    const one = await client.models.retrieve("fixture/*");
    assert.equal(one.owned_by, "openai");
    const limited = new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: "sk-limited-user-key-000000000000",
      maxRetries: 0,
    });
    const visible = (await limited.models.list()).data.map((model) => model.id);
    assert.deepEqual(visible, ["mock-gpt"]);
  });
});
