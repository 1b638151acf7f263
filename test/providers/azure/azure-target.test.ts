import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { azureEmbeddingsTarget } from "../../../src/providers/azure/azure-embeddings.js";
import { azureTarget } from "../../../src/providers/azure/azure-target.js";
import { buildAzureRequest } from "../../../src/providers/azure/index.js";

function deployment(model: string, params: Partial<Deployment["params"]> = {}): Deployment {
  return {
    id: "azure#1",
    modelName: "m",
    provider: "azure",
    model,
    params: { apiBase: "https://res.openai.azure.com/", apiKey: "k", extra: {}, ...params },
    info: { extra: {} },
  };
}

describe("azureTarget: one URL and credential resolver for chat and embeddings", () => {
  it("chat and embeddings share the surface, version and auth", () => {
    const d = deployment("gpt-4o-dep", { apiVersion: "2024-10-21" });
    const chat = buildAzureRequest(
      { model: "m", messages: [{ role: "user", content: "hi" }] },
      { deployment: d, stream: false, requestId: "r" },
      {},
    );
    const embed = azureEmbeddingsTarget(d, {});
    assert.equal(
      chat.url,
      "https://res.openai.azure.com/openai/deployments/gpt-4o-dep/chat/completions?api-version=2024-10-21",
    );
    assert.equal(
      embed.url,
      "https://res.openai.azure.com/openai/deployments/gpt-4o-dep/embeddings?api-version=2024-10-21",
    );
    assert.equal(chat.headers["api-key"], "k");
    assert.equal(embed.headers["api-key"], "k");
  });

  it("the v1 surface, and an Entra ID token from the environment when no key is set", () => {
    const d = deployment("dep", { apiBase: "https://res.openai.azure.com/openai/v1", apiKey: undefined });
    const target = azureTarget(d, "embeddings", { AZURE_AD_TOKEN: "entra" });
    assert.equal(target.url, "https://res.openai.azure.com/openai/v1/embeddings");
    assert.deepEqual(target.auth, { authorization: "Bearer entra" });
  });

  it("refuses a deployment name that would leave its path segment, for embeddings as for chat", () => {
    for (const model of ["..", "../../admin", "a/b"]) {
      assert.throws(() => azureTarget(deployment(model), "embeddings", {}), GatewayError, model);
      assert.throws(() => azureTarget(deployment(model), "chat/completions", {}), GatewayError, model);
    }
  });

  it("names the missing setting, never a secret", () => {
    assert.throws(
      () => azureTarget(deployment("dep", { apiBase: undefined }), "embeddings", {}),
      (error: unknown) => error instanceof GatewayError && error.reason === "missing_api_base",
    );
    assert.throws(
      () => azureTarget(deployment("dep", { apiKey: undefined }), "chat/completions", {}),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "upstream_auth" &&
        error.reason === "missing_credentials",
    );
  });
});
