import type { RequestSurface } from "../core/chat/request-observer.js";
import type { RawCacheParams, RawLitellmSettings } from "./schema.js";

/** The response cache as configured (`litellm_settings.cache: true` and `cache_params`); see docs/caching.md. */
export interface CacheConfig {
  type: "local" | "redis";
  /** Redis: `cache_params.redis_url`, else host/port/password/username/db, else the gateway's Redis (REDIS_URL…). */
  redis:
    | { url: string }
    | { host: string; port: number; password?: string; username?: string; db?: number }
    | undefined;
  /** Redis key prefix (`cache_params.namespace`). */
  namespace: string;
  ttlSeconds: number;
  mode: "default_on" | "default_off";
  surfaces: RequestSurface[];
  scope: "key" | "team" | "shared";
  cacheNondeterministic: boolean;
  maxEntryBytes: number;
  maxMemoryBytes: number;
  commandTimeoutMs: number;
  coalesceWaitMs: number;
}

export const CACHE_DEFAULTS = {
  namespace: "switchboard:cache:",
  ttlSeconds: 3_600,
  maxEntryBytes: 1024 * 1024,
  maxMemoryBytes: 64 * 1024 * 1024,
  commandTimeoutMs: 200,
  coalesceWaitSeconds: 60,
} as const;

/** LiteLLM call types → the surfaces they cover here; `null`: a LiteLLM call type whose answers are not cached. */
const CALL_TYPES: Record<string, readonly RequestSurface[] | null> = {
  completion: ["chat_completions", "rpc"],
  acompletion: ["chat_completions", "rpc"],
  anthropic_messages: ["messages"],
  aanthropic_messages: ["messages"],
  responses: ["responses"],
  aresponses: ["responses"],
  embedding: null,
  aembedding: null,
  text_completion: null,
  atext_completion: null,
  transcription: null,
  atranscription: null,
  rerank: null,
  arerank: null,
};

const ALL_SURFACES: RequestSurface[] = ["chat_completions", "rpc", "messages", "responses"];

/**
 * The cache settings, or undefined when the cache is off. Problems (an unknown call type, Redis without an
 * address) go to `problems`; LiteLLM settings Switchboard accepts but does not act on go to `warnings`.
 */
export function buildCacheConfig(
  raw: RawLitellmSettings | undefined,
  redisUrl: string | undefined,
  problems: string[],
  warnings: string[],
): CacheConfig | undefined {
  const params: RawCacheParams = raw?.cache_params ?? {};
  if (raw?.cache !== true) {
    if (raw?.cache_params !== undefined)
      warnings.push(
        "litellm_settings.cache_params: set, but litellm_settings.cache is not true: the response cache is off",
      );
    return undefined;
  }
  const type = params.type ?? "local";
  const surfaces = new Set<RequestSurface>();
  if (params.supported_call_types === undefined) for (const surface of ALL_SURFACES) surfaces.add(surface);
  for (const [index, name] of (params.supported_call_types ?? []).entries()) {
    const mapped = CALL_TYPES[name];
    if (mapped === undefined) {
      problems.push(
        `litellm_settings.cache_params.supported_call_types[${index}]: unknown call type '${name}' (expected one of ${Object.keys(CALL_TYPES).join(", ")})`,
      );
    } else if (mapped === null) {
      warnings.push(
        `litellm_settings.cache_params.supported_call_types: '${name}' answers are not cached by Switchboard`,
      );
    } else for (const surface of mapped) surfaces.add(surface);
  }
  if (params.max_connections !== undefined)
    warnings.push(
      "litellm_settings.cache_params.max_connections: ignored (one multiplexed Redis connection per process)",
    );
  let redis: CacheConfig["redis"];
  if (type === "redis") {
    if (params.redis_url !== undefined) {
      if (params.host !== undefined)
        problems.push("litellm_settings.cache_params.redis_url: set either redis_url or host, not both");
      if (!/^rediss?:\/\//.test(params.redis_url))
        problems.push("litellm_settings.cache_params.redis_url: must start with redis:// or rediss://");
      redis = { url: params.redis_url };
    } else if (params.host !== undefined) {
      redis = {
        host: params.host,
        port: params.port ?? 6379,
        ...(params.password !== undefined ? { password: params.password } : {}),
        ...(params.username !== undefined ? { username: params.username } : {}),
        ...(params.db !== undefined ? { db: params.db } : {}),
      };
    } else if (redisUrl !== undefined) {
      redis = { url: redisUrl };
    } else {
      problems.push(
        "litellm_settings.cache_params.host: required for type redis (or set redis_url, REDIS_URL or REDIS_HOST)",
      );
    }
  } else {
    for (const key of [
      "host",
      "port",
      "password",
      "username",
      "db",
      "redis_url",
      "default_in_redis_ttl",
    ] as const)
      if (params[key] !== undefined)
        warnings.push(
          `litellm_settings.cache_params.${key}: ignored for type local (the cache is in memory)`,
        );
  }
  const typeTtl = type === "redis" ? params.default_in_redis_ttl : params.default_in_memory_ttl;
  return {
    type,
    redis,
    namespace: params.namespace !== undefined ? `${params.namespace}:` : CACHE_DEFAULTS.namespace,
    ttlSeconds: params.ttl ?? typeTtl ?? CACHE_DEFAULTS.ttlSeconds,
    mode: params.mode ?? "default_on",
    surfaces: [...surfaces],
    scope: params.scope ?? "key",
    cacheNondeterministic: params.cache_nondeterministic ?? false,
    maxEntryBytes: params.max_entry_bytes ?? CACHE_DEFAULTS.maxEntryBytes,
    maxMemoryBytes: params.max_memory_bytes ?? CACHE_DEFAULTS.maxMemoryBytes,
    commandTimeoutMs:
      params.socket_timeout !== undefined
        ? Math.max(1, Math.round(params.socket_timeout * 1000))
        : CACHE_DEFAULTS.commandTimeoutMs,
    coalesceWaitMs: Math.round((params.coalesce_wait_seconds ?? CACHE_DEFAULTS.coalesceWaitSeconds) * 1000),
  };
}
