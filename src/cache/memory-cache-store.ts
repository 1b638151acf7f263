import { LRUCache } from "lru-cache";
import type { CacheStore } from "./cache-store.js";

export interface MemoryCacheStoreOptions {
  /** Total bytes of all entries (UTF-16 length × 2, a bound on the strings' memory). */
  maxBytes: number;
}

/**
 * The in-process store: an LRU bounded by the bytes of its entries, each with its own TTL (lru-cache evicts the
 * least recently used entry when a new one does not fit, and never returns an expired one).
 */
export class MemoryCacheStore implements CacheStore {
  readonly kind = "local";
  readonly errors = 0;
  private readonly lru: LRUCache<string, string>;

  constructor(options: MemoryCacheStoreOptions) {
    this.lru = new LRUCache<string, string>({
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => (value.length + key.length) * 2,
      ttlAutopurge: false,
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.lru.set(key, value, { ttl: ttlMs });
  }

  /** Entries held (tests, metrics). */
  get size(): number {
    return this.lru.size;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
