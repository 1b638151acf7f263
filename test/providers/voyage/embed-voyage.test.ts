import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mistralAdapter } from "../../../src/providers/mistral/index.js";
import { ollamaAdapter } from "../../../src/providers/ollama/index.js";
import { voyageProvider } from "../../../src/providers/voyage/index.js";
import { readJsonFixture, testDeployment } from "../../helpers/provider-fixtures.js";
import {
  buildEmbedCall,
  cassette,
  norm,
  parseEmbedAnswer,
  texts,
  withoutNulls,
} from "../support/embed-fixtures.js";

describe("Voyage embeddings", () => {
  it("base64 asked for as is, input_type: the recorded request; the answer decodes to a unit vector", async () => {
    const recorded = cassette("voyage/cassette-embeddings-base64.yaml");
    const deployment = testDeployment("voyage", "voyage-3.5");
    const call = await buildEmbedCall(voyageProvider, deployment, {
      model: "x",
      input: texts("Hello, world!"),
      encodingFormat: "base64",
      providerOptions: { input_type: "query", truncation: false },
    });
    // Normalisation: the recording's `output_dimension: null, output_dtype: null` are unset fields we omit.
    assert.deepEqual(call.body, withoutNulls(recorded.request));
    assert.equal(call.url, "https://api.voyageai.com/v1/embeddings");
    const result = parseEmbedAnswer(voyageProvider, deployment, recorded.response, 1);
    assert.equal(result.promptTokens, 3);
    assert.ok(Math.abs(norm(result.vectors[0] as Float32Array) - 1) < 1e-3);
  });

  it("the recorded 400 {detail} maps to a 400-class error carrying the detail", () => {
    const recorded = cassette("errors/voyage-400-embed-unknown-model.cassette.yaml");
    const error =
      voyageProvider.kind === "http"
        ? voyageProvider.parseError(400, JSON.stringify(recorded.response), {})
        : undefined;
    assert.equal(error?.kind, "upstream_bad_request");
    assert.match(error?.message ?? "", /nonexistent is not supported/);
  });

  it("declares no chat capability", () => {
    assert.deepEqual(voyageProvider.capabilities, []);
  });
});

describe("Mistral and Ollama embeddings", () => {
  it("Mistral: /v1/embeddings, the recorded answer (usage with extra null fields)", async () => {
    const deployment = testDeployment("mistral", "mistral-embed");
    const call = await buildEmbedCall(mistralAdapter, deployment, { model: "x", input: texts("a", "b") });
    assert.equal(call.url, "https://api.mistral.ai/v1/embeddings");
    assert.deepEqual(call.body, { model: "mistral-embed", input: ["a", "b"] });
    const result = parseEmbedAnswer(
      mistralAdapter,
      deployment,
      readJsonFixture("mistral/embeddings.json"),
      2,
    );
    assert.equal(result.promptTokens, 16);
    assert.equal(result.vectors.length, 2);
  });

  it("Ollama: /api/embed with the recorded request; prompt_eval_count when reported, else undefined", async () => {
    const single = readJsonFixture("ollama/embed.json") as {
      request: { model: string; input: string };
      response: unknown;
    };
    const deployment = testDeployment("ollama", "all-minilm", { params: { extra: {} } });
    const call = await buildEmbedCall(ollamaAdapter, deployment, {
      model: "x",
      input: texts(single.request.input),
    });
    assert.equal(call.url, "http://localhost:11434/api/embed");
    // Deliberate difference: `input` is always a list.
    assert.deepEqual(call.body, { ...single.request, input: [single.request.input] });
    assert.equal(parseEmbedAnswer(ollamaAdapter, deployment, single.response, 1).promptTokens, 8);
    const multiple = readJsonFixture("ollama/embed-multiple.json") as {
      request: Record<string, unknown>;
      response: unknown;
    };
    const two = await buildEmbedCall(ollamaAdapter, deployment, {
      model: "x",
      input: texts("Why is the sky blue?", "Why is the grass green?"),
    });
    assert.deepEqual(two.body, multiple.request);
    const parsed = parseEmbedAnswer(ollamaAdapter, deployment, multiple.response, 2);
    assert.equal(parsed.promptTokens, undefined);
    assert.equal(parsed.vectors.length, 2);
  });
});
