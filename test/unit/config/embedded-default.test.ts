import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../../../src/config/config-error.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { providerDeclarations } from "../../../src/providers/registry.js";
import { CWD } from "./helpers.js";

describe("the embedded default (no config file)", () => {
  test("without provider keys it serves only the mock models", async () => {
    const config = await loadConfig({ env: {}, cwd: CWD });
    assert.deepEqual(config.source, { kind: "embedded", discoveredProviders: [] });
    assert.deepEqual(
      config.deployments.map((d) => [d.modelName, d.provider, d.model]),
      [
        ["mock-gpt", "mock", "mock-gpt"],
        ["mock-echo", "mock", "mock-echo"],
        ["mock-slow-stream", "mock", "mock-slow-stream"],
        ["mock/*", "mock", "*"],
      ],
    );
    assert.equal(config.server.port, 4000);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.masterKey, undefined);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.redisUrl, undefined);
    assert.deepEqual(config.warnings, []);
  });

  test("each provider key in the environment adds a wildcard deployment for that provider", async () => {
    const env: NodeJS.ProcessEnv = {
      OPENAI_API_KEY: "sk-openai",
      OPENAI_BASE_URL: "http://127.0.0.1:9999/v1",
      ANTHROPIC_API_KEY: "sk-ant",
      TOGETHERAI_API_KEY: "tg",
      PERPLEXITYAI_API_KEY: "",
      AWS_ACCESS_KEY_ID: "AKIA",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "session",
      AWS_REGION: "eu-west-1",
      PORT: "5050",
      SWITCHBOARD_MASTER_KEY: "sk-master",
    };
    const config = await loadConfig({ env, cwd: CWD });
    assert.deepEqual(config.source, {
      kind: "embedded",
      // The registry's order (src/providers/registry.ts).
      discoveredProviders: ["openai", "anthropic", "bedrock", "together_ai"],
    });
    const wildcards = config.deployments.filter((d) => d.provider !== "mock");
    assert.deepEqual(
      wildcards.map((d) => [d.modelName, d.provider, d.model]),
      [
        ["openai/*", "openai", "*"],
        ["anthropic/*", "anthropic", "*"],
        ["bedrock/*", "bedrock", "*"],
        ["together_ai/*", "together_ai", "*"],
      ],
    );
    assert.deepEqual(wildcards[0]?.params, {
      apiKey: "sk-openai",
      apiBase: "http://127.0.0.1:9999/v1",
      extra: {},
    });
    assert.deepEqual(wildcards[1]?.params, { apiKey: "sk-ant", extra: {} });
    assert.deepEqual(wildcards[2]?.params.extra, {
      aws_access_key_id: "AKIA",
      aws_secret_access_key: "secret",
      aws_region_name: "eu-west-1",
      aws_session_token: "session",
    });
    assert.equal(new Set(config.deployments.map((d) => d.id)).size, config.deployments.length);
    assert.equal(config.server.port, 5050);
    assert.equal(config.masterKey, "sk-master");
  });

  test("OPENAI_API_BASE (LiteLLM's name) is used when OPENAI_BASE_URL is not set", async () => {
    const config = await loadConfig({
      env: { OPENAI_API_KEY: "sk", OPENAI_API_BASE: "https://proxy.example/v1" },
      cwd: CWD,
    });
    assert.equal(
      config.deployments.find((d) => d.provider === "openai")?.params.apiBase,
      "https://proxy.example/v1",
    );
  });

  test("every provider that declares key discovery is discovered by each of its key variables", async () => {
    const byKey = providerDeclarations().filter((p) => p.environment?.discovery === "api-key");
    assert.ok(byKey.length >= 12, "the hosted providers declare their key variables");
    const variables = Math.max(...byKey.map((p) => p.environment?.apiKey.length ?? 0));
    for (let position = 0; position < variables; position++) {
      // Only the variable at this position is set: LiteLLM's name first, then the SDKs' alternatives.
      const env = Object.fromEntries(
        byKey.flatMap((p) => {
          const name = p.environment?.apiKey[Math.min(position, p.environment.apiKey.length - 1)];
          return name === undefined ? [] : [[name, `key-${p.id}`]];
        }),
      );
      const config = await loadConfig({ env, cwd: CWD });
      assert.deepEqual(
        config.source.kind === "embedded" ? config.source.discoveredProviders : [],
        byKey.map((p) => p.id),
      );
      for (const provider of byKey) {
        const deployment = config.deployments.find((d) => d.modelName === `${provider.id}/*`);
        assert.equal(deployment?.params.apiKey, `key-${provider.id}`);
      }
    }
  });

  test("providers that need a configured deployment are never discovered from a key alone", async () => {
    const configured = providerDeclarations().filter(
      (p) => p.environment !== undefined && p.environment.discovery === undefined,
    );
    assert.ok(configured.some((p) => p.id === "azure"));
    const env = Object.fromEntries(
      configured.flatMap((p) => (p.environment?.apiKey ?? []).map((name) => [name, "k"])),
    );
    const config = await loadConfig({ env, cwd: CWD });
    assert.deepEqual(config.source, { kind: "embedded", discoveredProviders: [] });
  });

  test("AWS credentials without a region warn and add no bedrock deployment", async () => {
    const config = await loadConfig({
      env: { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" },
      cwd: CWD,
    });
    assert.ok(!config.deployments.some((d) => d.provider === "bedrock"));
    assert.deepEqual(config.warnings, [
      "AWS credentials found but no region (AWS_REGION_NAME, AWS_REGION, AWS_DEFAULT_REGION); bedrock/* is not enabled",
    ]);
  });

  test("an invalid base URL in the environment is an error naming the variable", async () => {
    await assert.rejects(
      loadConfig({ env: { OPENAI_API_KEY: "sk", OPENAI_BASE_URL: "localhost:8000" }, cwd: CWD }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, ["OPENAI_BASE_URL: must be an absolute http:// or https:// URL"]);
        return true;
      },
    );
  });
});
