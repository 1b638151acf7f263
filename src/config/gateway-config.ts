import type { Deployment } from "../core/types/deployment.js";
import type { CacheConfig } from "./cache-config.js";
import type { GuardrailConfig } from "./guardrail-config.js";
import type { ObservabilitySettings } from "./observability-settings.js";

/**
 * The resolved configuration the process runs on: parsed once at startup (load-config.ts) and passed down. Every
 * value is final — environment references resolved, defaults applied, CLI and env overrides merged, seconds turned
 * into milliseconds — so no other module reads the YAML, the environment or LiteLLM's spellings.
 */
export interface GatewayConfig {
  /** Where the configuration came from. */
  source: ConfigSource;
  /** Every deployment, in file order (embedded default: mock models first, then env-discovered providers). */
  deployments: Deployment[];
  server: ServerConfig;
  /** `general_settings.master_key`, else `SWITCHBOARD_MASTER_KEY`. Undefined: auth generates one on first start. */
  masterKey: string | undefined;
  /** `general_settings.database_url`, else `DATABASE_URL`. */
  databaseUrl: string | undefined;
  /** `router_settings.redis_url` or `redis_host`/`redis_port`/`redis_password`/`redis_db`, else `REDIS_URL`, else `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`. */
  redisUrl: string | undefined;
  /** Absolute directory for local state (generated master-key hash, SQLite). */
  dataDir: string;
  /** `litellm_settings.drop_params`: drop parameters a provider cannot take instead of answering 400. */
  dropParams: boolean;
  router: RouterConfig;
  litellmSettings: LitellmSettings;
  /** The top-level `guardrails:` list (docs/guardrails.md); empty when none are configured. */
  guardrails: GuardrailConfig[];
  /** The response cache (`litellm_settings.cache: true` + `cache_params`); undefined: off. docs/caching.md. */
  cache: CacheConfig | undefined;
  /** Traces, logging callbacks and alerts (src/config/observability-settings.ts, docs/observability.md). */
  observability: ObservabilitySettings;
  /** One line per ignored LiteLLM key or questionable setting; main prints them at startup. Never holds values. */
  warnings: string[];
}

export type ConfigSource =
  | { kind: "file"; path: string }
  /** No config file: mock models plus a wildcard deployment per provider credential found in the environment. */
  | { kind: "embedded"; discoveredProviders: string[] };

export interface ServerConfig {
  /** `--host` > `HOST` > `general_settings.host` > 127.0.0.1. */
  host: string;
  /** `--port` > `PORT` > `general_settings.port` > 4000. 0 lets the system choose (tests). */
  port: number;
  /** Present when both `tls_cert_file` and `tls_key_file` are set: serve TLS with ALPN h2 and http/1.1. */
  tls: TlsConfig | undefined;
  /** Request bodies above this are refused with 413 before being read whole. Default 10 MiB. */
  maxRequestBodyBytes: number;
  /** How long in-flight requests may take to finish after SIGTERM. Default 10 000 ms. */
  shutdownGraceMs: number;
  /** Per-connection limits set in general_settings; the server's defaults apply to the rest. */
  connectionLimits: ConnectionLimitSettings;
  /** `GET /metrics` (docs/observability.md). */
  metrics: MetricsSettings;
}

export interface MetricsSettings {
  /** `general_settings.metrics_enabled`, default true. */
  enabled: boolean;
  /** `general_settings.metrics_auth`: `master_key` (default) or `none` (public; for a private network). */
  auth: "master_key" | "none";
  /** `general_settings.metrics_litellm_names`: also export LiteLLM's `litellm_*` names. Default false. */
  litellmNames: boolean;
}

/** The connection limits a config may set (the server's ConnectionLimits, by the same names). */
export interface ConnectionLimitSettings {
  maxConnections?: number;
  firstByteTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  bodyIdleTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  maxHeaderBytes?: number;
}

export interface TlsConfig {
  /** Absolute path of the PEM certificate chain. */
  certFile: string;
  /** Absolute path of the PEM private key. */
  keyFile: string;
}

/** LiteLLM's routing strategies, by their LiteLLM names. */
export type RoutingStrategy =
  | "simple-shuffle"
  | "least-busy"
  | "usage-based-routing"
  | "usage-based-routing-v2"
  | "latency-based-routing"
  | "cost-based-routing";

/** Model group → the groups to try next, in order. */
export type FallbackMap = Record<string, string[]>;

/**
 * Counts per LiteLLM exception class, as `retry_policy` (retries) and `allowed_fails_policy` (failures before a
 * cooldown) spell them. The router maps each class onto ErrorKinds.
 */
export interface ErrorClassCounts {
  badRequest?: number;
  authentication?: number;
  timeout?: number;
  rateLimit?: number;
  contentPolicyViolation?: number;
  internalServer?: number;
}

export interface ModelGroupAlias {
  /** The model group the alias stands for. */
  model: string;
  /** Hidden aliases route but are not listed by /v1/models. */
  hidden: boolean;
}

/**
 * `router_settings`, with the values LiteLLM also reads from `litellm_settings` merged in (router_settings wins,
 * as in LiteLLM). Unset optional values are left to the router's own defaults.
 */
export interface RouterConfig {
  routingStrategy: RoutingStrategy;
  routingStrategyArgs: Record<string, unknown>;
  /** Retries within a model group (router_settings.num_retries, else litellm_settings.num_retries). */
  numRetries: number | undefined;
  /** Default per-attempt timeout (router_settings.timeout, else litellm_settings.request_timeout). */
  timeoutMs: number | undefined;
  /** Default time-to-first-token for streams. */
  streamTimeoutMs: number | undefined;
  /** Minimum wait before a retry; an upstream Retry-After overrides it. Default 0. */
  retryAfterMs: number;
  /** Failures per minute before a deployment cools down. */
  allowedFails: number | undefined;
  allowedFailsPolicy: ErrorClassCounts;
  cooldownTimeMs: number | undefined;
  disableCooldowns: boolean;
  fallbacks: FallbackMap;
  contextWindowFallbacks: FallbackMap;
  contentPolicyFallbacks: FallbackMap;
  /** Groups to try when a group has no fallbacks of its own. */
  defaultFallbacks: string[];
  /** Default 5, as in LiteLLM. */
  maxFallbacks: number;
  /** Alias → group. */
  modelGroupAlias: Record<string, ModelGroupAlias>;
  retryPolicy: ErrorClassCounts;
  /** Check the prompt against `model_info.max_input_tokens` before choosing a deployment. */
  enablePreCallChecks: boolean;
  /** Parallel-request limit for deployments that set none. */
  defaultMaxParallelRequests: number | undefined;
  /** Switchboard: a request may name its own `fallbacks` (default false). */
  allowRequestFallbacks: boolean;
  /** Switchboard: model group → hedge delay, ms (a second attempt starts when the first has not answered). */
  hedgeAfterMs: Record<string, number>;
}

/** The `litellm_settings` Switchboard implements, as given (router-related ones are also merged into `router`). */
export interface LitellmSettings {
  dropParams: boolean;
  numRetries: number | undefined;
  requestTimeoutMs: number | undefined;
  fallbacks: FallbackMap;
  contextWindowFallbacks: FallbackMap;
  contentPolicyFallbacks: FallbackMap;
  defaultFallbacks: string[];
  setVerbose: boolean;
  jsonLogs: boolean;
  /**
   * `default_key_generate_params` / `upperbound_key_generate_params` (LiteLLM field names), applied to every
   * `/key/generate`; undefined when neither is set.
   */
  keyGenerateParams:
    | { defaults: Record<string, unknown>; upperBounds: Record<string, number | string> }
    | undefined;
  /** Proxy-wide budget: `litellm_settings.max_budget`/`budget_duration`, else `general_settings`'s. */
  proxyBudget: { maxBudget: number; budgetDuration: string | undefined } | undefined;
}
