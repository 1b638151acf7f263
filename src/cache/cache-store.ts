/**
 * Where cached answers live: the process's memory (memory-cache-store.ts, an LRU bounded by bytes) or Redis
 * (redis-cache-store.ts, shared by every replica). Values are opaque strings (the serialized entry). A store never
 * throws for an outage: `get` answers undefined and `set` gives up, each within the store's timeout, and the
 * failure is counted (`errors`), so a cache outage costs a miss, never a request.
 */
export interface CacheStore {
  readonly kind: "local" | "redis";
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Store failures so far (timeouts, connection errors), for metrics. */
  readonly errors: number;
  close(): Promise<void>;
}
