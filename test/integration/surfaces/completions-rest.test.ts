import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { Authenticator } from "../../../src/auth/authenticator.js";
import { authenticationFailed } from "../../../src/auth/authenticator.js";
import { MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import {
  COMPLETION_STREAM,
  completionCassette,
  type FakeSurfacesUpstream,
  startFakeSurfacesUpstream,
} from "./fake-surfaces-upstream.js";
import { CANARIES, surfaceDeployments } from "./surface-deployments.js";

const LIMITED_KEY = "sk-limited-completions-key-000000";

/** The recorded stream's text and final usage. */
function recordedStream(): { text: string; usage: Record<string, number> } {
  let text = "";
  let usage: Record<string, number> = {};
  for (const line of COMPLETION_STREAM) {
    const chunk = JSON.parse(line) as { choices: { text: string }[]; usage: Record<string, number> | null };
    for (const choice of chunk.choices) text += choice.text;
    if (chunk.usage !== null) usage = chunk.usage;
  }
  return { text, usage };
}

describe("POST /v1/completions (legacy text completions) through the official openai SDK", () => {
  let upstream: FakeSurfacesUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let client: OpenAI;

  async function post(body: unknown, key = MASTER_KEY) {
    const response = await fetch(`${gateway.url}/v1/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  before(async () => {
    upstream = await startFakeSurfacesUpstream();
    const authenticator: Authenticator = {
      async authenticate(token) {
        if (token === MASTER_KEY) return { keyId: "master", role: "admin", display: "master" };
        if (token === LIMITED_KEY)
          return { keyId: "k1", role: "user", display: "sk-lim…0000", allowedModels: ["vllm-base"] };
        throw authenticationFailed();
      },
    };
    gateway = await startTestGateway(surfaceDeployments(upstream.url), {
      authenticator,
      maxBodyBytes: 256 * 1024,
    });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  after(async () => {
    await gateway.close(1_000);
    await upstream.close();
  });

  it("unary: the SDK's request reaches OpenAI exactly as recorded, and the recorded answer comes back", async () => {
    const cassette = completionCassette();
    const before = upstream.calls.length;
    const result = await client.completions.create({
      model: "instruct",
      prompt: "Once upon a time",
      max_tokens: 5,
    });
    const call = upstream.calls[before];
    assert.equal(call?.path, "/openai/v1/completions");
    // The recorded request ({model, prompt, max_tokens}) is what the gateway sends: nothing added, nothing lost.
    assert.deepEqual(call?.body, cassette.request);
    assert.equal(call?.headers.authorization, `Bearer ${CANARIES.openai}`);
    const recorded = cassette.response as { id: string; choices: { text: string }[]; usage: unknown };
    assert.equal(result.object, "text_completion");
    assert.equal(result.id, recorded.id);
    assert.equal(result.choices[0]?.text, recorded.choices[0]?.text);
    assert.equal(result.choices[0]?.finish_reason, "length");
    assert.equal(result.choices[0]?.logprobs, null);
    assert.deepEqual(result.usage, recorded.usage);
  });

  it("stream with include_usage: the recorded chunks' text, the finish, then one usage chunk with choices []", async () => {
    const expected = recordedStream();
    const stream = await client.completions.create({
      model: "instruct",
      prompt: "Write a holiday",
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: unknown;
    let usageChunks = 0;
    for await (const chunk of stream) {
      assert.equal(chunk.object, "text_completion");
      for (const choice of chunk.choices) {
        text += choice.text;
        if (choice.finish_reason !== null) finish = choice.finish_reason;
      }
      if (chunk.usage != null) {
        usageChunks++;
        usage = chunk.usage;
        assert.deepEqual(chunk.choices, []);
      }
    }
    assert.equal(text, expected.text);
    assert.equal(finish, "length");
    assert.equal(usageChunks, 1);
    assert.deepEqual(usage, { ...expected.usage });
  });

  it("stream without include_usage: the upstream is still asked for usage (billing), the caller sees none", async () => {
    const before = upstream.calls.length;
    const response = await post({ model: "instruct", prompt: "Write a holiday", stream: true });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    assert.deepEqual(upstream.calls[before]?.body["stream_options"], { include_usage: true });
    const events = response.text.split("\n\n").filter((event) => event.length > 0);
    assert.equal(events.at(-1), "data: [DONE]");
    for (const event of events.slice(0, -1)) {
      const chunk = JSON.parse(event.slice("data: ".length)) as Record<string, unknown>;
      assert.equal("usage" in chunk, false);
    }
  });

  it("vLLM: prompt lists, n, top_k and an allow-listed vLLM knob reach /completions; choices per prompt", async () => {
    const before = upstream.calls.length;
    const result = await client.completions.create({
      model: "vllm-base",
      prompt: ["a", "b"],
      n: 2,
      max_tokens: 4,
      // @ts-expect-error vLLM's own sampling knobs, sent as extra top-level fields as vLLM documents
      top_k: 5,
      min_p: 0.1,
      echo: true,
      suffix: "!",
    });
    const body = upstream.calls[before]?.body;
    assert.equal(upstream.calls[before]?.path, "/vllm/v1/completions");
    assert.deepEqual(body, {
      model: "meta-llama/Llama-3.1-8B",
      prompt: ["a", "b"],
      suffix: "!",
      echo: true,
      max_tokens: 4,
      top_k: 5,
      n: 2,
      min_p: 0.1,
    });
    assert.equal(result.object, "text_completion");
  });

  for (const model of ["chat-only", "claude", "mock-gpt"]) {
    it(`${model}: a provider without a completions API is a 400 naming the model, before any upstream call`, async () => {
      const before = upstream.calls.length;
      const response = await post({ model, prompt: "hi" });
      assert.equal(response.status, 400, response.text);
      const error = JSON.parse(response.text).error;
      assert.equal(error.param, "model");
      assert.match(error.message, new RegExp(`'${model}'`));
      assert.equal(upstream.calls.length, before);
    });
  }

  it("an unknown model is a 404 naming the model", async () => {
    const response = await post({ model: "nope", prompt: "hi" });
    assert.equal(response.status, 404);
    assert.equal(JSON.parse(response.text).error.param, "model");
  });

  describe("hostile tenant", () => {
    const refusals: [string, Record<string, unknown>, string][] = [
      ["a top-level api_base", { api_base: "http://evil.example" }, "api_base"],
      ["a base_url", { base_url: "http://evil.example" }, "base_url"],
      ["provider_options.api_base", { provider_options: { api_base: "http://evil.example" } }, "api_base"],
      ["provider_options.model", { provider_options: { model: "gpt-4o" } }, "model"],
      ["provider_options.max_tokens", { provider_options: { max_tokens: 100000 } }, "max_tokens"],
      [
        "provider_options.hosted_vllm.prompt",
        { provider_options: { hosted_vllm: { prompt: "x" } } },
        "prompt",
      ],
      ["an unknown top-level field", { frobnicate: 1 }, "frobnicate"],
    ];
    for (const [label, extra, named] of refusals) {
      it(`${label} is refused (400 naming it) and never reaches an upstream`, async () => {
        const before = upstream.calls.length;
        const response = await post({ model: "vllm-base", prompt: "hi", max_tokens: 3, ...extra });
        assert.equal(response.status, 400, response.text);
        const error = JSON.parse(response.text).error as { param: string | null; message: string };
        assert.ok(
          (error.param ?? "").includes(named) || error.message.includes(named),
          `${named} not named: ${response.text}`,
        );
        assert.equal(upstream.calls.length, before);
      });
    }

    it("a key without the model gets 403 naming the model; with it, 200", async () => {
      const denied = await post({ model: "instruct", prompt: "hi" }, LIMITED_KEY);
      assert.equal(denied.status, 403);
      assert.equal(JSON.parse(denied.text).error.param, "model");
      const allowed = await post({ model: "vllm-base", prompt: "hi" }, LIMITED_KEY);
      assert.equal(allowed.status, 200, allowed.text);
    });
  });

  describe("bad and oversize input", () => {
    const cases: [string, unknown, string][] = [
      ["no prompt", { model: "instruct" }, "prompt"],
      ["a prompt of the wrong type", { model: "instruct", prompt: { text: "x" } }, "prompt"],
      ["token-id prompts", { model: "instruct", prompt: [1, 2, 3] }, "prompt"],
      ["legacy logprobs", { model: "instruct", prompt: "x", logprobs: 2 }, "logprobs"],
      ["best_of beyond n", { model: "instruct", prompt: "x", best_of: 3 }, "best_of"],
      ["n out of range", { model: "instruct", prompt: "x", n: 500 }, "n"],
      ["n × prompts over 128", { model: "instruct", prompt: Array(65).fill("x"), n: 2 }, "n"],
      ["too many prompts", { model: "instruct", prompt: Array(2049).fill("x") }, "prompt"],
      ["max_tokens 0", { model: "instruct", prompt: "x", max_tokens: 0 }, "max_tokens"],
      ["temperature 5", { model: "instruct", prompt: "x", temperature: 5 }, "temperature"],
      ["too many stop sequences", { model: "instruct", prompt: "x", stop: Array(17).fill("s") }, "stop"],
    ];
    for (const [label, body, param] of cases) {
      it(`${label}: 400 naming '${param}'`, async () => {
        const response = await post(body);
        assert.equal(response.status, 400, response.text);
        const error = JSON.parse(response.text).error as { param: string | null; type: string };
        assert.ok((error.param ?? "").startsWith(param), response.text);
        assert.equal(response.text.includes("    at "), false);
      });
    }

    it("a body over the size cap is 413 before it is read whole", async () => {
      const response = await post({ model: "instruct", prompt: "x".repeat(300 * 1024) });
      assert.equal(response.status, 413);
    });

    it("a body that is not JSON is a 400", async () => {
      const response = await post("{nope");
      assert.equal(response.status, 400);
    });
  });

  describe("upstream faults", () => {
    it("a 500 is retried on the same model and the retry answers", async () => {
      upstream.faults.push({ status: 500, body: JSON.stringify({ error: { message: "boom" } }) });
      const response = await post({ model: "instruct", prompt: "hi" });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get("x-switchboard-attempts"), "2");
    });

    it("an upstream 401 is our credential problem: 502, never the caller's 401, no secret in the body", async () => {
      upstream.faults.push(
        { status: 401, body: JSON.stringify({ error: { message: `bad key ${CANARIES.openai}` } }) },
        { status: 401, body: JSON.stringify({ error: { message: `bad key ${CANARIES.openai}` } }) },
        { status: 401, body: JSON.stringify({ error: { message: `bad key ${CANARIES.openai}` } }) },
      );
      const response = await post({ model: "instruct", prompt: "hi" });
      upstream.faults.length = 0;
      assert.equal(response.status, 502, response.text);
      for (const canary of Object.values(CANARIES)) assert.equal(response.text.includes(canary), false);
    });

    it("a model_not_found from the upstream is a 404 with OpenAI's envelope", async () => {
      upstream.faults.push({
        status: 404,
        body: JSON.stringify({
          error: {
            message: "The model does not exist",
            type: "invalid_request_error",
            code: "model_not_found",
          },
        }),
      });
      const response = await post({ model: "instruct", prompt: "hi" });
      assert.equal(response.status, 404, response.text);
      assert.equal(typeof JSON.parse(response.text).error.message, "string");
    });
  });
});
