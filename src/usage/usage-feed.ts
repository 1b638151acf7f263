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
    this.subscriber = new Redis(redisUrl, {
      ...options,
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
    this.publisher.on("error", () => {});
    this.subscriber.on("error", () => {});
    void this.subscriber.subscribe(CHANNEL).catch(() => {});
    this.subscriber.on("message", (_channel: string, message: string) => {
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

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
