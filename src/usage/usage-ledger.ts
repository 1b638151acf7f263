import type { UsageSink } from "./sqlite-usage-writer.js";
import type { SealedSegment, UsageJournal } from "./usage-journal.js";
import type { UsageRecord } from "./usage-record.js";
import type { UsageStore } from "./usage-store.js";

export interface UsageLedgerOptions {
  journal: UsageJournal;
  store: UsageStore;
  /**
   * Where batches go when not through `store` on this thread (the SQLite writer thread). When it fails, batches
   * go through `store` instead.
   */
  writer?: UsageSink | undefined;
  /** How often pending rows go to the database, ms. */
  flushIntervalMs?: number;
  /** A batch this large is flushed at once. */
  batchSize?: number;
  onError?: (error: unknown) => void;
  /** Every recorded row, as it is journaled (live watchers). */
  onRecord?: (record: UsageRecord) => void;
}

/**
 * The ledger's write path: `record` journals the rows and resolves once they are written (group commit: one
 * journal write per event-loop turn for every row of that turn); settlement awaits it, so a request is
 * acknowledged only after its row is journaled. A timer moves sealed journal segments to the database in batches,
 * off the request path (the SQLite writer thread, or PostgreSQL's async driver). A failed batch stays in its
 * segment and is tried again; `drain` (shutdown) writes everything; `replay` (start) writes what a crashed process
 * journaled. Idempotent inserts make every retry and replay safe.
 */
export class UsageLedger {
  private readonly pending: SealedSegment[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private readonly batchSize: number;
  private closed = false;
  private journaled = 0;

  constructor(private readonly options: UsageLedgerOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  /** Journals rows; resolves when they are in the journal. They reach the database with the next batch. */
  record(records: readonly UsageRecord[]): Promise<void> {
    const written = this.options.journal.append(records);
    this.journaled += records.length;
    if (this.options.onRecord !== undefined) for (const record of records) this.options.onRecord(record);
    if (this.journaled >= this.batchSize) void this.flush();
    return written;
  }

  /** Rows journaled by a process that died; returns how many rows were replayed. */
  async replay(): Promise<number> {
    let rows = 0;
    for (const orphan of this.options.journal.orphans()) {
      await this.options.store.insert(orphan.records);
      await this.options.journal.discard(orphan.path);
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
    this.options.journal.close();
    await this.flush();
    await this.options.writer?.close();
  }

  /** Rows journaled but not yet in the database. */
  backlog(): number {
    return this.journaled + this.pending.reduce((sum, segment) => sum + segment.records.length, 0);
  }

  private async flushOnce(): Promise<void> {
    const sealed = await this.options.journal.seal();
    if (sealed !== undefined) {
      this.pending.push(sealed);
      this.journaled = Math.max(0, this.journaled - sealed.records.length);
    }
    while (this.pending.length > 0) {
      const segment = this.pending[0] as SealedSegment;
      try {
        await this.write(segment);
      } catch (error) {
        this.options.onError?.(error);
        return;
      }
      this.pending.shift();
      await this.options.journal.discard(segment.path);
    }
  }

  private write(segment: SealedSegment): Promise<void> {
    const writer = this.options.writer;
    if (writer !== undefined && writer.healthy !== false) return writer.write(segment);
    return this.options.store.insert(segment.records);
  }
}
