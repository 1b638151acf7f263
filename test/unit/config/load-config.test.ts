import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { splitProviderModel } from "../../../src/config/build-deployments.js";
import { ConfigError } from "../../../src/config/config-error.js";
import { loadConfig, parseConfigText } from "../../../src/config/load-config.js";
import { CWD, LITELLM_FIXTURE, minimal, parse, problemsOf } from "./helpers.js";

const FIXTURE_ENV: NodeJS.ProcessEnv = {
  OPENAI_API_KEY: "sk-test-openai-000000000001",
  OPENAI_ORG_ID: "org-switchboard",
  AZURE_API_BASE: "https://eu.openai.azure.com",
  AZURE_API_KEY: "azure-key-000000000000000002",
  AZURE_RPM: "600",
  ANTHROPIC_API_KEY: "sk-ant-test-000000000000003",
  AWS_ACCESS_KEY_ID: "AKIATEST000000000004",
  AWS_SECRET_ACCESS_KEY: "aws-secret-000000000000000005",
  VERTEX_CREDENTIALS: '{"type":"service_account"}',
  REDIS_HOST: "127.0.0.1",
  REDIS_PORT: "6379",
  REDIS_PASSWORD: "p@ss word",
  LITELLM_MASTER_KEY: "sk-master-000000000000000006",
  DATABASE_URL: "postgres://app:secret@127.0.0.1:5432/switchboard",
};

describe("a realistic LiteLLM config.yaml", () => {
  test("parses into typed deployments, router settings and server settings", async () => {
    const env = { ...FIXTURE_ENV };
    const config = await loadConfig({ file: LITELLM_FIXTURE, env, cwd: CWD });

    assert.deepEqual(config.source, { kind: "file", path: LITELLM_FIXTURE });
    assert.deepEqual(
      config.deployments.map((d) => [d.modelName, d.provider, d.model]),
      [
        ["gpt-4o", "openai", "gpt-4o"],
        ["gpt-4o", "azure", "gpt-4o-eu"],
        ["llama-3.1-8b", "openai", "meta-llama/Llama-3.1-8B-Instruct"],
        ["claude-sonnet", "anthropic", "claude-sonnet-4-20250514"],
        ["claude-bedrock", "bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0"],
        ["gemini-flash", "vertex_ai", "gemini-2.0-flash"],
      ],
    );

    const [openai, azure, llama, claude, bedrock, vertex] = config.deployments;
    assert.equal(openai?.id, "openai-gpt-4o");
    assert.deepEqual(openai?.params, {
      apiKey: FIXTURE_ENV.OPENAI_API_KEY,
      organization: "org-switchboard",
      rpm: 480,
      tpm: 100000,
      timeoutMs: 30_000,
      streamTimeoutMs: 10_000,
      maxRetries: 2,
      extra: {},
    });
    assert.deepEqual(openai?.info, {
      id: "openai-gpt-4o",
      maxInputTokens: 128000,
      maxOutputTokens: 16384,
      inputCostPerToken: 0.0000025,
      outputCostPerToken: 0.00001,
      extra: {
        cache_read_input_token_cost: 0.00000125,
        supports_vision: true,
        supports_function_calling: true,
        mode: "chat",
      },
    });

    // environment_variables were applied before resolution, and a numeric env value was coerced.
    assert.equal(azure?.params.apiVersion, "2024-10-21");
    assert.equal(azure?.params.apiBase, "https://eu.openai.azure.com");
    assert.equal(azure?.params.rpm, 600);
    assert.equal(azure?.params.weight, 2);
    assert.match(azure?.id ?? "", /^[0-9a-f]{16}$/);
    assert.equal(env.AZURE_API_VERSION, "2024-10-21");

    assert.equal(llama?.params.maxParallelRequests, 8);
    assert.deepEqual(llama?.params.extraHeaders, { "X-Tenant": "switchboard" });
    assert.deepEqual(claude?.params.extra, { temperature: 0.2 });
    assert.deepEqual(claude?.info.extra, { base_model: "claude-sonnet-4" });
    assert.deepEqual(bedrock?.params.extra, {
      aws_access_key_id: FIXTURE_ENV.AWS_ACCESS_KEY_ID,
      aws_secret_access_key: FIXTURE_ENV.AWS_SECRET_ACCESS_KEY,
      aws_region_name: "us-west-2",
    });
    assert.deepEqual(vertex?.params.extra, {
      vertex_project: "my-project",
      vertex_location: "us-central1",
      vertex_credentials: '{"type":"service_account"}',
    });

    assert.deepEqual(config.router, {
      routingStrategy: "usage-based-routing-v2",
      routingStrategyArgs: {},
      numRetries: 2,
      timeoutMs: 45_000,
      streamTimeoutMs: undefined,
      retryAfterMs: 1000,
      allowedFails: 3,
      allowedFailsPolicy: { internalServer: 20 },
      cooldownTimeMs: 30_000,
      disableCooldowns: false,
      fallbacks: { "gpt-4o": ["claude-sonnet", "claude-bedrock"], "claude-sonnet": ["gpt-4o"] },
      contextWindowFallbacks: { "gpt-4o": ["claude-sonnet"] },
      contentPolicyFallbacks: { "claude-sonnet": ["gemini-flash"] },
      defaultFallbacks: ["gpt-4o"],
      maxFallbacks: 5,
      modelGroupAlias: {
        "gpt-4": { model: "gpt-4o", hidden: false },
        claude: { model: "claude-sonnet", hidden: true },
      },
      retryPolicy: { timeout: 3, rateLimit: 5 },
      enablePreCallChecks: true,
      defaultMaxParallelRequests: undefined,
      allowRequestFallbacks: false,
      hedgeAfterMs: {},
    });
    assert.equal(config.litellmSettings.numRetries, 3);
    assert.equal(config.litellmSettings.requestTimeoutMs, 600_000);
    assert.equal(config.dropParams, true);
    assert.equal(config.masterKey, FIXTURE_ENV.LITELLM_MASTER_KEY);
    assert.equal(config.databaseUrl, FIXTURE_ENV.DATABASE_URL);
    assert.equal(config.redisUrl, "redis://:p%40ss%20word@127.0.0.1:6379");

    assert.equal(config.warnings.length, 1, config.warnings.join("\n"));
    assert.match(config.warnings[0] ?? "", /^model_list\[\*\]\.litellm_params\.tags: .*\(2 occurrences\)/);
    // LiteLLM's logging callbacks and alerting are honoured (docs/observability.md), not ignored.
    assert.deepEqual(config.observability.callbacks, [
      { name: "langfuse", onSuccess: true, onFailure: false },
    ]);
    assert.equal(config.observability.slackAlerting, true);
  });

  test("a fallback to a model group nothing serves is a warning naming it", () => {
    const config = parse(
      minimal("router_settings:\n  fallbacks: [{m: [gpt-5]}]\n  model_group_alias: {alias: nothing}\n"),
    );
    assert.deepEqual(config.warnings, [
      "router_settings.fallbacks: model group 'gpt-5' is not served by any deployment in model_list",
      "router_settings.model_group_alias.alias: model group 'nothing' is not served by any deployment",
    ]);
  });

  test("a wildcard model_name serves fallback targets it matches", () => {
    const text = `model_list:
  - model_name: openai/*
    litellm_params: { model: openai/* }
  - model_name: m
    litellm_params: { model: openai/gpt-4o }
router_settings:
  fallbacks: [{m: [openai/gpt-4o-mini]}]
`;
    assert.deepEqual(parse(text).warnings, []);
  });
});

describe("environment references", () => {
  test("a missing variable is an error naming the path and the variable", () => {
    const problems = problemsOf(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/x\n      api_key: os.environ/NOPE_KEY\n",
    );
    assert.deepEqual(problems, [
      "model_list[0].litellm_params.api_key: environment variable NOPE_KEY is not set (os.environ/NOPE_KEY)",
    ]);
  });

  test("a variable set to the empty string counts as missing", () => {
    const problems = problemsOf(minimal("general_settings:\n  master_key: os.environ/EMPTY\n"), {
      EMPTY: "",
    });
    assert.deepEqual(problems, [
      "general_settings.master_key: environment variable EMPTY is not set (os.environ/EMPTY)",
    ]);
  });

  test("a malformed reference is an error", () => {
    const problems = problemsOf(minimal("general_settings:\n  master_key: os.environ/1-BAD\n"));
    assert.deepEqual(problems, [
      "general_settings.master_key: malformed os.environ/ reference (expected os.environ/NAME)",
    ]);
  });

  test("references are resolved at any depth of free-form values, and reported with their full path", () => {
    const text = `model_list:
  - model_name: g
    litellm_params:
      model: vertex_ai/gemini-2.0-flash
      vertex_credentials:
        type: service_account
        private_key: os.environ/VERTEX_KEY
        nested: [{token: os.environ/VERTEX_TOKEN}]
`;
    const config = parse(text, { VERTEX_KEY: "pk", VERTEX_TOKEN: "tk" });
    assert.deepEqual(config.deployments[0]?.params.extra.vertex_credentials, {
      type: "service_account",
      private_key: "pk",
      nested: [{ token: "tk" }],
    });
    assert.deepEqual(problemsOf(text, { VERTEX_KEY: "pk" }), [
      "model_list[0].litellm_params.vertex_credentials.nested[0].token: environment variable VERTEX_TOKEN is not set (os.environ/VERTEX_TOKEN)",
    ]);
  });

  test("numbers and booleans from the environment are coerced where the field is numeric or boolean", () => {
    const text = `model_list:
  - model_name: m
    litellm_params:
      model: openai/x
      timeout: os.environ/TIMEOUT
      tpm: os.environ/TPM
      weight: "0.5"
litellm_settings:
  drop_params: os.environ/DROP
general_settings:
  port: os.environ/CONFIG_PORT
`;
    const config = parse(text, { TIMEOUT: "2.5", TPM: "1000", DROP: "True", CONFIG_PORT: "8080" });
    assert.equal(config.deployments[0]?.params.timeoutMs, 2500);
    assert.equal(config.deployments[0]?.params.tpm, 1000);
    assert.equal(config.deployments[0]?.params.weight, 0.5);
    assert.equal(config.dropParams, true);
    assert.equal(config.server.port, 8080);
  });

  test("a non-numeric value for a numeric field is an error at its path", () => {
    const problems = problemsOf(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/x\n      rpm: os.environ/RPM\n",
      { RPM: "lots" },
    );
    assert.deepEqual(problems, [
      "model_list[0].litellm_params.rpm: Invalid input: expected number, received string",
    ]);
  });

  test("environment_variables may themselves reference the environment, and are applied to env", () => {
    const env: NodeJS.ProcessEnv = { UPSTREAM_HOST: "http://10.0.0.1:8000/v1" };
    const text = `environment_variables:
  MY_BASE: os.environ/UPSTREAM_HOST
  MY_RPM: 42
model_list:
  - model_name: m
    litellm_params:
      model: openai/x
      api_base: os.environ/MY_BASE
      rpm: os.environ/MY_RPM
`;
    const config = parse(text, env);
    assert.equal(config.deployments[0]?.params.apiBase, "http://10.0.0.1:8000/v1");
    assert.equal(config.deployments[0]?.params.rpm, 42);
    // loadConfig writes environment_variables into the env object it is given (as LiteLLM does with os.environ).
    const shared = { ...env };
    parseConfigText(text, { env: shared, cwd: CWD });
    assert.equal(shared.MY_BASE, "http://10.0.0.1:8000/v1");
    assert.equal(shared.MY_RPM, "42");
  });
});

describe("provider prefixes and model ids", () => {
  test("a model id after the prefix may itself contain slashes", () => {
    assert.deepEqual(splitProviderModel("openai/openai/gpt-4o-mini"), {
      provider: "openai",
      model: "openai/gpt-4o-mini",
    });
    assert.deepEqual(splitProviderModel("together_ai/meta-llama/Llama-3-70b"), {
      provider: "together_ai",
      model: "meta-llama/Llama-3-70b",
    });
    const config = parse(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/openai/gpt-4o-mini\n      api_base: http://127.0.0.1:9/v1\n",
    );
    assert.equal(config.deployments[0]?.provider, "openai");
    assert.equal(config.deployments[0]?.model, "openai/gpt-4o-mini");
  });

  test("a wildcard deployment keeps * as its model", () => {
    assert.deepEqual(splitProviderModel("openai/*"), { provider: "openai", model: "*" });
  });

  test("custom_llm_provider names the provider of an unprefixed model", () => {
    assert.deepEqual(splitProviderModel("gpt-4o", "openai"), { provider: "openai", model: "gpt-4o" });
    assert.deepEqual(splitProviderModel("openai/gpt-4o", "openai"), { provider: "openai", model: "gpt-4o" });
  });

  test("a model without a provider the catalog knows, or with an empty model id, is an error at its path", () => {
    const problems = problemsOf(`model_list:
  - model_name: a
    litellm_params: { model: my-house-model }
  - model_name: b
    litellm_params: { model: "openai/" }
  - model_name: c
    litellm_params: { model: "OpenAI/gpt-4o" }
`);
    assert.deepEqual(problems, [
      "model_list[0].litellm_params.model: 'my-house-model' has no provider prefix and the model catalog does not know which provider serves it; write it as 'provider/my-house-model' with one of: anthropic/, azure/, bedrock/, cerebras/, cohere/, deepinfra/, deepseek/, fireworks_ai/, gemini/, groq/, hosted_vllm/, lm_studio/, mistral/, ollama/, ollama_chat/, openai/, openrouter/, perplexity/, together_ai/, vertex_ai/, voyage/, xai/ (or set custom_llm_provider)",
      "model_list[1].litellm_params.model: the model id after the provider prefix is empty",
      "model_list[2].litellm_params.model: the provider prefix must be a lowercase provider name such as 'openai/'",
    ]);
  });
});

describe("defaults and precedence", () => {
  test("a minimal config gets the documented defaults", () => {
    const config = parse(minimal());
    assert.deepEqual(config.server, {
      host: "127.0.0.1",
      port: 4000,
      tls: undefined,
      maxRequestBodyBytes: 10 * 1024 * 1024,
      shutdownGraceMs: 10_000,
      connectionLimits: {},
      // docs/observability.md: /metrics on, master key only, no litellm_* names.
      metrics: { enabled: true, auth: "master_key", litellmNames: false },
    });
    assert.equal(config.dataDir, join(CWD, ".data"));
    assert.equal(config.masterKey, undefined);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.dropParams, false);
    assert.equal(config.router.routingStrategy, "simple-shuffle");
    assert.equal(config.router.maxFallbacks, 5);
    assert.equal(config.router.retryAfterMs, 0);
    assert.deepEqual(config.warnings, []);
  });

  test("sections left empty in YAML count as absent", () => {
    const config = parse(
      "model_list:\n  - model_name: m\n    litellm_params: { model: openai/x }\n    model_info:\nlitellm_settings:\nrouter_settings:\ngeneral_settings:\nenvironment_variables:\n",
    );
    assert.equal(config.deployments.length, 1);
    assert.equal(config.server.port, 4000);
  });

  test("--port/--host override PORT/HOST, which override the config", () => {
    const text = minimal("general_settings:\n  port: 5000\n  host: 0.0.0.0\n");
    const env = { PORT: "6000", HOST: "::1" };
    const parseWith = (environment: NodeJS.ProcessEnv, overrides?: { port?: number; host?: string }) =>
      parseConfigText(text, { env: { ...environment }, cwd: CWD, overrides }).server;
    assert.deepEqual(
      [
        parseWith(env, { port: 7000, host: "10.0.0.1" }).port,
        parseWith(env, { port: 7000, host: "10.0.0.1" }).host,
      ],
      [7000, "10.0.0.1"],
    );
    assert.deepEqual([parseWith(env).port, parseWith(env).host], [6000, "::1"]);
    assert.deepEqual([parseWith({}).port, parseWith({}).host], [5000, "0.0.0.0"]);
  });

  test("connection limits come from general_settings; a zero is an error naming the key", () => {
    const config = parse(
      minimal(
        "general_settings:\n  max_connections: 2000\n  keep_alive_timeout_ms: 5000\n  headers_timeout_ms: 10000\n",
      ),
    );
    assert.deepEqual(config.server.connectionLimits, {
      maxConnections: 2000,
      keepAliveTimeoutMs: 5000,
      headersTimeoutMs: 10000,
    });
    assert.equal(problemsOf(minimal("general_settings:\n  body_idle_timeout_ms: 0\n")).length, 1);
    assert.match(
      problemsOf(minimal("general_settings:\n  body_idle_timeout_ms: 0\n"))[0] ?? "",
      /general_settings\.body_idle_timeout_ms/,
    );
  });

  test("an invalid PORT is an error naming it", () => {
    assert.deepEqual(problemsOf(minimal(), { PORT: "http" }), ["PORT: must be a port number (0-65535)"]);
  });

  test("the master key, database and Redis come from the config first, then the environment", () => {
    const env = {
      SWITCHBOARD_MASTER_KEY: "sk-env-master",
      DATABASE_URL: "postgres://env/db",
      REDIS_URL: "redis://env:6379",
      SWITCHBOARD_DATA_DIR: "/var/lib/switchboard",
    };
    const fromEnv = parse(minimal(), env);
    assert.equal(fromEnv.masterKey, "sk-env-master");
    assert.equal(fromEnv.databaseUrl, "postgres://env/db");
    assert.equal(fromEnv.redisUrl, "redis://env:6379");
    assert.equal(fromEnv.dataDir, "/var/lib/switchboard");

    const fromConfig = parse(
      minimal(
        "general_settings:\n  master_key: sk-config-master\n  database_url: postgres://config/db\n  data_dir: state\nrouter_settings:\n  redis_url: rediss://config:6380\n",
      ),
      { ...env, SWITCHBOARD_DATA_DIR: "" },
    );
    assert.equal(fromConfig.masterKey, "sk-config-master");
    assert.equal(fromConfig.databaseUrl, "postgres://config/db");
    assert.equal(fromConfig.redisUrl, "rediss://config:6380");
    assert.equal(fromConfig.dataDir, join(CWD, "state"));
  });

  test("LiteLLM's REDIS_HOST/REDIS_PORT/REDIS_PASSWORD variables build a Redis URL", () => {
    const config = parse(minimal(), { REDIS_HOST: "cache", REDIS_PORT: "6380", REDIS_PASSWORD: "pw" });
    assert.equal(config.redisUrl, "redis://:pw@cache:6380");
    const withDb = parse(minimal("router_settings:\n  redis_host: cache\n  redis_db: 2\n"));
    assert.equal(withDb.redisUrl, "redis://cache:6379/2");
  });

  test("LiteLLM's max_request_size_mb sets the body limit; TLS needs both files", () => {
    assert.equal(
      parse(minimal("general_settings:\n  max_request_size_mb: 2\n")).server.maxRequestBodyBytes,
      2 * 1024 * 1024,
    );
    const tls = parse(minimal("general_settings:\n  tls_cert_file: cert.pem\n  tls_key_file: /etc/key.pem\n"))
      .server.tls;
    assert.deepEqual(tls, { certFile: join(CWD, "cert.pem"), keyFile: "/etc/key.pem" });
    assert.deepEqual(problemsOf(minimal("general_settings:\n  tls_cert_file: cert.pem\n")), [
      "general_settings.tls_key_file: required when tls_cert_file is set",
    ]);
  });

  test("derived deployment ids are stable, ignore tuning and secrets, and never collide", () => {
    const deployment = (rpm: number, key: string) =>
      `  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o\n      rpm: ${rpm}\n      api_key: ${key}\n`;
    const first = parse(`model_list:\n${deployment(10, "sk-aaaaaaaaaaaaaaaaaaaaaaaa")}`).deployments[0]?.id;
    const second = parse(`model_list:\n${deployment(99, "sk-bbbbbbbbbbbbbbbbbbbbbbbb")}`).deployments[0]?.id;
    assert.equal(first, second);
    const both = parse(`model_list:\n${deployment(10, "sk-a")}${deployment(10, "sk-b")}`).deployments;
    assert.deepEqual(
      both.map((d) => d.id),
      [first, `${first}-2`],
    );
  });

  test("a duplicate model_info.id is an error naming both entries", () => {
    const entry =
      "  - model_name: m\n    litellm_params: { model: openai/x }\n    model_info: { id: same }\n";
    assert.deepEqual(problemsOf(`model_list:\n${entry}${entry}`), [
      "model_list[1].model_info.id: duplicate id (also used by model_list[0])",
    ]);
  });
});

describe("reading the file", () => {
  test("SWITCHBOARD_CONFIG names the file when --config is absent; a missing file is a ConfigError", async () => {
    const directory = await mkdtemp(join(tmpdir(), "switchboard-config-"));
    try {
      await writeFile(join(directory, "config.yaml"), minimal());
      const config = await loadConfig({ env: { SWITCHBOARD_CONFIG: "config.yaml" }, cwd: directory });
      assert.deepEqual(config.source, { kind: "file", path: join(directory, "config.yaml") });
      await assert.rejects(loadConfig({ file: "absent.yaml", env: {}, cwd: directory }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, ["cannot read the config file (ENOENT)"]);
        return true;
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test("an empty file or an empty model_list is an error", () => {
    assert.deepEqual(problemsOf(""), ["(top level): the file is empty; it needs at least a model_list"]);
    assert.deepEqual(problemsOf("model_list: []\n"), ["model_list: at least one deployment is required"]);
  });
});
