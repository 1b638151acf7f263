import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import type { Authenticator } from "../../../src/auth/authenticator.js";
import { authenticationFailed } from "../../../src/auth/authenticator.js";
import { estimateTokens } from "../../../src/core/estimate/token-estimate.js";
import { MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { readCassette } from "../../helpers/provider-fixtures.js";
import { CANARIES, embeddingDeployments, PROVIDER_MODELS } from "./embedding-deployments.js";
import {
  type FakeEmbeddingsUpstream,
  markedVector,
  startFakeEmbeddingsUpstream,
} from "./fake-embeddings-upstream.js";

const LIMITED_KEY = "sk-limited-embed-key-00000000000";

describe("POST /v1/embeddings through the official openai SDK", () => {
  let upstream: FakeEmbeddingsUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let client: OpenAI;

  before(async () => {
    upstream = await startFakeEmbeddingsUpstream();
    const authenticator: Authenticator = {
      async authenticate(token) {
        if (token === MASTER_KEY) return { keyId: "master", role: "admin", display: "master" };
        if (token === LIMITED_KEY)
          return { keyId: "k1", role: "user", display: "sk-lim…0000", allowedModels: ["emb-openai"] };
        throw authenticationFailed();
      },
    };
    gateway = await startTestGateway(embeddingDeployments(upstream.url), {
      authenticator,
      maxBodyBytes: 2 * 1024 * 1024,
    });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  after(async () => {
    await gateway.close(1_000);
    await upstream.close();
  });

  for (const { model, family } of PROVIDER_MODELS) {
    it(`${model}: the SDK default (base64) decodes to the upstream's vectors, in order`, async () => {
      const result = await client.embeddings.create({ model, input: ["alpha 0", "beta 1"] });
      assert.equal(result.object, "list");
      assert.equal(result.data.length, 2);
      for (const [index, item] of result.data.entries()) {
        assert.equal(item.index, index);
        const expected = markedVector(family, index);
        assert.equal(item.embedding.length, expected.length);
        assert.equal(item.embedding[0], index);
        // base64 is float32: equal to the upstream's value rounded to float32.
        assert.equal(item.embedding[1], Math.fround(expected[1] as number));
      }
      assert.ok(result.usage.prompt_tokens > 0 && result.usage.total_tokens === result.usage.prompt_tokens);
    });

    it(`${model}: encoding_format float returns the upstream's numbers`, async () => {
      const result = await client.embeddings.create({ model, input: "only 0", encoding_format: "float" });
      assert.equal(result.data.length, 1);
      assert.deepEqual(result.data[0]?.embedding, markedVector(family, 0));
    });
  }

  it("the base64 on the wire is little-endian float32 (raw HTTP, no SDK)", async () => {
    const response = await fetch(`${gateway.url}/embeddings`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "emb-mistral", input: "x 0", encoding_format: "base64" }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]?.embedding ?? "", "base64");
    const expected = markedVector("mistral", 0);
    assert.equal(bytes.length, expected.length * 4);
    assert.equal(bytes.readFloatLE(4), Math.fround(expected[1] as number));
  });

  it("dimensions and user reach OpenAI; the upstream key goes in the header", async () => {
    const before = upstream.calls.length;
    await client.embeddings.create({ model: "emb-openai", input: "a", dimensions: 64, user: "end-user-7" });
    const call = upstream.calls[before];
    assert.deepEqual(call?.body, {
      model: "text-embedding-3-small",
      input: ["a"],
      encoding_format: "base64",
      dimensions: 64,
      user: "end-user-7",
    });
    assert.equal(call?.headers.authorization, `Bearer ${CANARIES.openai}`);
  });

  it("token-id inputs (int[] and int[][]) reach OpenAI; text-only providers answer 400 naming input", async () => {
    const before = upstream.calls.length;
    await client.embeddings.create({ model: "emb-openai", input: [1, 2, 3], encoding_format: "float" });
    assert.deepEqual(upstream.calls[before]?.body["input"], [[1, 2, 3]]);
    await client.embeddings.create({ model: "emb-openai", input: [[1], [2, 3]], encoding_format: "float" });
    await assert.rejects(
      client.embeddings.create({ model: "emb-gemini", input: [[1, 2]] }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && (error.error as { param?: string }).param === "input",
    );
  });

  it("splitting: 250 inputs to Gemini are 3 upstream calls (100, 100, 50), order kept, usage summed", async () => {
    const before = upstream.calls.length;
    const input = Array.from({ length: 250 }, (_, index) => `text ${index}`);
    const result = await client.embeddings.create({ model: "emb-gemini-2", input, encoding_format: "float" });
    const calls = upstream.calls.slice(before);
    assert.deepEqual(
      calls.map((call) => (call.body["requests"] as unknown[]).length),
      [100, 100, 50],
    );
    assert.deepEqual(
      result.data.map((item) => item.embedding[0]),
      input.map((_, index) => index),
    );
    // The fake reports 2 tokens an input (gemini-embedding-2 reports usage).
    assert.equal(result.usage.prompt_tokens, 500);
  });

  it("splitting: 3 inputs to Titan are 3 calls of one inputText each, order kept, usage summed", async () => {
    const before = upstream.calls.length;
    const result = await client.embeddings.create({
      model: "emb-titan",
      input: ["t 0", "t 1", "t 2"],
      encoding_format: "float",
    });
    const calls = upstream.calls.slice(before);
    assert.equal(calls.length, 3);
    assert.deepEqual(calls.map((call) => call.body["inputText"]).sort(), ["t 0", "t 1", "t 2"]);
    assert.deepEqual(
      result.data.map((item) => item.embedding[0]),
      [0, 1, 2],
    );
    assert.equal(result.usage.prompt_tokens, 9);
  });

  it("no upstream usage (gemini-embedding-001): estimated, flagged in a header", async () => {
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "emb-gemini", input: ["hello world 0"] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-switchboard-usage-estimated"), "true");
    const body = (await response.json()) as { usage: { prompt_tokens: number } };
    // Counted with the gateway's tokenizer (o200k), since the provider reported nothing.
    assert.equal(body.usage.prompt_tokens, await estimateTokens("hello world 0"));
  });

  it("an upstream 5xx is retried on the same group and the answer still arrives", async () => {
    upstream.faults.push({ status: 503, body: JSON.stringify({ error: { message: "overloaded" } }) });
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: gateway.headers,
      body: JSON.stringify({ model: "emb-openai", input: "retry 0" }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-switchboard-attempts"), "2");
  });
});

describe("POST /v1/embeddings: abuse", () => {
  let upstream: FakeEmbeddingsUpstream;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  before(async () => {
    upstream = await startFakeEmbeddingsUpstream();
    const authenticator: Authenticator = {
      async authenticate(token) {
        if (token === MASTER_KEY) return { keyId: "master", role: "admin", display: "master" };
        if (token === LIMITED_KEY)
          return { keyId: "k1", role: "user", display: "sk-lim…0000", allowedModels: ["emb-openai"] };
        throw authenticationFailed();
      },
    };
    gateway = await startTestGateway(embeddingDeployments(upstream.url), {
      authenticator,
      maxBodyBytes: 2 * 1024 * 1024,
      router: { retryBackoffMs: 1, disableCooldowns: true, numRetries: 0 },
    });
  });

  after(async () => {
    await gateway.close(1_000);
    await upstream.close();
  });

  async function post(
    body: unknown,
    key = MASTER_KEY,
  ): Promise<{
    status: number;
    error: { message: string; type: string; param: string | null; code: string | null };
    text: string;
  }> {
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, error: (JSON.parse(text) as { error: never }).error, text };
  }

  const badInputs: [string, unknown, string][] = [
    ["missing input", { model: "emb-openai" }, "input"],
    ["an empty list", { model: "emb-openai", input: [] }, "input"],
    ["an empty string", { model: "emb-openai", input: [""] }, "input[0]"],
    ["a number", { model: "emb-openai", input: 42 }, "input"],
    ["mixed strings and numbers", { model: "emb-openai", input: ["a", 1] }, "input[1]"],
    ["an object", { model: "emb-openai", input: [{ text: "a" }] }, "input[0]"],
    ["a negative token id", { model: "emb-openai", input: [-1] }, "input[0]"],
    ["a fractional token id", { model: "emb-openai", input: [[1.5]] }, "input[0]"],
    ["an unknown field", { model: "emb-openai", input: "a", temperature: 1 }, "temperature"],
    [
      "a bad encoding_format",
      { model: "emb-openai", input: "a", encoding_format: "int8" },
      "encoding_format",
    ],
    ["zero dimensions", { model: "emb-openai", input: "a", dimensions: 0 }, "dimensions"],
    ["missing model", { input: "a" }, "model"],
    [
      "an api_base in provider_options",
      { model: "emb-openai", input: "a", provider_options: { api_base: "http://evil" } },
      "provider_options.api_base",
    ],
    [
      "an option the provider does not read",
      { model: "emb-cohere", input: "a", provider_options: { colour: "red" } },
      "provider_options.colour",
    ],
  ];
  for (const [name, body, param] of badInputs) {
    it(`${name} → 400 naming ${param}`, async () => {
      const answer = await post(body);
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.error.param, param);
    });
  }

  it(`more than 2,048 inputs → 400 naming input (the documented cap), before any upstream call`, async () => {
    const before = upstream.calls.length;
    const answer = await post({ model: "emb-openai", input: Array.from({ length: 2049 }, () => "a") });
    assert.equal(answer.status, 400);
    assert.equal(answer.error.param, "input");
    assert.match(answer.error.message, /2048/);
    assert.equal(upstream.calls.length, before);
  });

  it("malformed JSON → 400", async () => {
    assert.equal((await post("{not json")).status, 400);
  });

  it("an unknown model → 404 model_not_found; a chat-only model → 400 naming model", async () => {
    const unknown = await post({ model: "nope", input: "a" });
    assert.equal(unknown.status, 404);
    const chatOnly = await post({ model: "chat-only", input: "a" });
    assert.equal(chatOnly.status, 400);
    assert.equal(chatOnly.error.param, "model");
    const mock = await post({ model: "mock-gpt", input: "a" });
    assert.equal(mock.status, 400);
  });

  it("a key limited to another model → 403 naming model, no upstream call", async () => {
    const before = upstream.calls.length;
    const answer = await post({ model: "emb-cohere", input: "a" }, LIMITED_KEY);
    assert.equal(answer.status, 403);
    assert.equal(answer.error.param, "model");
    assert.equal(upstream.calls.length, before);
    assert.equal((await post({ model: "emb-openai", input: "a" }, LIMITED_KEY)).status, 200);
  });

  it("no key → 401; a wrong key → 401", async () => {
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "emb-openai", input: "a" }),
    });
    assert.equal(response.status, 401);
    assert.equal((await post({ model: "emb-openai", input: "a" }, "sk-wrong")).status, 401);
  });

  it("upstream errors map to the OpenAI envelope: recorded OpenAI 404, Cohere 404, Voyage 400", async () => {
    const openai = readCassette("errors/openai-404-embeddings-model-not-found.cassette.yaml")[0]?.response
      .parsed_body;
    upstream.faults.push({ status: 404, body: JSON.stringify(openai) });
    const first = await post({ model: "emb-openai", input: "a" });
    assert.equal(first.status, 404);
    assert.equal(first.error.code, "model_not_found");
    const cohere = readCassette("errors/cohere-404-embed-model-not-found.cassette.yaml")[0]?.response
      .parsed_body;
    upstream.faults.push({ status: 404, body: JSON.stringify(cohere) });
    assert.equal((await post({ model: "emb-cohere", input: "a" })).status, 404);
    const voyage = readCassette("errors/voyage-400-embed-unknown-model.cassette.yaml")[0]?.response
      .parsed_body;
    upstream.faults.push({ status: 400, body: JSON.stringify(voyage) });
    const third = await post({ model: "emb-voyage", input: "a" });
    assert.equal(third.status, 400);
    assert.match(third.error.message, /not supported/);
  });

  it("an upstream 401 is never the caller's 401, and no secret is echoed", async () => {
    upstream.faults.push({
      status: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${CANARIES.openai}` } }),
    });
    const answer = await post({ model: "emb-openai", input: "a" });
    assert.equal(answer.status, 502);
    for (const secret of Object.values(CANARIES)) assert.ok(!answer.text.includes(secret), secret);
  });

  it("a Gemini batch-limit error body (recorded) maps to a 400-class answer", async () => {
    upstream.faults.push({
      status: 400,
      body: JSON.stringify({
        error: {
          code: 400,
          message: "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n",
          status: "INVALID_ARGUMENT",
        },
      }),
    });
    const answer = await post({ model: "emb-gemini", input: "a" });
    assert.equal(answer.status, 400);
  });

  it("an upstream that answers the wrong number of vectors is a 502, not a short list", async () => {
    upstream.faults.push({
      status: 200,
      body: JSON.stringify({ object: "list", data: [], usage: { prompt_tokens: 1, total_tokens: 1 } }),
    });
    const answer = await post({ model: "emb-openai", input: "a" });
    assert.equal(answer.status, 502);
  });
});
