/**
 * `embedding()` and `router.embedding()` in-process, against the fake embeddings upstream that replays the
 * recorded vectors in test/fixtures/conformance: LiteLLM's `embedding(model=…, input=[…])` in TypeScript, the
 * splitting a provider's per-call limit forces, the Router's fallback, cost on every response, typed errors.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AuthenticationError,
  BadRequestError,
  closeCompletions,
  costOf,
  embedding,
  NotFoundError,
  Router,
  type UsageReport,
} from "../../src/library/index.js";
import {
  type FakeEmbeddingsUpstream,
  markedVector,
  startFakeEmbeddingsUpstream,
} from "../integration/embeddings/fake-embeddings-upstream.js";

const OPENAI_KEY = "sk-library-embedding-canary-7319";

let fake: FakeEmbeddingsUpstream;

before(async () => {
  fake = await startFakeEmbeddingsUpstream();
});

after(async () => {
  await closeCompletions();
  await fake.close();
});

function decodeBase64(text: string): number[] {
  const bytes = Buffer.from(text, "base64");
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return Array.from(floats);
}

describe("embedding()", () => {
  test("openai/text-embedding-3-small with a per-call key and base: vectors in order, priced, onUsage told", async () => {
    fake.calls.length = 0;
    const reports: UsageReport[] = [];
    const response = await embedding({
      model: "openai/text-embedding-3-small",
      input: ["first 0", "second 1"],
      api_key: OPENAI_KEY,
      api_base: `${fake.url}/v1`,
      onUsage: (report) => reports.push(report),
    });
    assert.equal(response.object, "list");
    assert.equal(response.data.length, 2);
    assert.deepEqual(
      response.data.map((entry) => entry.index),
      [0, 1],
    );
    const second = response.data[1]?.embedding as number[];
    assert.ok(Array.isArray(second), "the library's default encoding is float: number arrays");
    assert.equal(second[0], 1, "the second input's vector comes second");
    assert.equal(second.length, markedVector("openai", 1).length);
    assert.equal(response.usage.prompt_tokens, 4);
    assert.ok((response.usage.cost ?? 0) > 0, "text-embedding-3-small is priced");
    assert.equal(costOf(response), response.usage.cost);
    // The upstream got the provider's model name and the caller's key, once.
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.calls[0]?.body.model, "text-embedding-3-small");
    assert.equal(fake.calls[0]?.headers.authorization, `Bearer ${OPENAI_KEY}`);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]?.provider, "openai");
    assert.equal(reports[0]?.cost, response.usage.cost);
  });

  test("encoding_format base64 returns OpenAI's little-endian float32 strings", async () => {
    const response = await embedding({
      model: "openai/text-embedding-3-small",
      input: "only 0",
      encoding_format: "base64",
      apiKey: OPENAI_KEY,
      apiBase: `${fake.url}/v1`,
    });
    const encoded = response.data[0]?.embedding;
    assert.equal(typeof encoded, "string");
    const expected = markedVector("openai", 0).map((value) => Math.fround(value));
    assert.deepEqual(decodeBase64(encoded as string), expected);
  });

  test("250 inputs to Gemini are split into 3 calls of at most 100 and re-assembled in order", async () => {
    fake.calls.length = 0;
    const input = Array.from({ length: 250 }, (_, index) => `text ${index}`);
    const response = await embedding({
      model: "gemini/gemini-embedding-001",
      input,
      api_key: "gemini-library-key",
      api_base: `${fake.url}/gemini`,
    });
    assert.equal(fake.calls.length, 3);
    assert.equal(response.data.length, 250);
    response.data.forEach((entry, position) => {
      assert.equal(entry.index, position);
      assert.equal((entry.embedding as number[])[0], position);
    });
    assert.ok(response.usage.prompt_tokens > 0, "no usage reported: estimated, never zero");
  });

  test("bad input is a BadRequestError naming the field; nothing reaches the upstream", async () => {
    fake.calls.length = 0;
    await assert.rejects(
      embedding({
        model: "openai/text-embedding-3-small",
        input: [1, "two"] as unknown as number[],
        api_key: OPENAI_KEY,
        api_base: `${fake.url}/v1`,
      }),
      (error: unknown) => error instanceof BadRequestError && error.param === "input[1]",
    );
    await assert.rejects(
      embedding({
        model: "openai/text-embedding-3-small",
        input: "x",
        provider_options: { api_base: "http://169.254.169.254" },
        api_key: OPENAI_KEY,
        api_base: `${fake.url}/v1`,
      } as Parameters<typeof embedding>[0]),
      (error: unknown) => error instanceof BadRequestError && /api_base/.test(error.param ?? ""),
    );
    await assert.rejects(
      embedding({ input: "x" } as unknown as Parameters<typeof embedding>[0]),
      (error: unknown) => error instanceof BadRequestError && error.param === "model",
    );
    assert.equal(fake.calls.length, 0);
  });

  test("a chat-only provider has no embeddings: a BadRequestError naming the model", async () => {
    await assert.rejects(
      embedding({ model: "groq/llama-3.1-8b", input: "x", api_key: "k", api_base: `${fake.url}/groq/v1` }),
      (error: unknown) => error instanceof BadRequestError && error.param === "model",
    );
  });

  test("an upstream 401 is an AuthenticationError that never carries the key", async () => {
    fake.faults.push({
      status: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${OPENAI_KEY}` } }),
    });
    await assert.rejects(
      embedding({
        model: "openai/text-embedding-3-small",
        input: "x",
        api_key: OPENAI_KEY,
        api_base: `${fake.url}/v1`,
      }),
      (error: unknown) => {
        assert.ok(error instanceof AuthenticationError, String(error));
        assert.equal(error.provider, "openai");
        assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(OPENAI_KEY));
        return true;
      },
    );
  });
});

describe("router.embedding()", () => {
  test("the primary group fails twice: the fallback group answers, retries counted once each", async () => {
    fake.calls.length = 0;
    const reports: UsageReport[] = [];
    const router = new Router({
      model_list: [
        {
          model_name: "embedder",
          litellm_params: {
            model: "openai/text-embedding-3-small",
            api_key: OPENAI_KEY,
            api_base: `${fake.url}/v1`,
          },
        },
        {
          model_name: "embedder-fallback",
          litellm_params: {
            model: "voyage/voyage-3.5",
            api_key: "voyage-key",
            api_base: `${fake.url}/voyage/v1`,
          },
        },
      ],
      fallbacks: [{ embedder: ["embedder-fallback"] }],
      num_retries: 1,
      onUsage: (report) => reports.push(report),
    });
    try {
      fake.faults.push(
        { status: 500, body: JSON.stringify({ error: { message: "boom" } }) },
        { status: 500, body: JSON.stringify({ error: { message: "boom again" } }) },
      );
      const response = await router.embedding({ model: "embedder", input: ["a 0", "b 1"] });
      assert.equal(response.data.length, 2);
      assert.equal((response.data[1]?.embedding as number[] | undefined)?.[0], 1);
      const paths = fake.calls.map((call) => call.path);
      assert.equal(paths.filter((path) => path.startsWith("/v1/")).length, 2, "primary tried, then retried");
      assert.equal(paths.filter((path) => path.startsWith("/voyage/")).length, 1, "fallback once");
      assert.equal(reports.length, 1);
      assert.equal(reports[0]?.provider, "voyage");
      assert.equal(reports[0]?.model, "embedder");
    } finally {
      await router.close();
    }
  });

  test("per-call credentials and unknown groups are refused", async () => {
    const router = new Router({
      model_list: [
        {
          model_name: "embedder",
          litellm_params: {
            model: "openai/text-embedding-3-small",
            api_key: OPENAI_KEY,
            api_base: `${fake.url}/v1`,
          },
        },
      ],
    });
    try {
      await assert.rejects(
        router.embedding({ model: "embedder", input: "x", api_base: "http://elsewhere" }),
        (error: unknown) => error instanceof BadRequestError && error.param === "api_base",
      );
      await assert.rejects(
        router.embedding({ model: "not-a-group", input: "x" }),
        (error: unknown) => error instanceof NotFoundError,
      );
    } finally {
      await router.close();
    }
  });
});
