import { Redis } from "ioredis";

/** Something about a key or team changed: every replica drops what it cached for it. */
export type Invalidation = { kind: "key"; keyId: string } | { kind: "team"; teamId: string };

export type InvalidationListener = (invalidation: Invalidation) => void;

/**
 * Carries revoke / block / rotate / update notices to every replica's key cache. `isLive()` tells the cache
 * whether it can trust its entries for the long TTL (it hears every change) or must fall back to the short one.
 */
export interface InvalidationBus {
  publish(invalidation: Invalidation): Promise<void>;
  subscribe(listener: InvalidationListener): void;
  isLive(): boolean;
  close(): Promise<void>;
}

/** One process, no Redis: notices go straight to this process's listeners. */
export class LocalInvalidationBus implements InvalidationBus {
  private readonly listeners: InvalidationListener[] = [];

  async publish(invalidation: Invalidation): Promise<void> {
    for (const listener of this.listeners) listener(invalidation);
  }

  subscribe(listener: InvalidationListener): void {
    this.listeners.push(listener);
  }

  isLive(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}

export const INVALIDATION_CHANNEL = "switchboard:keys:invalidate";

export interface RedisInvalidationBusOptions {
  url: string;
  /** Per-command timeout; a slow Redis must not slow an admin call down. */
  commandTimeoutMs?: number;
  channel?: string;
}

/**
 * Redis pub/sub between replicas. Outage policy: publishing delivers to this process first and then to Redis
 * with a short timeout and no offline queue; a failed publish is reported to the caller's log, not retried (the
 * database already holds the change). While the subscription is down, `isLive()` is false and caches use their
 * short TTL, so a revoked key is still refused within that TTL everywhere.
 */
export class RedisInvalidationBus implements InvalidationBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly listeners: InvalidationListener[] = [];
  private subscribed = false;

  constructor(options: RedisInvalidationBusOptions) {
    this.channel = options.channel ?? INVALIDATION_CHANNEL;
    const common = {
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: 2_000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    };
    this.publisher = new Redis(options.url, common);
    this.subscriber = new Redis(options.url, { ...common, commandTimeout: undefined });
    // Connection errors surface through isLive(); unhandled 'error' events would crash the process.
    this.publisher.on("error", () => {});
    this.subscriber.on("error", () => {});
    this.subscriber.on("ready", () => {
      this.subscriber.subscribe(this.channel).then(
        () => {
          this.subscribed = true;
        },
        () => {
          this.subscribed = false;
        },
      );
    });
    this.subscriber.on("close", () => {
      this.subscribed = false;
    });
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const invalidation = parseInvalidation(message);
      if (invalidation !== undefined) this.deliver(invalidation);
    });
  }

  /** Resolves once the subscription is live (or rejects after the timeout), for start-up and tests. */
  async ready(timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isLive()) {
      if (Date.now() > deadline) throw new Error("Redis subscription did not become ready.");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async publish(invalidation: Invalidation): Promise<void> {
    this.deliver(invalidation);
    await this.publisher.publish(this.channel, JSON.stringify(invalidation));
  }

  subscribe(listener: InvalidationListener): void {
    this.listeners.push(listener);
  }

  isLive(): boolean {
    return this.subscribed && this.subscriber.status === "ready";
  }

  async close(): Promise<void> {
    this.subscribed = false;
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private deliver(invalidation: Invalidation): void {
    for (const listener of this.listeners) listener(invalidation);
  }
}

function parseInvalidation(message: string): Invalidation | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record["kind"] === "key" && typeof record["keyId"] === "string") {
    return { kind: "key", keyId: record["keyId"] };
  }
  if (record["kind"] === "team" && typeof record["teamId"] === "string") {
    return { kind: "team", teamId: record["teamId"] };
  }
  return undefined;
}
