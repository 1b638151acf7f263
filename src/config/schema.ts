import { z } from "zod";
import { type ConfigLeaves, createLeaves, type EnvLookup } from "./config-leaves.js";
import { EXTRA_LITELLM_PARAM_KEYS, EXTRA_MODEL_INFO_KEYS, type ParamKey } from "./deployment-param-keys.js";
import { createGuardrailEntrySchema } from "./guardrail-config.js";
import { type ConfigSection, UNIMPLEMENTED_LITELLM_KEYS } from "./litellm-unimplemented-keys.js";

/**
 * The zod schema of LiteLLM's `config.yaml`, strict at every level: a key that is neither implemented, nor passed
 * on (deployment-param-keys.ts), nor knowingly ignored (litellm-unimplemented-keys.ts) is an error at its path.
 * Values are validated as LiteLLM documents them (seconds for timeouts, lists of one-key maps for fallbacks);
 * load-config.ts turns the result into the typed, camelCase GatewayConfig.
 *
 * The schema is built per load, bound to the environment (for `os.environ/NAME`) and to a collector that records
 * which ignored keys were present, so that each produces exactly one warning.
 */

/** LiteLLM's routing strategies (router_settings.routing_strategy). */
export const ROUTING_STRATEGIES = [
  "simple-shuffle",
  "least-busy",
  "usage-based-routing",
  "usage-based-routing-v2",
  "latency-based-routing",
  "cost-based-routing",
] as const;

/** `cache_params.type` values Switchboard serves (LiteLLM's semantic, S3, GCS and disk caches are not). */
export const CACHE_TYPES = ["local", "redis"] as const;

/** Collects the ignored LiteLLM keys met during one parse: section → key → how many times. */
export type IgnoredKeyCollector = Map<ConfigSection, Map<string, number>>;

/** Every key a section accepts (for "did you mean" suggestions on unknown keys). */
export type KnownKeys = Map<string, readonly string[]>;

export function createConfigSchema(env: EnvLookup, ignored: IgnoredKeyCollector, known: KnownKeys) {
  const leaf = createLeaves(env);

  /**
   * A strict object for one section. Knowingly ignored keys are accepted, counted and dropped (their values are not
   * resolved, so a missing variable there is no error); rejected keys are an error at their path; anything else
   * unknown is left to zod's strictness. Every key is checked in one pass, so all problems are reported together.
   */
  function section<Shape extends z.ZodRawShape>(name: ConfigSection, shape: Shape) {
    const table = UNIMPLEMENTED_LITELLM_KEYS[name];
    known.set(name, [...Object.keys(shape), ...Object.keys(table)]);
    const unimplemented: Record<string, z.ZodOptional<z.ZodType>> = {};
    for (const [key, entry] of Object.entries(table)) {
      unimplemented[key] =
        entry.action === "reject"
          ? z
              .unknown()
              .superRefine((_value, context) => {
                context.addIssue({ code: "custom", message: `not supported: ${entry.note}` });
              })
              .optional()
          : z
              .unknown()
              .transform(() => {
                const counts = ignored.get(name) ?? new Map<string, number>();
                counts.set(key, (counts.get(key) ?? 0) + 1);
                ignored.set(name, counts);
                return undefined;
              })
              .optional();
    }
    // Typed as the implemented shape alone: unimplemented keys always come out undefined, so callers never see them.
    return z.strictObject({ ...unimplemented, ...shape }) as unknown as z.ZodObject<Shape, z.core.$strict>;
  }

  /** A nested strict object that is not a LiteLLM section of its own (retry_policy, model_group_alias values). */
  function nested<Shape extends z.ZodRawShape>(name: string, shape: Shape) {
    known.set(name, Object.keys(shape));
    return z.strictObject(shape);
  }

  const fallbackList = z.array(z.record(z.string().min(1), leaf.stringList()));

  const retryPolicy = nested("router_settings.retry_policy", {
    BadRequestErrorRetries: leaf.count().optional(),
    AuthenticationErrorRetries: leaf.count().optional(),
    TimeoutErrorRetries: leaf.count().optional(),
    RateLimitErrorRetries: leaf.count().optional(),
    ContentPolicyViolationErrorRetries: leaf.count().optional(),
    InternalServerErrorRetries: leaf.count().optional(),
  });

  const allowedFailsPolicy = nested("router_settings.allowed_fails_policy", {
    BadRequestErrorAllowedFails: leaf.count().optional(),
    AuthenticationErrorAllowedFails: leaf.count().optional(),
    TimeoutErrorAllowedFails: leaf.count().optional(),
    RateLimitErrorAllowedFails: leaf.count().optional(),
    ContentPolicyViolationErrorAllowedFails: leaf.count().optional(),
    InternalServerErrorAllowedFails: leaf.count().optional(),
  });

  const modelGroupAlias = z.record(
    z.string().min(1),
    z.union([
      leaf.string(),
      nested("router_settings.model_group_alias.*", {
        model: leaf.string(),
        hidden: leaf.boolean().optional(),
      }),
    ]),
  );

  const litellmParams = section("model_list[].litellm_params", {
    model: leaf.string(),
    custom_llm_provider: leaf.string().optional(),
    api_base: leaf.httpUrl().optional(),
    api_key: leaf.string().optional(),
    api_version: leaf.string().optional(),
    organization: leaf.string().optional(),
    timeout: leaf.positive().optional(),
    stream_timeout: leaf.positive().optional(),
    max_retries: leaf.count().optional(),
    rpm: leaf.count().optional(),
    tpm: leaf.count().optional(),
    max_parallel_requests: leaf.positiveCount().optional(),
    weight: leaf.positive().optional(),
    order: leaf.positiveCount().optional(),
    extra_headers: z.record(z.string().min(1), leaf.scalarString()).optional(),
    headers: z.record(z.string().min(1), leaf.scalarString()).optional(),
    input_cost_per_token: leaf.nonNegative().optional(),
    output_cost_per_token: leaf.nonNegative().optional(),
    input_cost_per_second: leaf.nonNegative().optional(),
    output_cost_per_second: leaf.nonNegative().optional(),
    ...extraShape(leaf, EXTRA_LITELLM_PARAM_KEYS),
  });

  const modelInfo = section("model_list[].model_info", {
    id: z
      .union([
        leaf.string(),
        z
          .number()
          .int()
          .transform((value) => String(value)),
      ])
      .optional(),
    max_tokens: leaf.positiveCount().optional(),
    max_input_tokens: leaf.positiveCount().optional(),
    max_output_tokens: leaf.positiveCount().optional(),
    input_cost_per_token: leaf.nonNegative().optional(),
    output_cost_per_token: leaf.nonNegative().optional(),
    ...extraShape(leaf, EXTRA_MODEL_INFO_KEYS),
  });

  const modelEntry = section("model_list[]", {
    model_name: leaf.string(),
    litellm_params: litellmParams,
    model_info: absentIfNull(modelInfo),
  });

  // Response caching (docs/caching.md): LiteLLM's cache_params names, plus Switchboard's marked below.
  const cacheParams = nested("litellm_settings.cache_params", {
    type: leaf.oneOf(CACHE_TYPES).optional(),
    host: leaf.string().optional(),
    port: leaf.port().optional(),
    password: leaf.string().optional(),
    username: leaf.string().optional(),
    db: leaf.count().optional(),
    namespace: leaf.string().optional(),
    ttl: leaf.positive().optional(),
    default_in_memory_ttl: leaf.positive().optional(),
    default_in_redis_ttl: leaf.positive().optional(),
    socket_timeout: leaf.positive().optional(),
    max_connections: leaf.positiveCount().optional(),
    supported_call_types: leaf.stringList().optional(),
    mode: leaf.oneOf(["default_on", "default_off"] as const).optional(),
    // Switchboard extensions.
    redis_url: leaf.string().optional(),
    scope: leaf.oneOf(["key", "team", "shared"] as const).optional(),
    cache_nondeterministic: leaf.boolean().optional(),
    max_entry_bytes: leaf.positiveCount().optional(),
    max_memory_bytes: leaf.positiveCount().optional(),
    coalesce_wait_seconds: leaf.nonNegative().optional(),
  });

  const litellmSettings = section("litellm_settings", {
    cache: leaf.boolean().optional(),
    cache_params: absentIfNull(cacheParams),
    drop_params: leaf.boolean().optional(),
    num_retries: leaf.count().optional(),
    request_timeout: leaf.positive().optional(),
    fallbacks: fallbackList.optional(),
    context_window_fallbacks: fallbackList.optional(),
    content_policy_fallbacks: fallbackList.optional(),
    default_fallbacks: leaf.stringList().optional(),
    set_verbose: leaf.boolean().optional(),
    json_logs: leaf.boolean().optional(),
    max_budget: leaf.nonNegative().optional(),
    budget_duration: leaf.string().optional(),
    default_key_generate_params: leaf.jsonObject().optional(),
    upperbound_key_generate_params: leaf.jsonObject().optional(),
    // Logging callbacks and traces (docs/observability.md).
    success_callback: leaf.stringList().optional(),
    failure_callback: leaf.stringList().optional(),
    callbacks: leaf.stringList().optional(),
    turn_off_message_logging: leaf.boolean().optional(),
  });

  const routerSettings = section("router_settings", {
    routing_strategy: leaf.oneOf(ROUTING_STRATEGIES).optional(),
    routing_strategy_args: leaf.jsonObject().optional(),
    num_retries: leaf.count().optional(),
    timeout: leaf.positive().optional(),
    stream_timeout: leaf.positive().optional(),
    retry_after: leaf.nonNegative().optional(),
    allowed_fails: leaf.count().optional(),
    allowed_fails_policy: allowedFailsPolicy.optional(),
    cooldown_time: leaf.nonNegative().optional(),
    disable_cooldowns: leaf.boolean().optional(),
    fallbacks: fallbackList.optional(),
    context_window_fallbacks: fallbackList.optional(),
    content_policy_fallbacks: fallbackList.optional(),
    default_fallbacks: leaf.stringList().optional(),
    max_fallbacks: leaf.count().optional(),
    model_group_alias: modelGroupAlias.optional(),
    retry_policy: retryPolicy.optional(),
    enable_pre_call_checks: leaf.boolean().optional(),
    default_max_parallel_requests: leaf.positiveCount().optional(),
    // Switchboard extensions (not LiteLLM keys): see docs/router.md.
    allow_request_fallbacks: leaf.boolean().optional(),
    hedge_after: z.record(z.string().min(1), leaf.positive()).optional(),
    redis_host: leaf.string().optional(),
    redis_port: leaf.port().optional(),
    redis_password: leaf.string().optional(),
    redis_db: leaf.count().optional(),
    redis_url: leaf.string().optional(),
  });

  const generalSettings = section("general_settings", {
    master_key: leaf.string().optional(),
    database_url: leaf.string().optional(),
    max_request_size_mb: leaf.positive().optional(),
    // Switchboard's own server settings.
    host: leaf.string().optional(),
    port: leaf.port().optional(),
    max_request_body_bytes: leaf.positiveCount().optional(),
    tls_cert_file: leaf.string().optional(),
    tls_key_file: leaf.string().optional(),
    data_dir: leaf.string().optional(),
    shutdown_grace_ms: leaf.count().optional(),
    /** Refuse to start with a weak master key (default: start with a loud warning, as LiteLLM does). */
    strict_master_key: leaf.boolean().optional(),
    /** A proxy-wide budget (the LiteLLM guides put it here too); litellm_settings.max_budget is the same. */
    max_budget: leaf.nonNegative().optional(),
    budget_duration: leaf.string().optional(),
    // Connection limits (src/server/connection-limits.ts); each has a bounded default.
    max_connections: leaf.positiveCount().optional(),
    first_byte_timeout_ms: leaf.positiveCount().optional(),
    headers_timeout_ms: leaf.positiveCount().optional(),
    request_timeout_ms: leaf.positiveCount().optional(),
    body_idle_timeout_ms: leaf.positiveCount().optional(),
    keep_alive_timeout_ms: leaf.positiveCount().optional(),
    max_header_bytes: leaf.positiveCount().optional(),
    // Observability (docs/observability.md).
    metrics_enabled: leaf.boolean().optional(),
    metrics_auth: leaf.oneOf(["master_key", "none"] as const).optional(),
    metrics_litellm_names: leaf.boolean().optional(),
    alerting: leaf.stringList().optional(),
    alerting_threshold: leaf.positive().optional(),
    alert_types: leaf.stringList().optional(),
    alerting_args: leaf.jsonObject().optional(),
  });

  return section("top", {
    model_list: z.array(modelEntry).optional(),
    litellm_settings: absentIfNull(litellmSettings),
    router_settings: absentIfNull(routerSettings),
    general_settings: absentIfNull(generalSettings),
    environment_variables: absentIfNull(createEnvironmentVariablesSchema(env)),
    // docs/guardrails.md
    guardrails: absentIfNull(z.array(createGuardrailEntrySchema(leaf, nested))),
  });
}

/** `environment_variables`: names to scalar values, themselves allowed to be `os.environ/` references. */
export function createEnvironmentVariablesSchema(env: EnvLookup) {
  const leaf = createLeaves(env);
  return z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not a valid variable name"),
    leaf.scalarString(),
  );
}

export type RawConfig = z.output<ReturnType<typeof createConfigSchema>>;
export type RawModelEntry = NonNullable<RawConfig["model_list"]>[number];
export type RawLitellmParams = RawModelEntry["litellm_params"];
export type RawModelInfo = NonNullable<RawModelEntry["model_info"]>;
export type RawRouterSettings = NonNullable<RawConfig["router_settings"]>;
export type RawLitellmSettings = NonNullable<RawConfig["litellm_settings"]>;
export type RawGeneralSettings = NonNullable<RawConfig["general_settings"]>;
export type RawCacheParams = NonNullable<RawLitellmSettings["cache_params"]>;
export type RawFallbackList = NonNullable<RawRouterSettings["fallbacks"]>;

/** An optional section that may also be written as an empty YAML key (`general_settings:` → null). */
function absentIfNull<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

function extraShape(leaf: ConfigLeaves, table: Readonly<Record<string, ParamKey>>) {
  const shape: Record<string, z.ZodOptional<z.ZodType>> = {};
  for (const [key, descriptor] of Object.entries(table)) shape[key] = leaf[descriptor.kind]().optional();
  return shape;
}
