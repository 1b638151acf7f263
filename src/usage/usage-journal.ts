import { close, fdatasync, mkdirSync, openSync, readdirSync, readFileSync, unlink, writeSync } from "node:fs";
import { join } from "node:path";
import type { UsageRecord } from "./usage-record.js";

export type FsyncPolicy = "always" | "interval" | "never";

export interface UsageJournalOptions {
  directory: string;
  /**
   * "interval" (default): rows are written (to the kernel) before they are acknowledged and fsynced at most every
   * `fsyncIntervalMs`. A process crash (kill -9) loses nothing, because written bytes are in the kernel's page
   * cache; a machine crash loses at most the last interval. "always": a row is acknowledged only after the fsync
   * of its group (durable across power loss, slower). "never": tests.
   */
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
}

/** A closed segment, ready for the database. */
export interface SealedSegment {
  path: string;
  records: UsageRecord[];
}

interface Segment {
  path: string;
  fd: number;
  records: UsageRecord[];
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The local, append-only usage journal: every row is written here before the request is acknowledged, then
 * copied to the database in batches. Files are segments named `<pid>-<time>-<seq>.jsonl`; a segment is deleted only
 * after all its rows are in the database. On start, segments of processes that are no longer alive are
 * replayed (rows are idempotent by (request id, attempt), so a replay never duplicates).
 *
 * Group commit: rows appended during one turn of the event loop are written with one `write` in the loop's check
 * phase (setImmediate), and every append of that turn resolves after it. fsync, close and unlink use the async fs
 * API (the thread pool), so the event loop never waits for the disk.
 */
export class UsageJournal {
  private readonly directory: string;
  private readonly policy: FsyncPolicy;
  private readonly intervalMs: number;
  private current: Segment | undefined;
  private sequence = 0;
  private dirty = false;
  private syncing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lines = "";
  private batch: UsageRecord[] = [];
  private waiters: Waiter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  /** Groups written whose fsync ("always") has not finished: seal waits for them. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: UsageJournalOptions) {
    this.directory = options.directory;
    this.policy = options.fsync ?? "interval";
    this.intervalMs = options.fsyncIntervalMs ?? 50;
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    if (this.policy === "interval") {
      this.timer = setInterval(() => this.sync(), this.intervalMs);
      this.timer.unref();
    }
  }

  /**
   * Appends rows; resolves once they are written (with "always": fsynced), so a process crash after it resolves
   * loses none of them. Rows appended in the same event-loop turn share one write.
   */
  append(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    for (const record of records) {
      this.lines += `${JSON.stringify(record)}\n`;
      this.batch.push(record);
    }
    this.scheduled ??= setImmediate(() => this.commit());
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
  }

  /** Rows appended but not yet written (their write is scheduled for this turn's end). */
  get queued(): number {
    return this.batch.length;
  }

  /** Writes what this turn appended: one write for the whole group, then every waiter of the group resolves. */
  private commit(): void {
    this.scheduled = undefined;
    if (this.batch.length === 0) return;
    const lines = this.lines;
    const batch = this.batch;
    const waiters = this.waiters;
    this.lines = "";
    this.batch = [];
    this.waiters = [];
    let segment: Segment;
    try {
      segment = this.open();
      // One write of a few KiB into the page cache (no disk wait); loop until the kernel took every byte.
      const bytes = Buffer.from(lines, "utf8");
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(segment.fd, bytes, offset);
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    for (const record of batch) segment.records.push(record);
    if (this.policy !== "always") {
      this.dirty = true;
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    const synced = new Promise<void>((resolve) => {
      fdatasync(segment.fd, (error) => {
        for (const waiter of waiters) {
          if (error) waiter.reject(error);
          else waiter.resolve();
        }
        resolve();
      });
    });
    this.inFlight.add(synced);
    void synced.then(() => this.inFlight.delete(synced));
  }

  private open(): Segment {
    if (this.current === undefined) {
      this.sequence += 1;
      const path = join(this.directory, `${process.pid}-${Date.now()}-${this.sequence}.jsonl`);
      this.current = { path, fd: openSync(path, "a", 0o600), records: [] };
    }
    return this.current;
  }

  /**
   * Closes the segment being written and hands it over for the database; undefined when nothing is written yet.
   * Rows queued for this turn's write are written first, so a flush carries every row recorded before it.
   */
  async seal(): Promise<SealedSegment | undefined> {
    this.writeQueued();
    const segment = this.current;
    if (segment === undefined) return undefined;
    this.current = undefined;
    await Promise.all([...this.inFlight, this.syncing]);
    if (this.policy !== "never") await datasync(segment.fd).catch(() => {});
    await new Promise<void>((resolve) => close(segment.fd, () => resolve()));
    return { path: segment.path, records: segment.records };
  }

  /** A sealed segment is in the database: forget it. */
  discard(path: string): Promise<void> {
    return new Promise((resolve) => {
      // An error means it is already gone (another process replayed it).
      unlink(path, () => resolve());
    });
  }

  /** Segments left by processes that died (or by this one's previous life): their rows, to write again. */
  orphans(): SealedSegment[] {
    const out: SealedSegment[] = [];
    for (const name of readdirSync(this.directory).sort()) {
      if (!name.endsWith(".jsonl")) continue;
      const pid = Number(name.split("-")[0]);
      if (pid === process.pid && this.current?.path === join(this.directory, name)) continue;
      if (pid !== process.pid && isAlive(pid)) continue;
      const path = join(this.directory, name);
      const records: UsageRecord[] = [];
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (line.trim() === "") continue;
        try {
          records.push(JSON.parse(line) as UsageRecord);
        } catch {
          // A torn last line from a crash mid-write: that row was never acknowledged.
        }
      }
      out.push({ path, records });
    }
    return out;
  }

  /** Writes what is queued now and stops the fsync timer (shutdown; `seal` then closes the last segment). */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.writeQueued();
  }

  /** The group write of this turn, now instead of at the turn's end. */
  private writeQueued(): void {
    if (this.scheduled === undefined) return;
    clearImmediate(this.scheduled);
    this.commit();
  }

  /** The interval policy's periodic fsync, on the thread pool; one at a time. */
  private sync(): void {
    if (!this.dirty || this.syncing !== undefined || this.current === undefined) return;
    this.dirty = false;
    // An error: the next interval or the seal tries again.
    this.syncing = datasync(this.current.fd)
      .catch(() => {})
      .finally(() => {
        this.syncing = undefined;
      });
  }
}

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
