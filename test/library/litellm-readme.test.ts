/**
 * LiteLLM's README examples, translated to TypeScript, against fake upstreams that replay the recordings in
 * test/fixtures/conformance (the contract suite's replies): `completion()` with bare and prefixed model names,
 * unary and streamed; the Router example with its fallback; abort mid-stream; typed errors for bad input.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { findCatalogModel } from "../../src/core/catalog/known-models.js";
import {
  AbortedError,
  AuthenticationError,
  BadRequestError,
  type ChatCompletionChunk,
  closeCompletions,
  completion,
  costOf,
  NotFoundError,
  RateLimitError,
  Router,
  type UsageReport,
} from "../../src/library/index.js";
import { anthropicCase } from "../contract/cases/anthropic.js";
import { bedrockCase } from "../contract/cases/bedrock.js";
import { geminiCase } from "../contract/cases/gemini.js";
import { openaiCase } from "../contract/cases/openai.js";
import { azureCase } from "../contract/cases/openai-family.js";
import type { ProviderCase } from "../contract/contract-types.js";
import { type FakeUpstream, startFakeUpstream } from "../contract/fake-upstream.js";

const messages = [{ role: "user" as const, content: "Hello, how are you?" }];

function replies(providerCase: ProviderCase, scenario: string) {
  const plan = providerCase.plans[scenario as keyof ProviderCase["plans"]];
  assert.ok(plan !== undefined, `${providerCase.provider} has a ${scenario} plan`);
  return plan;
}

async function collect(
  stream: AsyncIterable<ChatCompletionChunk>,
): Promise<{ text: string; chunks: ChatCompletionChunk[] }> {
  const chunks: ChatCompletionChunk[] = [];
  let text = "";
  for await (const chunk of stream) {
    chunks.push(chunk);
    for (const choice of chunk.choices) text += choice.delta.content ?? "";
  }
  return { text, chunks };
}

let anthropic: FakeUpstream;
let openai: FakeUpstream;
let gemini: FakeUpstream;
let bedrock: FakeUpstream;
let azure: FakeUpstream;
const saved = { key: process.env.ANTHROPIC_API_KEY, base: process.env.ANTHROPIC_API_BASE };

before(async () => {
  [anthropic, openai, gemini, bedrock, azure] = await Promise.all([
    startFakeUpstream(),
    startFakeUpstream(),
    startFakeUpstream(),
    startFakeUpstream(),
    startFakeUpstream(),
  ]);
  // The README's first example relies on ANTHROPIC_API_KEY in the environment; the base points at the fake.
  process.env.ANTHROPIC_API_KEY = "sk-ant-from-env";
  process.env.ANTHROPIC_API_BASE = anthropic.url;
});

after(async () => {
  process.env.ANTHROPIC_API_KEY = saved.key;
  process.env.ANTHROPIC_API_BASE = saved.base;
  if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY;
  if (saved.base === undefined) delete process.env.ANTHROPIC_API_BASE;
  await closeCompletions();
  await Promise.all([anthropic, openai, gemini, bedrock, azure].map((fake) => fake.close()));
});

describe("completion() — LiteLLM's README, in TypeScript", () => {
  test("claude-sonnet-4-6 (bare name, key and base from the environment): unary, with its cost", async () => {
    anthropic.script(replies(anthropicCase, "simple").replies);
    const usages: UsageReport[] = [];
    const response = await completion({
      model: "claude-sonnet-4-6",
      messages,
      onUsage: (u) => usages.push(u),
    });
    assert.equal(response.object, "chat.completion");
    assert.match(response.choices[0]?.message.content ?? "", /I'm doing well/);
    assert.equal(response.choices[0]?.finish_reason, "stop");
    const sent = anthropic.requests.at(-1);
    assert.equal(sent?.headers["x-api-key"], "sk-ant-from-env");
    assert.equal((sent?.json as { model?: string } | undefined)?.model, "claude-sonnet-4-6");
    // Priced from the catalog: prompt × input rate + completion × output rate.
    const rates = findCatalogModel("anthropic", ["claude-sonnet-4-6"])?.rates;
    const input = rates?.input_mtok as number;
    const output = rates?.output_mtok as number;
    const expected = (12 * input + 29 * output) / 1e6;
    assert.ok(
      Math.abs((costOf(response) ?? -1) - expected) < 1e-12,
      `cost ${costOf(response)} ≠ ${expected}`,
    );
    assert.equal(usages.length, 1);
    assert.equal(usages[0]?.provider, "anthropic");
    assert.equal(usages[0]?.cost, costOf(response));
  });

  test("claude-sonnet-4-6 with stream: true yields chat.completion.chunk objects and a priced last chunk", async () => {
    anthropic.script(replies(anthropicCase, "streamed").replies);
    const stream = await completion({
      model: "claude-sonnet-4-6",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { text, chunks } = await collect(stream);
    assert.equal(text, "Hello there!");
    assert.ok(chunks.every((chunk) => chunk.object === "chat.completion.chunk"));
    const last = chunks.at(-1);
    assert.ok(last?.usage !== undefined && last.usage !== null, "the last chunk carries usage");
    assert.ok((costOf(last) ?? 0) > 0, "and its cost");
  });

  test("gpt-4o (bare name) with a per-call api_key and api_base: unary and stream", async () => {
    openai.script(replies(openaiCase, "simple").replies);
    const response = await completion({
      model: "gpt-4o",
      messages,
      api_key: "sk-per-call",
      api_base: `${openai.url}/v1`,
    });
    assert.equal(openai.requests.at(-1)?.headers.authorization, "Bearer sk-per-call");
    assert.match(response.choices[0]?.message.content ?? "", /Galaxy Day/);
    assert.equal(response.usage?.prompt_tokens, 16);
    assert.equal(response.usage?.completion_tokens, 363);
    assert.ok((costOf(response) ?? 0) > 0, "gpt-4o is priced");

    openai.script(replies(openaiCase, "streamed").replies);
    const streamed = await collect(
      await completion({
        model: "gpt-4o",
        messages,
        stream: true,
        apiKey: "sk-per-call",
        apiBase: `${openai.url}/v1`,
      }),
    );
    assert.match(streamed.text, /Harmony Day/);
  });

  test("gemini/gemini-2.5-pro: unary and stream", async () => {
    gemini.script(replies(geminiCase, "simple").replies);
    const response = await completion({
      model: "gemini/gemini-2.5-pro",
      messages,
      api_key: "AIza-per-call",
      api_base: gemini.url,
    });
    assert.equal(response.choices[0]?.message.content, replies(geminiCase, "simple").expect?.text);
    assert.match(gemini.requests.at(-1)?.path ?? "", /gemini-2\.5-pro:generateContent/);
    assert.ok((costOf(response) ?? 0) > 0, "gemini-2.5-pro is priced");

    gemini.script(replies(geminiCase, "streamed").replies);
    const streamed = await collect(
      await completion({
        model: "gemini/gemini-2.5-pro",
        messages,
        stream: true,
        api_key: "k",
        api_base: gemini.url,
      }),
    );
    assert.equal(streamed.text, replies(geminiCase, "streamed").expect?.text);
  });

  test("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0 with AWS credentials per call: unary and stream", async () => {
    const aws = {
      aws_access_key_id: "AKIDEXAMPLE",
      aws_secret_access_key: "library-secret",
      aws_region_name: "us-east-1",
      api_base: bedrock.url,
    };
    const model = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0";
    bedrock.script(replies(bedrockCase, "simple").replies);
    const response = await completion({ model, messages, ...aws });
    assert.match(response.choices[0]?.message.content ?? "", /There are \*\*3\*\* "r"s/);
    assert.match(bedrock.requests.at(-1)?.headers.authorization as string, /^AWS4-HMAC-SHA256 /);
    assert.match(
      bedrock.requests.at(-1)?.path ?? "",
      /^\/model\/anthropic\.claude-3-5-sonnet-20240620-v1%3A0\/converse$/,
    );
    assert.ok((costOf(response) ?? 0) > 0, "Bedrock Claude is priced");

    bedrock.script(replies(bedrockCase, "streamed").replies);
    const streamed = await collect(await completion({ model, messages, stream: true, ...aws }));
    assert.equal(streamed.text, replies(bedrockCase, "streamed").expect?.text);
  });
});

describe("Router — LiteLLM's README example", () => {
  test("two gpt-4o deployments (OpenAI, Azure) both fail: the claude-fallback group answers", async () => {
    const overloaded = replies(openaiCase, "error_overloaded").replies;
    openai.script(overloaded);
    azure.script(replies(azureCase, "error_overloaded").replies);
    anthropic.script(replies(anthropicCase, "simple").replies);
    const before = { openai: openai.requests.length, azure: azure.requests.length };
    const usages: UsageReport[] = [];
    const router = new Router({
      model_list: [
        {
          model_name: "gpt-4o",
          litellm_params: { model: "gpt-4o", api_key: "sk-openai", api_base: `${openai.url}/v1` },
        },
        {
          model_name: "gpt-4o",
          litellm_params: {
            model: "azure/gpt-4o-deployment",
            api_key: "azure-key",
            api_base: azure.url,
            api_version: "2024-10-21",
          },
        },
        { model_name: "claude-fallback", litellm_params: { model: "claude-sonnet-4-6" } },
      ],
      fallbacks: [{ "gpt-4o": ["claude-fallback"] }],
      num_retries: 3,
      retryAfter: 0,
      onUsage: (report) => usages.push(report),
    });
    try {
      assert.deepEqual(router.modelNames, ["gpt-4o", "claude-fallback"]);
      const response = await router.completion({ model: "gpt-4o", messages });
      assert.match(response.choices[0]?.message.content ?? "", /I'm doing well/);
      assert.ok(openai.requests.length > before.openai, "the OpenAI deployment was tried");
      assert.ok(azure.requests.length > before.azure, "the Azure deployment was tried");
      assert.equal(usages.at(-1)?.provider, "anthropic");
      assert.equal(usages.at(-1)?.model, "gpt-4o");
      assert.ok((costOf(response) ?? 0) > 0);
    } finally {
      await router.close();
    }
  });

  test("the Router takes camelCase too, and refuses per-call credentials", async () => {
    const router = new Router({
      modelList: [
        { modelName: "fast", litellmParams: { model: "gpt-4o", apiKey: "k", apiBase: `${openai.url}/v1` } },
      ],
      numRetries: 0,
    } as never);
    try {
      openai.script(replies(openaiCase, "simple").replies);
      const response = await router.completion({ model: "fast", messages });
      assert.equal(response.object, "chat.completion");
      await assert.rejects(router.completion({ model: "fast", messages, api_key: "other" }), (error) => {
        assert.ok(error instanceof BadRequestError);
        assert.equal(error.param, "api_key");
        return true;
      });
      await assert.rejects(router.completion({ model: "slow", messages }), (error) => {
        assert.ok(error instanceof NotFoundError);
        assert.equal(error.status, 404);
        assert.equal(error.code, "model_not_found");
        return true;
      });
    } finally {
      await router.close();
    }
  });

  test("a bad Router config is a BadRequestError naming the field", () => {
    assert.throws(
      () => new Router({ model_list: [{ model_name: "x", litellm_params: { model: "sonnet-ultra" } }] }),
      (error) => {
        assert.ok(error instanceof BadRequestError);
        assert.match(
          error.message,
          /'sonnet-ultra' has no provider prefix and the model catalog does not know/,
        );
        assert.equal(error.param, "model");
        return true;
      },
    );
    assert.throws(
      () => new Router({ model_list: [], routing_strategy: "fastest" as never }),
      (error) => error instanceof BadRequestError && /routing_strategy/.test(error.message),
    );
  });
});

describe("abort and errors", () => {
  test("aborting mid-stream cancels the upstream request", async () => {
    anthropic.script(replies(anthropicCase, "client_abort").replies);
    const controller = new AbortController();
    const stream = await completion({
      model: "claude-sonnet-4-6",
      messages,
      stream: true,
      signal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    const closed = anthropic.hangClosed();
    controller.abort();
    await closed;
    // What was buffered before the abort may still come; then the stream ends or says it was aborted.
    let failure: unknown;
    try {
      while (!(await iterator.next()).done) {
        // drain
      }
    } catch (error) {
      failure = error;
    }
    assert.ok(failure === undefined || failure instanceof AbortedError, `unexpected ${String(failure)}`);
  });

  test("leaving the loop early (break) cancels the upstream request too", async () => {
    anthropic.script(replies(anthropicCase, "client_abort").replies);
    const stream = await completion({ model: "claude-sonnet-4-6", messages, stream: true });
    const closed = anthropic.hangClosed();
    for await (const _chunk of stream) break;
    await closed;
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ["messages not a list", { model: "gpt-4o", messages: "hi" }, "messages"],
    ["no model", { messages }, "model"],
    ["a temperature that is not a number", { model: "gpt-4o", messages, temperature: "hot" }, "temperature"],
    ["an unknown bare model", { model: "sonnet-ultra", messages }, "model"],
    [
      "an api_base that is not http(s)",
      { model: "gpt-4o", messages, api_base: "file:///etc/passwd" },
      "api_base",
    ],
    ["a signal that is not an AbortSignal", { model: "gpt-4o", messages, signal: "stop" }, "signal"],
  ];
  for (const [name, params, param] of bad) {
    test(`bad input (${name}) is a BadRequestError naming '${param}', before any upstream call`, async () => {
      const sent = openai.requests.length;
      await assert.rejects(completion(params as never), (error) => {
        assert.ok(error instanceof BadRequestError, `${String(error)}`);
        assert.equal(error.status, 400);
        assert.equal(error.param, param);
        return true;
      });
      assert.equal(openai.requests.length, sent);
    });
  }

  test("upstream errors are typed with status, code and provider; the key never appears in them", async () => {
    openai.script(replies(openaiCase, "error_rate_limited").replies);
    await assert.rejects(
      completion({
        model: "gpt-4o",
        messages,
        api_key: "sk-secret-canary-1234567890",
        api_base: `${openai.url}/v1`,
      }),
      (error) => {
        assert.ok(error instanceof RateLimitError);
        assert.equal(error.status, 429);
        assert.equal(error.provider, "openai");
        assert.doesNotMatch(JSON.stringify({ m: error.message, c: error.code }), /sk-secret-canary/);
        return true;
      },
    );
    openai.script(replies(openaiCase, "error_upstream_auth").replies);
    await assert.rejects(
      completion({
        model: "gpt-4o",
        messages,
        api_key: "sk-secret-canary-1234567890",
        api_base: `${openai.url}/v1`,
      }),
      (error) => {
        assert.ok(error instanceof AuthenticationError);
        assert.equal(error.provider, "openai");
        assert.doesNotMatch(error.message, /sk-secret-canary-1234567890/);
        return true;
      },
    );
  });
});
