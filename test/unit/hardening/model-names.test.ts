import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateModelName } from "../../../src/core/chat/validate-model-name.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { buildAzureRequest } from "../../../src/providers/azure/index.js";
import { buildBedrockRequest } from "../../../src/providers/bedrock/index.js";
import { geminiUrl } from "../../../src/providers/gemini/index.js";
import { modelPathSegment } from "../../../src/providers/shared/model-path-segment.js";
import { vertexUrl } from "../../../src/providers/vertex/vertex-url.js";
import { headerValue, routingHeaders } from "../../../src/rest/routing-headers.js";
import { makeContext, makeDeployment } from "../../providers/support/deployment.js";

const isBadRequest = (param: string) => (error: unknown) =>
  error instanceof GatewayError && error.kind === "invalid_request" && error.param === param;

describe("model names (GUARDS 8b): validated before routing", () => {
  it("accepts every shape real model names take", () => {
    for (const name of [
      "gpt-4o-mini",
      "openai/openai/gpt-4o-mini",
      "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
      "bedrock/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
      "ollama/llama3:8b",
      "azure/my-deploy",
      "vertex_ai/gemini-1.5-pro@001",
      "huggingface/org/model",
      "ft:gpt-4o-mini-2024-07-18:org:custom:abc123",
      "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
      "a".repeat(256),
    ]) {
      assert.doesNotThrow(() => validateModelName(name), name);
    }
  });

  it("refuses what breaks headers, logs or URL paths, naming the field", () => {
    for (const name of [
      "",
      "gpt-4o\r\nx-injected: 1",
      "gpt-4o\n",
      "gpt\u0000",
      "gpt 4o",
      "gpt\t4o",
      "gpt-4o-ü",
      "модель",
      "gpt-\u2028",
      "😀",
      "a".repeat(257),
      "az/..",
      "az/.",
      "../x",
      "az/a/../b",
      "az//b",
      "az/",
      "/az",
    ]) {
      assert.throws(
        () => validateModelName(name, "request.model"),
        isBadRequest("request.model"),
        JSON.stringify(name),
      );
    }
  });
});

describe("a model name never changes an upstream URL path (GUARDS 8b)", () => {
  it("refuses dot segments and slashes where the provider puts the name in the path", () => {
    for (const model of [".", "..", "a/b", "../chat"]) {
      assert.throws(() => modelPathSegment(model, "azure"), isBadRequest("model"), model);
    }
    for (const model of ["..", "a/../b", "a//b", "./x"]) {
      assert.throws(
        () => modelPathSegment(model, "bedrock", { allowSlash: true }),
        isBadRequest("model"),
        model,
      );
    }
  });

  it("encodes everything else into one segment", () => {
    assert.equal(modelPathSegment("%2e%2e", "azure"), "%252e%252e");
    assert.equal(modelPathSegment("a?x=1#f", "azure"), "a%3Fx%3D1%23f");
    assert.equal(
      modelPathSegment("arn:aws:bedrock:us-east-1:1:inference-profile/us.x", "bedrock", { allowSlash: true }),
      "arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x",
    );
  });

  it("Azure: a wildcard deployment carrying '..' never reaches /openai/chat/completions", () => {
    const deployment = makeDeployment("azure", "..", { apiBase: "https://r.example", apiKey: "k" });
    assert.throws(
      () => buildAzureRequest({ model: "az/..", messages: [] }, makeContext(deployment), {}),
      isBadRequest("model"),
    );
    const encoded = buildAzureRequest(
      { model: "az/x", messages: [{ role: "user", content: "x" }] },
      makeContext(makeDeployment("azure", "%2e%2e", { apiBase: "https://r.example", apiKey: "k" })),
      {},
    );
    assert.equal(new URL(encoded.url).pathname, "/openai/deployments/%252e%252e/chat/completions");
  });

  it("Gemini, Vertex and Bedrock keep the model inside its segment", async () => {
    const gemini = (model: string) => makeDeployment("gemini", model, { apiBase: "https://g.example" });
    assert.throws(() => geminiUrl(gemini(".."), false), isBadRequest("model"));
    assert.throws(() => geminiUrl(gemini("tunedModels/x"), false), isBadRequest("model"));
    assert.equal(
      new URL(geminiUrl(gemini("gemini-2.5-flash"), false)).pathname,
      "/v1beta/models/gemini-2.5-flash:generateContent",
    );
    const vertex = (model: string) => makeDeployment("vertex_ai", model, { apiBase: "https://v.example" });
    assert.throws(() => vertexUrl(vertex("../../x"), "p", false), isBadRequest("model"));
    assert.match(
      vertexUrl(vertex("gemini-1.5-pro@001"), "p", false),
      /\/models\/gemini-1\.5-pro%40001:generateContent$/,
    );
    const bedrock = (model: string) =>
      makeDeployment("bedrock", model, { apiBase: "https://b.example", apiKey: "k" });
    await assert.rejects(
      buildBedrockRequest(
        { model: "m", messages: [{ role: "user", content: "x" }] },
        makeContext(bedrock("a/../../x")),
        {},
      ),
      isBadRequest("model"),
    );
    const ok = await buildBedrockRequest(
      { model: "m", messages: [{ role: "user", content: "x" }] },
      makeContext(bedrock("anthropic.claude-3-5-sonnet-20240620-v1:0")),
      {},
    );
    assert.equal(new URL(ok.url).pathname, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  });
});

describe("names in response headers are never raw", () => {
  it("percent-encodes anything outside printable ASCII, keeps the rest", () => {
    assert.equal(headerValue("azure/my-deploy"), "azure/my-deploy");
    assert.equal(headerValue("a\r\nb"), "a%0D%0Ab");
    assert.equal(headerValue("модель"), encodeURIComponent("модель"));
    const headers = routingHeaders(
      {
        modelGroup: "grp\r\nx-evil: 1",
        deployment: "d\u0000",
        provider: "openai",
        model: "m\u2028",
        attempts: [{ deployment: "d\n", provider: "openai", model: "m", outcome: "ok", latencyMs: 1 }],
      } as unknown as Parameters<typeof routingHeaders>[0],
      "req-1",
    );
    for (const value of Object.values(headers)) assert.match(value, /^[\x20-\x7e]*$/);
  });
});
