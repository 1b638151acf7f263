import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatCheckReport } from "../../../src/config/check.js";
import { withEnvironmentCredentials } from "../../../src/config/provider-env.js";
import { inferProvider, PROVIDER_PREFIXES } from "../../../src/core/catalog/provider-inference.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { listProviders } from "../../../src/providers/registry.js";
import { parse, problemsOf } from "./helpers.js";

/** LiteLLM's Router example (README), as a config file: bare names, no provider prefix. */
const ROUTER_EXAMPLE = `model_list:
  - model_name: gpt-4o
    litellm_params:
      model: gpt-4o
      api_key: os.environ/OPENAI_API_KEY
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-deployment
      api_base: https://example-resource.openai.azure.com
      api_key: os.environ/AZURE_API_KEY
      api_version: "2024-10-21"
  - model_name: claude-fallback
    litellm_params:
      model: claude-sonnet-4-6
router_settings:
  num_retries: 3
  fallbacks: [{ gpt-4o: [claude-fallback] }]
`;

describe("bare model names resolve through the model catalog", () => {
  test("the prefixes the inference lists are exactly the registry's", () => {
    assert.deepEqual([...PROVIDER_PREFIXES].sort(), listProviders());
  });

  const cases: [string, string][] = [
    ["gpt-4o", "openai"],
    ["o3", "openai"],
    ["gpt-4.1-mini-2025-04-14", "openai"],
    ["claude-sonnet-4-6", "anthropic"],
    ["claude-3-5-sonnet-20240620", "anthropic"],
    ["gemini-2.5-pro", "gemini"],
    ["mistral-large-latest", "mistral"],
    ["codestral-latest", "mistral"],
    ["command-r-plus", "cohere"],
    ["command-a-03-2025", "cohere"],
    ["grok-4", "xai"],
    ["deepseek-chat", "deepseek"],
  ];
  for (const [model, provider] of cases) {
    test(`${model} → ${provider}`, () => {
      assert.deepEqual(inferProvider(model), { provider, model });
    });
  }

  test("an unknown name is a problem listing the prefixes, never a wrong suggestion", () => {
    for (const model of ["llama-3.1-8b-instant", "my-house-model"]) {
      const result = inferProvider(model);
      assert.ok("problem" in result, `${model} must not be guessed`);
      assert.match(result.problem, /does not know which provider serves it/);
      assert.match(result.problem, /openai\/, openrouter\//);
      assert.doesNotMatch(result.problem, /e\.g\. 'openai\//);
      assert.doesNotMatch(result.problem, /mock\//);
    }
  });

  test("a platform id (vendor.model) is never sent to the vendor's own API", () => {
    for (const model of [
      "anthropic.claude-3-haiku-20240307-v1:0",
      "us.anthropic.claude-sonnet-4-20250514-v1:0",
    ]) {
      const result = inferProvider(model);
      assert.ok("problem" in result, `${model} must not be guessed`);
      assert.match(result.problem, /'bedrock\//);
    }
    assert.deepEqual(inferProvider("gpt-4.1"), { provider: "openai", model: "gpt-4.1" });
  });

  test("LiteLLM's Router example as YAML passes and each deployment gets its provider", () => {
    const config = parse(ROUTER_EXAMPLE, { OPENAI_API_KEY: "sk-test-openai", AZURE_API_KEY: "az-test" });
    assert.deepEqual(
      config.deployments.map((d) => [d.modelName, d.provider, d.model]),
      [
        ["gpt-4o", "openai", "gpt-4o"],
        ["gpt-4o", "azure", "gpt-4o-deployment"],
        ["claude-fallback", "anthropic", "claude-sonnet-4-6"],
      ],
    );
    assert.deepEqual(config.router.fallbacks, { "gpt-4o": ["claude-fallback"] });
    const report = formatCheckReport(config);
    assert.match(report, /^Model catalog: @pydantic\/genai-prices@\d+\.\d+\.\d+ /m);
    assert.match(report, /provider anthropic; model claude-sonnet-4-6/);
    assert.doesNotMatch(report, /sk-test-openai/, "the environment key is redacted in the report");
  });

  test("an unknown bare name fails the config with the catalog's message at its path", () => {
    const problems = problemsOf(ROUTER_EXAMPLE.replace("model: claude-sonnet-4-6", "model: sonnet-ultra"), {
      OPENAI_API_KEY: "k",
      AZURE_API_KEY: "k",
    });
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      /^model_list\[2\]\.litellm_params\.model: 'sonnet-ultra' has no provider prefix and the model catalog does not know/,
    );
  });
});

describe("credentials and bases from the standard environment variables", () => {
  const deployment = (provider: string, params: Partial<Deployment["params"]> = {}): Deployment => ({
    id: `${provider}-1`,
    modelName: "m",
    provider,
    model: "x",
    params: { extra: {}, ...params },
    info: { extra: {} },
  });

  test("a deployment naming no key gets its provider's variable; one naming a key keeps it", () => {
    const env = {
      ANTHROPIC_API_KEY: "sk-ant-env",
      GEMINI_API_KEY: "g-env",
      GEMINI_API_BASE: "http://127.0.0.1:9/",
    };
    const [anthropic, gemini, own] = withEnvironmentCredentials(
      [deployment("anthropic"), deployment("gemini"), deployment("anthropic", { apiKey: "sk-own" })],
      env,
    );
    assert.equal(anthropic?.params.apiKey, "sk-ant-env");
    assert.equal(gemini?.params.apiKey, "g-env");
    assert.equal(gemini?.params.apiBase, "http://127.0.0.1:9/");
    assert.equal(own?.params.apiKey, "sk-own");
  });

  test("a deployment with its own api_base never receives the provider's environment key", () => {
    const [selfHosted] = withEnvironmentCredentials(
      [deployment("openai", { apiBase: "http://vllm.internal:8000/v1" })],
      { OPENAI_API_KEY: "sk-must-not-leave" },
    );
    assert.equal(selfHosted?.params.apiKey, undefined);
  });

  test("a base variable that is not an http(s) URL is a problem naming the variable, not its value", () => {
    const problems: string[] = [];
    withEnvironmentCredentials([deployment("openai")], { OPENAI_API_BASE: "file:///etc/passwd" }, problems);
    assert.deepEqual(problems, ["OPENAI_API_BASE: must be an absolute http:// or https:// URL"]);
  });

  test("os.environ/NAME still wins over the standard variable", () => {
    const config = parse(ROUTER_EXAMPLE, { OPENAI_API_KEY: "sk-standard", AZURE_API_KEY: "k" });
    assert.equal(config.deployments[0]?.params.apiKey, "sk-standard");
    const explicit = parse(ROUTER_EXAMPLE.replace("os.environ/OPENAI_API_KEY", "os.environ/MY_KEY"), {
      OPENAI_API_KEY: "sk-standard",
      MY_KEY: "sk-mine",
      AZURE_API_KEY: "k",
    });
    assert.equal(explicit.deployments[0]?.params.apiKey, "sk-mine");
    assert.equal(explicit.deployments[2]?.params.apiKey, undefined, "no ANTHROPIC_API_KEY set");
  });
});
