import type { ResponseCacheSettings } from "../../src/cache/index.js";

/** Response-cache settings for tests: in memory, on for every surface, the defaults docs/caching.md lists. */
export function cacheSettings(over: Partial<ResponseCacheSettings> = {}): ResponseCacheSettings {
  return {
    type: "local",
    redis: undefined,
    namespace: "switchboard-test:cache:",
    ttlSeconds: 60,
    mode: "default_on",
    surfaces: ["chat_completions", "rpc", "messages", "responses"],
    scope: "key",
    cacheNondeterministic: false,
    maxEntryBytes: 1024 * 1024,
    maxMemoryBytes: 8 * 1024 * 1024,
    commandTimeoutMs: 200,
    coalesceWaitMs: 30_000,
    ...over,
  };
}
