import { Redis } from "ioredis";
import type { CacheStore } from "./cache-store.js";

export interface RedisCacheStoreOptions {
  /** A redis:// or rediss:// URL, or the address parts. */
  connection:
    | { url: string }
    | { host: string; port: number; password?: string; username?: string; db?: number };
  /** Key prefix (LiteLLM's `cache_params.namespace`). */
  prefix: string;
  /** Per-command timeout, ms: a slow Redis is a miss after this long. */
  commandTimeoutMs: number;
  /** Told once when the store stops answering and once when it answers again (logging). */
  onStateChange?: (event: { available: boolean; reason: string }) => void;
}

/**
 * Cached answers in Redis, shared by every replica. Outage policy: bypass. Commands fail fast (commandTimeout, no
 * offline queue, no retries per request) and the client reconnects in the background; meanwhile `get` answers
 * undefined and `set` is dropped, so requests go upstream as if the cache were empty.
 */
export class RedisCacheStore implements CacheStore {
  readonly kind = "redis";
  private failures = 0;
  private available = true;
  private readonly redis: Redis;

  constructor(private readonly options: RedisCacheStoreOptions) {
    const settings = {
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: Math.max(options.commandTimeoutMs * 5, 500),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
      lazyConnect: false,
    };
    const connection = options.connection;
    this.redis =
      "url" in connection ? new Redis(connection.url, settings) : new Redis({ ...connection, ...settings });
    this.redis.on("error", () => undefined);
  }

  get errors(): number {
    return this.failures;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const value = await this.redis.get(this.options.prefix + key);
      this.up();
      return value ?? undefined;
    } catch (error) {
      this.down(error);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(this.options.prefix + key, value, "PX", Math.max(1, Math.round(ttlMs)));
      this.up();
    } catch (error) {
      this.down(error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private up(): void {
    if (this.available) return;
    this.available = true;
    this.options.onStateChange?.({ available: true, reason: "Redis answers again" });
  }

  private down(error: unknown): void {
    this.failures++;
    if (!this.available) return;
    this.available = false;
    // The reason is ioredis's message (a connection state or a timeout), never a value or a key.
    const reason = error instanceof Error ? error.message.slice(0, 200) : "unknown error";
    this.options.onStateChange?.({ available: false, reason });
  }
}
