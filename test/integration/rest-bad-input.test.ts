import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../helpers/fake-openai-upstream.js";
import { standardDeployments, startTestGateway } from "../helpers/gateway.js";

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe("REST bad input: a clear error naming the field, nothing lost, never a stack trace", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(standardDeployments(upstream.baseUrl), { maxBodyBytes: 32 * 1024 });
  });
  after(async () => {
    await gateway.close(100);
    await upstream.close();
  });

  async function post(body: unknown, raw?: string): Promise<{ status: number; body: ErrorBody }> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: raw ?? JSON.stringify(body),
    });
    const text = await response.text();
    assert.doesNotMatch(text, /\s+at\s+\S+\s+\(/, "no stack trace in error bodies");
    return { status: response.status, body: JSON.parse(text) as ErrorBody };
  }

  const user = [{ role: "user", content: "hi" }];
  const cases: {
    name: string;
    body: unknown;
    raw?: string;
    status: number;
    param: string | null;
    code?: string;
  }[] = [
    {
      name: "malformed JSON",
      body: null,
      raw: '{"model": "mock-gpt", "messages": [',
      status: 400,
      param: null,
    },
    { name: "a JSON array body", body: [1, 2], status: 400, param: null },
    { name: "missing messages", body: { model: "mock-gpt" }, status: 400, param: "messages" },
    { name: "empty messages", body: { model: "mock-gpt", messages: [] }, status: 400, param: "messages" },
    { name: "wrong type of model", body: { model: 42, messages: user }, status: 400, param: "model" },
    {
      name: "unknown role",
      body: { model: "mock-gpt", messages: [{ role: "wizard", content: "x" }] },
      status: 400,
      param: "messages[0].role",
    },
    {
      name: "unknown key in a message",
      body: { model: "mock-gpt", messages: [{ role: "user", content: "x", colour: 1 }] },
      status: 400,
      param: "messages[0].colour",
    },
    {
      name: "tool message without tool_call_id",
      body: { model: "mock-gpt", messages: [{ role: "tool", content: "x" }] },
      status: 400,
      param: "messages[0].tool_call_id",
    },
    { name: "n out of range", body: { model: "mock-gpt", messages: user, n: 0 }, status: 400, param: "n" },
    { name: "n too large", body: { model: "mock-gpt", messages: user, n: 1000 }, status: 400, param: "n" },
    {
      name: "max_tokens out of range",
      body: { model: "mock-gpt", messages: user, max_tokens: -5 },
      status: 400,
      param: "max_tokens",
    },
    {
      name: "max_tokens not an integer",
      body: { model: "mock-gpt", messages: user, max_tokens: 1.5 },
      status: 400,
      param: "max_tokens",
    },
    {
      name: "temperature out of range",
      body: { model: "mock-gpt", messages: user, temperature: 3 },
      status: 400,
      param: "temperature",
    },
    {
      name: "bad image URL scheme",
      body: {
        model: "mock-gpt",
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] },
        ],
      },
      status: 400,
      param: "messages[0].content[0].image_url.url",
    },
    {
      name: "unknown model",
      body: { model: "nope/nothing", messages: user },
      status: 404,
      param: "model",
      code: "model_not_found",
    },
    {
      name: "api_base at the top level",
      body: { model: "fixture/echo", messages: user, api_base: "http://evil.example" },
      status: 400,
      param: "api_base",
    },
    {
      name: "base_url nested in provider_options",
      body: {
        model: "fixture/echo",
        messages: user,
        provider_options: { client: { base_url: "http://evil" } },
      },
      status: 400,
      param: "provider_options.client.base_url",
    },
    {
      name: "a parameter openai cannot take",
      body: { model: "fixture/echo", messages: user, thinking: { type: "enabled", budget_tokens: 1024 } },
      status: 400,
      param: "thinking.budget_tokens",
      code: "unsupported_parameter",
    },
  ];
  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, async () => {
      const before = upstream.requests.length;
      const { status, body } = await post(testCase.body, testCase.raw);
      assert.equal(status, testCase.status, JSON.stringify(body));
      assert.equal(body.error.param, testCase.param, body.error.message);
      if (testCase.code) assert.equal(body.error.code, testCase.code);
      assert.equal(typeof body.error.message, "string");
      assert.equal(upstream.requests.length, before, "nothing reached the upstream");
    });
  }

  it("drops an untranslatable parameter when drop_params is set", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({
        model: "fixture/echo",
        messages: user,
        drop_params: true,
        thinking: { type: "enabled", budget_tokens: 10 },
      }),
    });
    assert.equal(response.status, 200);
    const sent = upstream.requests.at(-1)?.body ?? {};
    assert.equal(sent["thinking"], undefined);
    assert.equal(sent["drop_params"], undefined);
  });

  it("accepts an assistant turn echoed back with a null thinking signature, as our own responses render it", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({
        model: "mock-gpt",
        messages: [
          { role: "user", content: "hi" },
          {
            role: "assistant",
            content: "hello",
            reasoning_content: "thought",
            thinking_blocks: [{ type: "thinking", thinking: "thought", signature: null }],
          },
          { role: "user", content: "again" },
        ],
      }),
    });
    assert.equal(response.status, 200);
  });

  it("passes allow-listed fields it does not model through to OpenAI-compatible upstreams", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({
        model: "fixture/echo",
        messages: user,
        verbosity: "low",
        prompt_cache_key: "tenant-cache-1",
      }),
    });
    assert.equal(response.status, 200);
    const sent = upstream.requests.at(-1)?.body ?? {};
    assert.equal(sent["verbosity"], "low");
    assert.equal(sent["prompt_cache_key"], "tenant-cache-1");
  });

  it("refuses pass-through fields that change the price (service_tier, prediction: GUARDS 8b)", async () => {
    const before = upstream.requests.length;
    for (const [field, value] of [
      ["service_tier", "priority"],
      ["prediction", { type: "content", content: "x" }],
    ] as const) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: gateway.headers,
        body: JSON.stringify({ model: "fixture/echo", messages: user, [field]: value }),
      });
      assert.equal(response.status, 400, field);
      const body = (await response.json()) as { error: { param: string } };
      assert.equal(body.error.param, field);
    }
    assert.equal(upstream.requests.length, before);
  });

  it("sends a model id with slashes upstream unchanged after the provider prefix", async () => {
    const slashed = await startTestGateway([
      {
        id: "d1",
        modelName: "platform-model",
        provider: "openai",
        model: "openai/gpt-4o-mini",
        params: { apiBase: upstream.baseUrl, extra: {} },
        info: { extra: {} },
      },
    ]);
    try {
      const response = await fetch(`${slashed.url}/v1/chat/completions`, {
        method: "POST",
        headers: slashed.headers,
        body: JSON.stringify({ model: "platform-model", messages: user }),
      });
      // The fake upstream has no recording by that name: what matters is what it was asked for.
      await response.text();
      assert.equal(upstream.requests.at(-1)?.body["model"], "openai/gpt-4o-mini");
    } finally {
      await slashed.close(100);
    }
  });

  it("refuses a declared oversize body with 413 before reading it", async () => {
    const url = new URL(gateway.url);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: "/v1/chat/completions",
          method: "POST",
          headers: { ...gateway.headers, "content-length": String(50 * 1024 * 1024) },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
          request.destroy();
        },
      );
      request.on("error", reject);
      request.write("{");
      // Never send the rest: the answer must come without it.
    });
    assert.equal(status, 413);
  });

  it("refuses a chunked body once it passes the limit", async () => {
    const { status, body } = await post(
      undefined,
      JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "y".repeat(40 * 1024) }] }),
    );
    assert.equal(status, 413);
    assert.equal(body.error.code, "request_too_large");
  });

  it("answers unknown routes with 404 before auth and health without auth", async () => {
    const unknown = await fetch(`${gateway.url}/admin/secret`);
    assert.equal(unknown.status, 404);
    const live = await fetch(`${gateway.url}/health/liveliness`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${gateway.url}/health/readiness`);
    assert.equal(ready.status, 200);
    const noKey = await fetch(`${gateway.url}/v1/models`);
    assert.equal(noKey.status, 401);
    const body = (await noKey.json()) as ErrorBody;
    assert.equal(body.error.type, "authentication_error");
  });
});
