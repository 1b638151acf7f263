import { Counter, type Registry } from "prom-client";
import type { RequestSurface } from "../core/chat/request-observer.js";
import type { ResponseCache } from "../core/chat/response-cache.js";
import type { CacheStore } from "./cache-store.js";
import { ExactMatchCache } from "./exact-match-cache.js";
import { MemoryCacheStore } from "./memory-cache-store.js";
import { RedisCacheStore } from "./redis-cache-store.js";

export { ExactMatchCache } from "./exact-match-cache.js";
export { MemoryCacheStore } from "./memory-cache-store.js";
export { RedisCacheStore } from "./redis-cache-store.js";

/** What the composition root gives the cache (the config's CacheConfig has this shape). */
export interface ResponseCacheSettings {
  type: "local" | "redis";
  redis:
    | { url: string }
    | { host: string; port: number; password?: string; username?: string; db?: number }
    | undefined;
  namespace: string;
  ttlSeconds: number;
  mode: "default_on" | "default_off";
  surfaces: readonly RequestSurface[];
  scope: "key" | "team" | "shared";
  cacheNondeterministic: boolean;
  maxEntryBytes: number;
  maxMemoryBytes: number;
  commandTimeoutMs: number;
  coalesceWaitMs: number;
}

export interface CreatedResponseCache {
  cache: ExactMatchCache & ResponseCache;
  store: CacheStore;
  close(): Promise<void>;
}

/**
 * Builds the response cache from its settings: the store (memory or Redis), the cache itself, and its metrics on
 * the gateway's registry (`switchboard_cache_requests_total{surface,result}`, `switchboard_cache_saved_usd_total`).
 */
export function createResponseCache(
  settings: ResponseCacheSettings,
  dependencies: {
    registry?: Registry | undefined;
    onStoreStateChange?: (event: { available: boolean; reason: string }) => void;
  } = {},
): CreatedResponseCache {
  let store: CacheStore;
  if (settings.type === "redis") {
    if (settings.redis === undefined) throw new Error("cache_params: a Redis cache needs an address");
    store = new RedisCacheStore({
      connection: settings.redis,
      prefix: settings.namespace,
      commandTimeoutMs: settings.commandTimeoutMs,
      ...(dependencies.onStoreStateChange !== undefined
        ? { onStateChange: dependencies.onStoreStateChange }
        : {}),
    });
  } else {
    store = new MemoryCacheStore({ maxBytes: settings.maxMemoryBytes });
  }
  const registers = dependencies.registry !== undefined ? [dependencies.registry] : [];
  const requests = new Counter({
    name: "switchboard_cache_requests_total",
    help: "Response-cache lookups by result: hit (stored answer), coalesced (an identical request's answer), miss.",
    labelNames: ["surface", "result"],
    registers,
  });
  const saved = new Counter({
    name: "switchboard_cache_saved_usd_total",
    help: "What the answers served from the response cache cost when they were first produced, US dollars.",
    registers,
  });
  new Counter({
    name: "switchboard_cache_store_errors_total",
    help: "Response-cache store failures (timeouts, connection errors); each one was a bypass, never a failed request.",
    registers,
    collect() {
      this.reset();
      this.inc(store.errors);
    },
  });
  const cache = new ExactMatchCache({
    store,
    ttlSeconds: settings.ttlSeconds,
    mode: settings.mode,
    surfaces: new Set(settings.surfaces),
    scope: settings.scope,
    cacheNondeterministic: settings.cacheNondeterministic,
    maxEntryBytes: settings.maxEntryBytes,
    coalesceWaitMs: settings.coalesceWaitMs,
    onResult: (result, surface, savedCostUsd) => {
      requests.labels(surface, result).inc();
      if (result !== "miss" && savedCostUsd !== undefined && savedCostUsd > 0) saved.inc(savedCostUsd);
    },
  });
  return { cache, store, close: () => store.close() };
}
