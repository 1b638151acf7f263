import type { UsageJournal } from "./usage-journal.js";
import type { UsageRecord } from "./usage-record.js";
import type { UsageStore } from "./usage-store.js";

export interface UsageLedgerOptions {
  journal: UsageJournal;
  store: UsageStore;
  /** How often pending rows go to the database, ms. */
  flushIntervalMs?: number;
  /** A batch this large is flushed at once. */
  batchSize?: number;
  onError?: (error: unknown) => void;
  /** Every recorded row, after it is journaled (live watchers). */
  onRecord?: (record: UsageRecord) => void;
}

/**
 * The ledger's write path: `record` journals the row (synchronously, before the request is acknowledged) and
 * returns; a timer moves journal segments to the database in batches off the hot path. A failed batch stays in
 * its segment and is tried again; `drain` (shutdown) writes everything; `replay` (start) writes what a crashed
 * process journaled. Idempotent inserts make every retry and replay safe.
 */
export class UsageLedger {
  private readonly pending: { path: string; records: UsageRecord[] }[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private unsealed = 0;
  private readonly batchSize: number;
  private closed = false;

  constructor(private readonly options: UsageLedgerOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  /** Journals one row; it reaches the database with the next batch. */
  record(record: UsageRecord): void {
    this.options.journal.append(record);
    this.unsealed += 1;
    this.options.onRecord?.(record);
    if (this.unsealed >= this.batchSize) void this.flush();
  }

  /** Rows journaled by a process that died; returns how many rows were replayed. */
  async replay(): Promise<number> {
    let rows = 0;
    for (const orphan of this.options.journal.orphans()) {
      await this.options.store.insert(orphan.records);
      this.options.journal.discard(orphan.path);
      rows += orphan.records.length;
    }
    return rows;
  }

  /** Writes every pending row now (one flush at a time). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Shutdown: stop the timer and write everything; rows that cannot be written stay journaled for replay. */
  async drain(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
    this.options.journal.close();
  }

  /** Rows journaled but not yet in the database. */
  backlog(): number {
    return this.unsealed + this.pending.reduce((sum, segment) => sum + segment.records.length, 0);
  }

  private async flushOnce(): Promise<void> {
    const sealed = this.options.journal.seal();
    if (sealed !== undefined) {
      this.pending.push(sealed);
      this.unsealed = 0;
    }
    while (this.pending.length > 0) {
      const segment = this.pending[0] as { path: string; records: UsageRecord[] };
      try {
        await this.options.store.insert(segment.records);
      } catch (error) {
        this.options.onError?.(error);
        return;
      }
      this.pending.shift();
      this.options.journal.discard(segment.path);
    }
  }
}
