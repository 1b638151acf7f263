import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { UsageRecord } from "./usage-record.js";

type Listener = (record: UsageRecord) => void;

const CHANNEL = "switchboard:usage";

/**
 * Live usage records for WatchUsage. Records of this replica are delivered at once; with Redis, they are also
 * published so that a watcher connected to any replica sees every replica's records. Best effort by design:
 * the ledger is the record of truth, the feed is for dashboards.
 */
export class UsageFeed {
  private readonly listeners = new Set<Listener>();
  private readonly instance = randomUUID();
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  /** Records of this event-loop turn, published together (one Redis message per turn, not per row). */
  private outbox: UsageRecord[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(redisUrl?: string) {
    if (redisUrl === undefined || redisUrl === "") return;
    const options = {
      commandTimeout: 250,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
    };
    this.publisher = new Redis(redisUrl, options);
    // Connected and subscribed only while this replica has a watcher: otherwise every replica would receive and
    // parse every other replica's records only to drop them (measured: a third of Redis's CPU per request with
    // two workers).
    this.subscriber = new Redis(redisUrl, {
      ...options,
      enableOfflineQueue: true,
      commandTimeout: undefined,
      lazyConnect: true,
    });
    this.publisher.on("error", () => {});
    this.subscriber.on("error", () => {});
    this.subscriber.on("message", (_channel: string, message: string) => {
      if (this.listeners.size === 0) return;
      try {
        const parsed = JSON.parse(message) as { from: string; records?: UsageRecord[]; record?: UsageRecord };
        if (parsed.from === this.instance) return;
        for (const record of parsed.records ?? (parsed.record !== undefined ? [parsed.record] : []))
          this.deliver(record);
      } catch {
        // Not ours.
      }
    });
  }

  publish(record: UsageRecord): void {
    this.deliver(record);
    if (this.publisher === undefined) return;
    this.outbox.push(record);
    this.scheduled ??= setImmediate(() => this.send());
  }

  private send(): void {
    this.scheduled = undefined;
    const records = this.outbox;
    this.outbox = [];
    if (records.length === 0 || this.publisher === undefined) return;
    this.publisher.publish(CHANNEL, JSON.stringify({ from: this.instance, records })).catch(() => {});
  }

  /** Adds a watcher; the returned function removes it (the last one leaving unsubscribes from Redis). */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) void this.subscriber?.subscribe(CHANNEL).catch(() => {});
    return () => {
      const removed = this.listeners.delete(listener);
      if (removed && this.listeners.size === 0) void this.subscriber?.unsubscribe(CHANNEL).catch(() => {});
      return removed;
    };
  }

  async close(): Promise<void> {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.send();
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
  }

  private deliver(record: UsageRecord): void {
    for (const listener of this.listeners) listener(record);
  }
}
