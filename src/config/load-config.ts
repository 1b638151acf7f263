import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { Deployment } from "../core/types/deployment.js";
import { buildBudgetSettings } from "./budget-settings.js";
import { buildDeployments } from "./build-deployments.js";
import { buildCacheConfig } from "./cache-config.js";
import { ConfigError } from "./config-error.js";
import type { EnvLookup } from "./config-leaves.js";
import { buildEmbeddedDeployments } from "./embedded-default.js";
import { formatIssues } from "./format-issues.js";
import type { ConfigSource, ConnectionLimitSettings, GatewayConfig, ServerConfig } from "./gateway-config.js";
import { buildGuardrails } from "./guardrail-config.js";
import { UNIMPLEMENTED_LITELLM_KEYS } from "./litellm-unimplemented-keys.js";
import { MIN_MASTER_KEY_LENGTH, masterKeyWeakness } from "./master-key-strength.js";
import { buildObservabilitySettings } from "./observability-settings.js";
import { withEnvironmentCredentials } from "./provider-env.js";
import { buildLitellmSettings, buildRouterConfig, checkGroupReferences } from "./router-config.js";
import {
  createConfigSchema,
  createEnvironmentVariablesSchema,
  type IgnoredKeyCollector,
  type KnownKeys,
  type RawConfig,
  type RawGeneralSettings,
  type RawRouterSettings,
} from "./schema.js";

export interface LoadConfigOptions {
  /** `--config FILE`; else `SWITCHBOARD_CONFIG`; else the embedded default. */
  file?: string;
  /**
   * The process environment. `environment_variables` from the file are written into it (as LiteLLM does with
   * os.environ) before `os.environ/` references are resolved, so pass a copy when that must not happen.
   */
  env: NodeJS.ProcessEnv;
  /** Command-line values, which win over the environment and the file. */
  overrides?: { port?: number; host?: string };
  /** Base for relative paths (the config file, data_dir, TLS files). Default: process.cwd(). */
  cwd?: string;
}

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 4000;
const DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
const DEFAULT_DATA_DIR = ".data";
const MIB = 1024 * 1024;

/**
 * Loads the configuration once at startup: the YAML file (LiteLLM's config.yaml format) or, without one, the
 * embedded default. Throws ConfigError listing every problem with its path; returns warnings for LiteLLM keys that
 * are accepted but not implemented (one per key) and for fallbacks that name no served model group.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<GatewayConfig> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? nonEmpty(options.env.SWITCHBOARD_CONFIG);
  if (file === undefined) return loadEmbeddedConfig(options);
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    throw new ConfigError([`cannot read the config file (${code})`], path);
  }
  return parseConfigText(text, { ...options, cwd, sourcePath: path });
}

/** Parses config text (what loadConfig does after reading the file); exported for `check` and tests. */
export function parseConfigText(
  text: string,
  options: LoadConfigOptions & { sourcePath?: string },
): GatewayConfig {
  return parseConfigDocument(parseYaml(text, options.sourcePath), options);
}

/**
 * Validates an already-parsed config document (YAML text's value, or the object the library's `Router` is given)
 * and resolves it as loadConfig does.
 */
export function parseConfigDocument(
  document: unknown,
  options: LoadConfigOptions & { sourcePath?: string },
): GatewayConfig {
  const source = options.sourcePath;
  if (document === null || document === undefined) {
    throw new ConfigError(["(top level): the file is empty; it needs at least a model_list"], source);
  }
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new ConfigError(
      ["(top level): must be a mapping of sections (model_list, router_settings, …)"],
      source,
    );
  }

  const problems: string[] = [];
  applyEnvironmentVariables(document as Record<string, unknown>, options.env, source);

  const ignored: IgnoredKeyCollector = new Map();
  const known: KnownKeys = new Map();
  const lookup: EnvLookup = (name) => options.env[name];
  const parsed = createConfigSchema(lookup, ignored, known).safeParse(document);
  if (!parsed.success) {
    throw new ConfigError([...problems, ...formatIssues(parsed.error.issues, known)], source);
  }
  const raw = parsed.data;
  if (raw.model_list === undefined || raw.model_list.length === 0) {
    problems.push("model_list: at least one deployment is required");
  }
  const built = buildDeployments(raw.model_list ?? []);
  problems.push(...built.problems);
  built.deployments = withEnvironmentCredentials(built.deployments, options.env, problems);

  const warnings = [
    ...ignoredKeyWarnings(ignored),
    ...checkGroupReferences(raw.router_settings, raw.litellm_settings, built.deployments),
  ];
  return assemble(
    raw,
    built.deployments,
    { kind: "file", path: source ?? "(inline)" },
    warnings,
    problems,
    options,
  );
}

function loadEmbeddedConfig(options: LoadConfigOptions): GatewayConfig {
  const embedded = buildEmbeddedDeployments(options.env);
  const source: ConfigSource = { kind: "embedded", discoveredProviders: embedded.discoveredProviders };
  return assemble({}, embedded.deployments, source, embedded.warnings, [...embedded.problems], options);
}

/** The parts common to a file and the embedded default: server, secrets, stores, router. */
function assemble(
  raw: RawConfig,
  deployments: Deployment[],
  source: ConfigSource,
  warnings: string[],
  problems: string[],
  options: LoadConfigOptions,
): GatewayConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env;
  const general = raw.general_settings;
  const server = buildServer(general, options, problems);
  const redisUrl = buildRedisUrl(raw.router_settings, env, problems);
  const budgets = buildBudgetSettings(raw.litellm_settings, general, problems);
  // A custom guardrail's module path is relative to the config file, as a reader of the file expects.
  const guardrailBase = source.kind === "file" && source.path !== "(inline)" ? dirname(source.path) : cwd;
  const guardrails = buildGuardrails(raw.guardrails ?? [], guardrailBase, problems);
  const cache = buildCacheConfig(raw.litellm_settings, redisUrl, problems, warnings);
  if (problems.length > 0) {
    throw new ConfigError(problems, source.kind === "file" ? source.path : undefined);
  }
  const litellmSettings = { ...buildLitellmSettings(raw.litellm_settings), ...budgets };
  const masterKey = general?.master_key ?? nonEmpty(env.SWITCHBOARD_MASTER_KEY);
  checkMasterKey(masterKey, general, env, source, warnings);
  return {
    source,
    deployments,
    server,
    masterKey,
    databaseUrl: general?.database_url ?? nonEmpty(env.DATABASE_URL),
    redisUrl,
    dataDir: resolve(cwd, nonEmpty(env.SWITCHBOARD_DATA_DIR) ?? general?.data_dir ?? DEFAULT_DATA_DIR),
    dropParams: litellmSettings.dropParams,
    router: buildRouterConfig(raw.router_settings, litellmSettings),
    litellmSettings,
    guardrails,
    cache,
    observability: buildObservabilitySettings(raw.litellm_settings, general, warnings),
    warnings,
  };
}

/**
 * A weak master key: a loud warning (LiteLLM accepts it, and published LiteLLM configs carry `sk-1234`-style keys),
 * or an error with `general_settings.strict_master_key` / `SWITCHBOARD_STRICT_MASTER_KEY=true`. `check` and the
 * start both come through here, so they never disagree.
 */
function checkMasterKey(
  masterKey: string | undefined,
  general: RawGeneralSettings | undefined,
  env: NodeJS.ProcessEnv,
  source: ConfigSource,
  warnings: string[],
): void {
  if (masterKey === undefined) return;
  const weakness = masterKeyWeakness(masterKey);
  if (weakness === undefined) return;
  const where = general?.master_key !== undefined ? "general_settings.master_key" : "SWITCHBOARD_MASTER_KEY";
  const strict =
    general?.strict_master_key ?? /^(1|true|yes)$/i.test(env.SWITCHBOARD_STRICT_MASTER_KEY ?? "");
  if (strict) {
    throw new ConfigError(
      [
        `${where}: The master key is too weak (${weakness}); use at least ${MIN_MASTER_KEY_LENGTH} random characters (e.g. 'sk-' + 32 random hex digits), or drop strict_master_key.`,
      ],
      source.kind === "file" ? source.path : undefined,
    );
  }
  warnings.unshift(
    `WARNING: ${where} is weak (${weakness}): anyone who guesses it administers this gateway. Use at least ${MIN_MASTER_KEY_LENGTH} random characters (e.g. 'sk-' + 32 random hex digits); set general_settings.strict_master_key: true to refuse weak keys.`,
  );
}

function buildServer(
  general: RawGeneralSettings | undefined,
  options: LoadConfigOptions,
  problems: string[],
): ServerConfig {
  const cwd = options.cwd ?? process.cwd();
  const envPort = parsePortVariable(options.env.PORT, problems);
  const port = options.overrides?.port ?? envPort ?? general?.port ?? DEFAULT_PORT;
  const host = options.overrides?.host ?? nonEmpty(options.env.HOST) ?? general?.host ?? DEFAULT_HOST;

  const certFile = general?.tls_cert_file;
  const keyFile = general?.tls_key_file;
  if (certFile !== undefined && keyFile === undefined) {
    problems.push("general_settings.tls_key_file: required when tls_cert_file is set");
  }
  if (keyFile !== undefined && certFile === undefined) {
    problems.push("general_settings.tls_cert_file: required when tls_key_file is set");
  }
  const tls =
    certFile !== undefined && keyFile !== undefined
      ? { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile) }
      : undefined;

  if (general?.max_request_body_bytes !== undefined && general.max_request_size_mb !== undefined) {
    problems.push(
      "general_settings.max_request_size_mb: set either this or max_request_body_bytes, not both",
    );
  }
  const fromMegabytes =
    general?.max_request_size_mb === undefined ? undefined : Math.floor(general.max_request_size_mb * MIB);

  return {
    host,
    port,
    tls,
    maxRequestBodyBytes: general?.max_request_body_bytes ?? fromMegabytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES,
    shutdownGraceMs: general?.shutdown_grace_ms ?? DEFAULT_SHUTDOWN_GRACE_MS,
    connectionLimits: connectionLimitSettings(general),
    metrics: {
      enabled: general?.metrics_enabled ?? true,
      auth: general?.metrics_auth ?? "master_key",
      litellmNames: general?.metrics_litellm_names ?? false,
    },
  };
}

function connectionLimitSettings(general: RawGeneralSettings | undefined): ConnectionLimitSettings {
  const settings: ConnectionLimitSettings = {};
  const set = (name: keyof ConnectionLimitSettings, value: number | undefined) => {
    if (value !== undefined) settings[name] = value;
  };
  set("maxConnections", general?.max_connections);
  set("firstByteTimeoutMs", general?.first_byte_timeout_ms);
  set("headersTimeoutMs", general?.headers_timeout_ms);
  set("requestTimeoutMs", general?.request_timeout_ms);
  set("bodyIdleTimeoutMs", general?.body_idle_timeout_ms);
  set("keepAliveTimeoutMs", general?.keep_alive_timeout_ms);
  set("maxHeaderBytes", general?.max_header_bytes);
  return settings;
}

function parsePortVariable(value: string | undefined, problems: string[]): number | undefined {
  const text = nonEmpty(value)?.trim();
  if (text === undefined) return undefined;
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    problems.push("PORT: must be a port number (0-65535)");
    return undefined;
  }
  return port;
}

/**
 * Redis: `router_settings.redis_url`, or a URL built from `redis_host`/`redis_port`/`redis_password`/`redis_db`;
 * else `REDIS_URL`; else `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD` (LiteLLM's variables). Undefined: no Redis.
 */
function buildRedisUrl(
  router: RawRouterSettings | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
): string | undefined {
  if (router?.redis_url !== undefined) {
    if (router.redis_host !== undefined) {
      problems.push("router_settings.redis_host: set either redis_url or redis_host, not both");
    }
    if (!/^rediss?:\/\//.test(router.redis_url)) {
      problems.push("router_settings.redis_url: must start with redis:// or rediss://");
    }
    return router.redis_url;
  }
  if (router?.redis_host !== undefined) {
    return redisUrlFrom(router.redis_host, router.redis_port, router.redis_password, router.redis_db);
  }
  for (const key of ["redis_port", "redis_password", "redis_db"] as const) {
    if (router?.[key] !== undefined) problems.push(`router_settings.${key}: requires redis_host`);
  }
  const envUrl = nonEmpty(env.REDIS_URL);
  if (envUrl !== undefined) {
    if (!/^rediss?:\/\//.test(envUrl)) problems.push("REDIS_URL: must start with redis:// or rediss://");
    return envUrl;
  }
  const envHost = nonEmpty(env.REDIS_HOST);
  if (envHost === undefined) return undefined;
  const envPort = nonEmpty(env.REDIS_PORT);
  if (envPort !== undefined && !/^\d+$/.test(envPort)) {
    problems.push("REDIS_PORT: must be a port number");
    return undefined;
  }
  return redisUrlFrom(
    envHost,
    envPort === undefined ? undefined : Number(envPort),
    nonEmpty(env.REDIS_PASSWORD),
  );
}

function redisUrlFrom(host: string, port?: number, password?: string, db?: number): string {
  const auth = password === undefined ? "" : `:${encodeURIComponent(password)}@`;
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const dbPart = db === undefined ? "" : `/${db}`;
  return `redis://${auth}${hostPart}:${port ?? 6379}${dbPart}`;
}

/**
 * Applies `environment_variables` to `env` before anything else is resolved (their own values may be
 * `os.environ/` references to variables already set).
 */
function applyEnvironmentVariables(
  document: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  source: string | undefined,
): void {
  const section = document.environment_variables;
  if (section === undefined || section === null) return;
  const parsed = createEnvironmentVariablesSchema((name) => env[name]).safeParse(section);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      ...issue,
      path: ["environment_variables", ...issue.path],
    }));
    throw new ConfigError(formatIssues(issues, new Map()), source);
  }
  for (const [name, value] of Object.entries(parsed.data)) env[name] = value;
}

function ignoredKeyWarnings(ignored: IgnoredKeyCollector): string[] {
  const warnings: string[] = [];
  for (const [section, keys] of ignored) {
    for (const [key, count] of keys) {
      const note = UNIMPLEMENTED_LITELLM_KEYS[section][key]?.note ?? "";
      const prefix = section === "top" ? key : `${section.replaceAll("[]", "[*]")}.${key}`;
      const times = count > 1 ? ` (${count} occurrences)` : "";
      warnings.push(`${prefix}: LiteLLM setting not implemented by Switchboard, ignored${times} — ${note}`);
    }
  }
  return warnings;
}

function parseYaml(text: string, source: string | undefined): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `line ${line}, column ${col}: ${error.message}`;
      }),
      source,
    );
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof Error ? error.message : "invalid YAML";
    throw new ConfigError([`(top level): ${message}`], source);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
