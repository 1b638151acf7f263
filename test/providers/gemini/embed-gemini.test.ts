import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { geminiProvider } from "../../../src/providers/gemini/index.js";
import { createVertexProvider } from "../../../src/providers/vertex/index.js";
import { readJsonFixture, readRecording, testDeployment } from "../../helpers/provider-fixtures.js";
import { buildEmbedCall, cassette, parseEmbedAnswer, texts } from "../support/embed-fixtures.js";

describe("Gemini batchEmbedContents", () => {
  it("gemini-embedding-001 with dimensions: the recorded request, the key in a header, not the URL", async () => {
    const recorded = cassette("gemini/cassette-batch-embed-contents-001.yaml");
    const deployment = testDeployment("gemini", "gemini-embedding-001");
    const call = await buildEmbedCall(geminiProvider, deployment, {
      model: "x",
      input: texts("Some text goes here"),
      dimensions: 768,
    });
    assert.deepEqual(call.body, recorded.request);
    assert.equal(
      call.url,
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents",
    );
    assert.equal(call.headers["x-goog-api-key"], "test-key-not-secret");
    assert.ok(!call.url.includes("test-key"));
  });

  it("two texts on gemini-embedding-2: model repeated in every entry (the recorded request)", async () => {
    const recorded = cassette("gemini/cassette-batch-embed-contents-usage.yaml");
    const call = await buildEmbedCall(geminiProvider, testDeployment("gemini", "models/gemini-embedding-2"), {
      model: "x",
      input: texts("First text", "Second text"),
      dimensions: 768,
    });
    assert.deepEqual(call.body, recorded.request);
  });

  it("task_type from provider options reaches every entry (cassette-batch-embed-contents-task-type)", async () => {
    const recorded = cassette("gemini/cassette-batch-embed-contents-task-type.yaml");
    const call = await buildEmbedCall(
      geminiProvider,
      testDeployment("gemini", "gemini-embedding-2-preview"),
      {
        model: "x",
        input: texts("Hello, world!"),
        dimensions: 768,
        providerOptions: { gemini: { task_type: "retrieval_query" } },
      },
    );
    assert.deepEqual(call.body, recorded.request);
  });

  it("an unknown task type is a 400 naming provider_options.task_type", async () => {
    await assert.rejects(
      buildEmbedCall(geminiProvider, testDeployment("gemini", "gemini-embedding-001"), {
        model: "x",
        input: texts("a"),
        providerOptions: { task_type: "SUMMARISE" },
      }),
      (error: unknown) => error instanceof GatewayError && error.param === "provider_options.task_type",
    );
  });

  it("responses: 001 reports no usage (undefined → estimated later); 2 reports promptTokenCount", () => {
    const deployment = testDeployment("gemini", "gemini-embedding-001");
    const none = parseEmbedAnswer(
      geminiProvider,
      deployment,
      readJsonFixture("gemini/batch-embed-contents-001.json"),
      1,
    );
    assert.equal(none.promptTokens, undefined);
    assert.equal(none.vectors[0]?.length, 768);
    const usage = parseEmbedAnswer(
      geminiProvider,
      deployment,
      readJsonFixture("gemini/batch-embed-contents-usage.json"),
      2,
    );
    assert.equal(usage.promptTokens, 4);
    assert.equal(usage.vectors.length, 2);
  });

  it("the 100-per-batch limit is declared, and the recorded 101+ error maps to a 400-class error", () => {
    assert.equal(
      geminiProvider.kind === "http" &&
        geminiProvider.embeddings?.maxInputsPerCall(testDeployment("gemini", "m")),
      100,
    );
    const error =
      geminiProvider.kind === "http"
        ? geminiProvider.parseError(
            400,
            JSON.stringify(readJsonFixture("errors/gemini-400-batch-embed-limit.json")),
            {},
          )
        : undefined;
    assert.equal(error?.kind, "upstream_bad_request");
  });
});

describe("Vertex AI embeddings", () => {
  const vertex = createVertexProvider();

  it(":predict for text-embedding-004: the recorded request and its answer (statistics.token_count)", async () => {
    const [interaction] = readRecording("gemini/recording-vertex-predict-embedding.json");
    assert.ok(interaction !== undefined);
    const deployment = testDeployment("vertex_ai", "text-embedding-004");
    const call = await buildEmbedCall(vertex, deployment, { model: "x", input: texts("Hello world") });
    assert.deepEqual(call.body, interaction.request.bodySegments[0]);
    assert.match(call.url, /\/publishers\/google\/models\/text-embedding-004:predict$/);
    const result = parseEmbedAnswer(vertex, deployment, interaction.response.bodySegments[0], 1);
    assert.equal(result.promptTokens, 2);
    assert.equal(result.vectors[0]?.length, 768);
    assert.equal(vertex.kind === "http" && vertex.embeddings?.maxInputsPerCall(deployment), 250);
  });

  it("dimensions and task_type on :predict go to parameters and instances[].task_type", async () => {
    const call = await buildEmbedCall(vertex, testDeployment("vertex_ai", "text-embedding-005"), {
      model: "x",
      input: texts("q"),
      dimensions: 256,
      providerOptions: { vertex_ai: { task_type: "RETRIEVAL_QUERY" } },
    });
    assert.deepEqual(call.body, {
      instances: [{ content: "q", task_type: "RETRIEVAL_QUERY" }],
      parameters: { outputDimensionality: 256 },
    });
  });

  it("gemini-embedding-2 uses :embedContent, one value a call (the recorded request and usage)", async () => {
    const recorded = cassette("gemini/cassette-vertex-embed-content-task-prefix.yaml");
    const deployment = testDeployment("vertex_ai", "gemini-embedding-2");
    const call = await buildEmbedCall(vertex, deployment, {
      model: "x",
      input: texts("task: question answering | query: Hello, world!"),
    });
    assert.deepEqual(call.body, recorded.request);
    assert.match(call.url, /gemini-embedding-2:embedContent$/);
    assert.equal(vertex.kind === "http" && vertex.embeddings?.maxInputsPerCall(deployment), 1);
    const result = parseEmbedAnswer(vertex, deployment, recorded.response, 1);
    assert.equal(result.promptTokens, 11);
    assert.equal(result.vectors[0]?.length, 3072);
  });
});
