import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { encodeVectorBase64 } from "../../../src/core/embeddings/vector-encoding.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { azureAdapter } from "../../../src/providers/azure/index.js";
import { openaiProvider } from "../../../src/providers/openai/index.js";
import { getProvider } from "../../../src/providers/registry.js";
import { readFixture, readJsonFixture, testDeployment } from "../../helpers/provider-fixtures.js";
import { buildEmbedCall, cassette, norm, parseEmbedAnswer, texts } from "../support/embed-fixtures.js";

const deployment = testDeployment("openai", "text-embedding-3-small");

describe("OpenAI embeddings: requests match the recordings", () => {
  it("base64 with dimensions (cassette-embeddings-base64-dimensions)", async () => {
    const recorded = cassette("openai/cassette-embeddings-base64-dimensions.yaml");
    const call = await buildEmbedCall(openaiProvider, deployment, {
      model: "x",
      input: texts("Hello, world!"),
      dimensions: 128,
      encodingFormat: "base64",
    });
    assert.deepEqual(call.body, recorded.request);
    assert.equal(call.url, "https://api.openai.com/v1/embeddings");
    assert.equal(call.headers["authorization"], "Bearer test-key-not-secret");
  });

  it("a base64 batch (cassette-embeddings-base64-batch)", async () => {
    const recorded = cassette("openai/cassette-embeddings-base64-batch.yaml");
    const call = await buildEmbedCall(openaiProvider, deployment, {
      model: "x",
      input: texts("hello", "world"),
      encodingFormat: "base64",
    });
    assert.deepEqual(call.body, recorded.request);
  });

  it("float without encoding_format (vcr-embeddings-float: a bare string is sent as a one-item list)", async () => {
    const vcr = parseYaml(readFixture("openai/vcr-embeddings-float.yml")) as {
      http_interactions: { request: { body: { string: string } } }[];
    };
    const recorded = {
      request: JSON.parse(vcr.http_interactions[0]?.request.body.string ?? "{}") as Record<string, unknown>,
    };
    const ada = testDeployment("openai", "text-embedding-ada-002");
    const call = await buildEmbedCall(openaiProvider, ada, {
      model: "x",
      input: texts(String(recorded.request["input"])),
    });
    // Deliberate difference: `input` is always a list (the same upstream request for one text).
    assert.deepEqual(call.body, { ...recorded.request, input: [recorded.request["input"]] });
  });

  it("token-id inputs and user reach OpenAI", async () => {
    const call = await buildEmbedCall(openaiProvider, deployment, {
      model: "x",
      input: { kind: "tokens", tokens: [[1, 2, 3], [4]] },
      user: "u-1",
    });
    assert.deepEqual(call.body, { model: "text-embedding-3-small", input: [[1, 2, 3], [4]], user: "u-1" });
  });
});

describe("OpenAI embeddings: responses", () => {
  it("base64 vectors decode to unit float32 vectors and re-encode byte for byte", () => {
    const recorded = cassette("openai/cassette-embeddings-base64-dimensions.yaml");
    const result = parseEmbedAnswer(openaiProvider, deployment, recorded.response, 1);
    const vector = result.vectors[0] as Float32Array;
    assert.ok(vector instanceof Float32Array);
    assert.equal(vector.length, 128);
    assert.ok(Math.abs(norm(vector) - 1) < 1e-3);
    const sent = (recorded.response as { data: { embedding: string }[] }).data[0]?.embedding;
    assert.equal(encodeVectorBase64(vector), sent);
    assert.equal(result.promptTokens, 4);
    assert.equal(result.model, "text-embedding-3-small");
  });

  it("a two-vector batch keeps order and usage", () => {
    const recorded = cassette("openai/cassette-embeddings-base64-batch.yaml");
    const result = parseEmbedAnswer(openaiProvider, deployment, recorded.response, 2);
    assert.equal(result.vectors.length, 2);
    assert.equal(result.vectors[0]?.length, 1536);
    assert.equal(result.promptTokens, 2);
  });

  it("float vectors are kept as sent (the same digits)", () => {
    const body = readJsonFixture("openai/embeddings-float.json") as { data: { embedding: number[] }[] };
    const result = parseEmbedAnswer(openaiProvider, deployment, body, 1);
    assert.deepEqual(result.vectors[0], body.data[0]?.embedding);
  });

  it("out-of-order indexes are placed by index; a wrong count is upstream_protocol", () => {
    const body = {
      data: [
        { index: 1, embedding: [2] },
        { index: 0, embedding: [1] },
      ],
      usage: { prompt_tokens: 2 },
    };
    assert.deepEqual(parseEmbedAnswer(openaiProvider, deployment, body, 2).vectors, [[1], [2]]);
    assert.throws(
      () => parseEmbedAnswer(openaiProvider, deployment, body, 3),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_protocol",
    );
  });

  it("the recorded 404 model_not_found maps to model_not_found", () => {
    const recorded = cassette("errors/openai-404-embeddings-model-not-found.cassette.yaml");
    const error =
      openaiProvider.kind === "http"
        ? openaiProvider.parseError(404, JSON.stringify(recorded.response), {})
        : undefined;
    assert.equal(error?.kind, "model_not_found");
  });

  it("the recorded 400 max_tokens_per_request stays a 400-class error", () => {
    const body = JSON.stringify(readJsonFixture("errors/openai-400-embeddings-max-tokens-per-request.json"));
    const error = openaiProvider.kind === "http" ? openaiProvider.parseError(400, body, {}) : undefined;
    assert.ok(error !== undefined);
    assert.match(error.kind, /bad_request|invalid_request|context_window/);
  });
});

describe("Azure and the OpenAI-compatible family", () => {
  it("Azure: deployment URL with api-version and the api-key header; base64 passes through", async () => {
    const azure = testDeployment("azure", "my-embedder", {
      params: {
        apiKey: "azure-key",
        apiBase: "https://res.openai.azure.com/",
        apiVersion: "2024-10-21",
        extra: {},
      },
    });
    const call = await buildEmbedCall(azureAdapter, azure, {
      model: "x",
      input: texts("a"),
      encodingFormat: "base64",
      dimensions: 256,
    });
    assert.equal(
      call.url,
      "https://res.openai.azure.com/openai/deployments/my-embedder/embeddings?api-version=2024-10-21",
    );
    assert.equal(call.headers["api-key"], "azure-key");
    assert.deepEqual(call.body, {
      model: "my-embedder",
      input: ["a"],
      encoding_format: "base64",
      dimensions: 256,
    });
  });

  it("vLLM (hosted_vllm): /embeddings at api_base, floats asked for, token ids accepted", async () => {
    const vllm = getProvider("hosted_vllm");
    assert.ok(vllm !== undefined && vllm.kind === "http" && vllm.embeddings?.acceptsTokens === true);
    const call = await buildEmbedCall(
      vllm,
      testDeployment("hosted_vllm", "BAAI/bge-m3", {
        params: { apiBase: "http://vllm:8000/v1/", extra: {} },
      }),
      { model: "x", input: texts("a"), encodingFormat: "base64" },
    );
    assert.equal(call.url, "http://vllm:8000/v1/embeddings");
    assert.deepEqual(call.body, { model: "BAAI/bge-m3", input: ["a"] });
  });

  it("families without an embeddings API declare none", () => {
    for (const id of ["groq", "deepseek", "xai", "perplexity", "cerebras", "openrouter"]) {
      const adapter = getProvider(id);
      assert.ok(adapter?.kind === "http" && adapter.embeddings === undefined, id);
    }
    for (const id of ["together_ai", "fireworks_ai", "deepinfra", "hosted_vllm", "lm_studio"]) {
      const adapter = getProvider(id);
      assert.ok(adapter?.kind === "http" && adapter.embeddings !== undefined, id);
    }
  });
});
