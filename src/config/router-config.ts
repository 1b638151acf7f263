import type { Deployment } from "../core/types/deployment.js";
import type {
  ErrorClassCounts,
  FallbackMap,
  LitellmSettings,
  ModelGroupAlias,
  RouterConfig,
} from "./gateway-config.js";
import type { RawFallbackList, RawLitellmSettings, RawRouterSettings } from "./schema.js";

const DEFAULT_MAX_FALLBACKS = 5;

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

/** LiteLLM's list of one-key maps (`[{gpt-4: [gpt-4o-mini]}]`) as one map; repeated groups are concatenated. */
export function toFallbackMap(list: RawFallbackList | undefined): FallbackMap {
  const map: FallbackMap = {};
  for (const item of list ?? []) {
    for (const [group, targets] of Object.entries(item)) {
      const merged = [...(map[group] ?? []), ...targets];
      map[group] = [...new Set(merged)];
    }
  }
  return map;
}

/** `litellm_settings` as Switchboard implements it. */
export function buildLitellmSettings(raw: RawLitellmSettings | undefined): LitellmSettings {
  return {
    dropParams: raw?.drop_params ?? false,
    numRetries: raw?.num_retries,
    requestTimeoutMs: secondsToMs(raw?.request_timeout),
    fallbacks: toFallbackMap(raw?.fallbacks),
    contextWindowFallbacks: toFallbackMap(raw?.context_window_fallbacks),
    contentPolicyFallbacks: toFallbackMap(raw?.content_policy_fallbacks),
    defaultFallbacks: raw?.default_fallbacks ?? [],
    setVerbose: raw?.set_verbose ?? false,
    jsonLogs: raw?.json_logs ?? false,
    // Filled by load-config's buildBudgetSettings (it needs general_settings and the problem list).
    keyGenerateParams: undefined,
    proxyBudget: undefined,
  };
}

/**
 * The router's settings: `router_settings`, falling back to the same settings in `litellm_settings` (LiteLLM: "settings
 * on router_settings will override those on litellm_settings"). Seconds become milliseconds.
 */
export function buildRouterConfig(
  raw: RawRouterSettings | undefined,
  litellm: LitellmSettings,
): RouterConfig {
  const aliases: Record<string, ModelGroupAlias> = {};
  for (const [alias, target] of Object.entries(raw?.model_group_alias ?? {})) {
    aliases[alias] =
      typeof target === "string"
        ? { model: target, hidden: false }
        : { model: target.model, hidden: target.hidden ?? false };
  }
  const policy = raw?.retry_policy;
  const failsPolicy = raw?.allowed_fails_policy;
  return {
    routingStrategy: raw?.routing_strategy ?? "simple-shuffle",
    routingStrategyArgs: raw?.routing_strategy_args ?? {},
    numRetries: raw?.num_retries ?? litellm.numRetries,
    timeoutMs: secondsToMs(raw?.timeout) ?? litellm.requestTimeoutMs,
    streamTimeoutMs: secondsToMs(raw?.stream_timeout),
    retryAfterMs: secondsToMs(raw?.retry_after) ?? 0,
    allowedFails: raw?.allowed_fails,
    allowedFailsPolicy: compact({
      badRequest: failsPolicy?.BadRequestErrorAllowedFails,
      authentication: failsPolicy?.AuthenticationErrorAllowedFails,
      timeout: failsPolicy?.TimeoutErrorAllowedFails,
      rateLimit: failsPolicy?.RateLimitErrorAllowedFails,
      contentPolicyViolation: failsPolicy?.ContentPolicyViolationErrorAllowedFails,
      internalServer: failsPolicy?.InternalServerErrorAllowedFails,
    }),
    cooldownTimeMs: secondsToMs(raw?.cooldown_time),
    disableCooldowns: raw?.disable_cooldowns ?? false,
    fallbacks: raw?.fallbacks === undefined ? litellm.fallbacks : toFallbackMap(raw.fallbacks),
    contextWindowFallbacks:
      raw?.context_window_fallbacks === undefined
        ? litellm.contextWindowFallbacks
        : toFallbackMap(raw.context_window_fallbacks),
    contentPolicyFallbacks:
      raw?.content_policy_fallbacks === undefined
        ? litellm.contentPolicyFallbacks
        : toFallbackMap(raw.content_policy_fallbacks),
    defaultFallbacks: raw?.default_fallbacks ?? litellm.defaultFallbacks,
    maxFallbacks: raw?.max_fallbacks ?? DEFAULT_MAX_FALLBACKS,
    modelGroupAlias: aliases,
    retryPolicy: compact({
      badRequest: policy?.BadRequestErrorRetries,
      authentication: policy?.AuthenticationErrorRetries,
      timeout: policy?.TimeoutErrorRetries,
      rateLimit: policy?.RateLimitErrorRetries,
      contentPolicyViolation: policy?.ContentPolicyViolationErrorRetries,
      internalServer: policy?.InternalServerErrorRetries,
    }),
    enablePreCallChecks: raw?.enable_pre_call_checks ?? false,
    defaultMaxParallelRequests: raw?.default_max_parallel_requests,
    allowRequestFallbacks: raw?.allow_request_fallbacks ?? false,
    hedgeAfterMs: Object.fromEntries(
      Object.entries(raw?.hedge_after ?? {}).map(([group, seconds]) => [group, Math.round(seconds * 1000)]),
    ),
  };
}

function compact(counts: Record<keyof ErrorClassCounts, number | undefined>): ErrorClassCounts {
  const out: ErrorClassCounts = {};
  for (const [key, value] of Object.entries(counts) as [keyof ErrorClassCounts, number | undefined][]) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** True when `name` is served: a configured group, or matched by a wildcard group such as `openai/*`. */
export function isServedGroup(name: string, deployments: readonly Deployment[]): boolean {
  return deployments.some((deployment) => matchesGroupPattern(deployment.modelName, name));
}

/** `*` in a model_name matches any run of characters (LiteLLM's wildcard routing); anything else is literal. */
export function matchesGroupPattern(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const parts = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`, "s").test(name);
}

/**
 * Warnings for fallbacks and aliases that name a model group nothing serves: a typo there only shows when the
 * fallback is needed, so it is reported at startup. Warnings, not errors, because a group may be served by a
 * wildcard the check cannot see through (e.g. a provider-side alias).
 */
export function checkGroupReferences(
  router: RawRouterSettings | undefined,
  litellm: RawLitellmSettings | undefined,
  deployments: readonly Deployment[],
): string[] {
  const warnings: string[] = [];
  const aliases = new Set(Object.keys(router?.model_group_alias ?? {}));
  const served = (name: string) => name === "*" || aliases.has(name) || isServedGroup(name, deployments);
  const check = (path: string, name: string) => {
    if (!served(name))
      warnings.push(`${path}: model group '${name}' is not served by any deployment in model_list`);
  };
  const sections: [string, RawRouterSettings | RawLitellmSettings | undefined][] = [
    ["router_settings", router],
    ["litellm_settings", litellm],
  ];
  for (const [sectionName, section] of sections) {
    for (const kind of ["fallbacks", "context_window_fallbacks", "content_policy_fallbacks"] as const) {
      for (const [group, targets] of Object.entries(toFallbackMap(section?.[kind]))) {
        check(`${sectionName}.${kind}`, group);
        for (const target of targets) check(`${sectionName}.${kind}`, target);
      }
    }
    for (const target of section?.default_fallbacks ?? []) check(`${sectionName}.default_fallbacks`, target);
  }
  for (const [alias, target] of Object.entries(router?.model_group_alias ?? {})) {
    const model = typeof target === "string" ? target : target.model;
    if (!isServedGroup(model, deployments)) {
      warnings.push(
        `router_settings.model_group_alias.${alias}: model group '${model}' is not served by any deployment`,
      );
    }
  }
  return warnings;
}
