import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import { AzureStreamDecoder } from "../../../src/providers/azure/azure-stream-decoder.js";
import { azureAdapter, buildAzureRequest } from "../../../src/providers/azure/index.js";
import { collect, decodeAll, onlyChoice } from "../support/collect-events.js";
import { readCorpusLines, SPLIT_SEEDS } from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";
import { parseSse, sseBytes } from "../support/framing.js";

const request: ChatRequest = { model: "azure/gpt-5-nano", messages: [{ role: "user", content: "hi" }] };

describe("azure request", () => {
  it("deployment URL with api-version, api-key header, OpenAI body with usage requested", () => {
    const deployment = makeDeployment("azure", "my-gpt5", {
      apiBase: "https://res.openai.azure.com/",
      apiVersion: "2024-10-21",
      apiKey: "az-key",
    });
    const upstream = buildAzureRequest(request, makeContext(deployment, true), {});
    assert.equal(
      upstream.url,
      "https://res.openai.azure.com/openai/deployments/my-gpt5/chat/completions?api-version=2024-10-21",
    );
    assert.equal(upstream.headers["api-key"], "az-key");
    assert.equal(upstream.headers.authorization, undefined);
    assert.deepEqual(JSON.parse(upstream.body as string), {
      model: "my-gpt5",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("v1 surface, Entra ID token, environment fallbacks", () => {
    const deployment = makeDeployment("azure", "my-gpt5", { extra: { azure_ad_token: "entra-token" } });
    const upstream = buildAzureRequest(request, makeContext(deployment), {
      AZURE_API_BASE: "https://res.openai.azure.com/openai/v1",
    });
    assert.equal(upstream.url, "https://res.openai.azure.com/openai/v1/chat/completions");
    assert.equal(upstream.headers.authorization, "Bearer entra-token");
    const fromEnv = buildAzureRequest(request, makeContext(makeDeployment("azure", "d")), {
      AZURE_API_BASE: "https://r.openai.azure.com",
      AZURE_API_KEY: "env-key",
      AZURE_API_VERSION: "2025-01-01-preview",
    });
    assert.equal(
      fromEnv.url,
      "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2025-01-01-preview",
    );
    assert.equal(fromEnv.headers["api-key"], "env-key");
  });

  it("fails clearly without a base or credentials, and rejects top_k", () => {
    assert.throws(
      () => buildAzureRequest(request, makeContext(makeDeployment("azure", "d", { apiKey: "k" })), {}),
      (error: unknown) => error instanceof GatewayError && error.reason === "missing_api_base",
    );
    assert.throws(
      () =>
        buildAzureRequest(request, makeContext(makeDeployment("azure", "d", { apiBase: "https://r" })), {}),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_auth",
    );
    assert.throws(
      () =>
        buildAzureRequest(
          { ...request, topK: 3 },
          makeContext(makeDeployment("azure", "d", { apiBase: "https://r", apiKey: "k" })),
          {},
        ),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "unsupported_parameter" && error.param === "top_k",
    );
  });
});

describe("azure stream", () => {
  it("skips the prompt_filter_results preamble; response-start comes from the first real chunk", () => {
    const bytes = sseBytes(readCorpusLines("azure", "chat-stream-content-filter.chunks.jsonl"), {
      done: true,
    });
    for (const seed of [undefined, ...SPLIT_SEEDS]) {
      const decoder = new AzureStreamDecoder();
      const messages = parseSse(bytes, seed);
      const batches = messages.map((message) => decoder.decode(message));
      assert.deepEqual(batches[0], [], "the preamble chunk yields nothing");
      const result = collect([...batches.filter((batch) => batch.length > 0), decoder.end()]);
      const start = result.events[0];
      assert.ok(start?.type === "response-start");
      assert.equal(start.id, "chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt");
      assert.equal(start.model, "gpt-5-nano-2025-08-07");
      assert.equal(onlyChoice(result).finish, "stop");
      assert.ok(onlyChoice(result).text.length > 0);
      assert.equal(result.usage?.reasoningTokens, 64);
      assert.equal(result.usage?.completionTokens, 78);
      assert.equal(decoder.done, true);
    }
  });

  it("content filter errors map to content_policy", () => {
    const body = JSON.stringify({
      error: {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: null,
        param: "prompt",
        code: "content_filter",
        status: 400,
        innererror: {
          code: "ResponsibleAIPolicyViolation",
          content_filter_result: { hate: { filtered: true, severity: "high" } },
        },
      },
    });
    const error = azureAdapter.parseError(400, body, {});
    assert.equal(error.kind, "content_policy");
    assert.equal(
      azureAdapter.parseError(
        401,
        '{"error":{"code":"401","message":"Access denied due to invalid subscription key"}}',
        {},
      ).kind,
      "upstream_auth",
    );
    assert.equal(
      azureAdapter.parseError(429, '{"error":{"code":"429","message":"Rate limit"}}', { "retry-after": "2" })
        .retryAfterMs,
      2000,
    );
  });

  it("decodes a finish_reason content_filter completion", () => {
    const decoder = new AzureStreamDecoder();
    const batches = decodeAll(decoder, [
      { data: '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}' },
      {
        data: '{"id":"c1","model":"gpt-4o","created":1,"choices":[{"index":0,"delta":{"content":"Partial"}}]}',
      },
      {
        data: '{"id":"c1","model":"gpt-4o","created":1,"choices":[{"index":0,"delta":{},"finish_reason":"content_filter","content_filter_results":{"violence":{"filtered":true}}}]}',
      },
      { data: "[DONE]" },
    ]);
    assert.equal(onlyChoice(collect(batches)).finish, "content_filter");
  });
});
