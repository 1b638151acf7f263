import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { UsageRecord } from "./usage-record.js";

export type FsyncPolicy = "always" | "interval" | "never";

export interface UsageJournalOptions {
  directory: string;
  /**
   * "interval" (default): write() every row at once, fsync at most every `fsyncIntervalMs`. A process crash
   * (kill -9) loses nothing, because written bytes are in the kernel's page cache; a machine crash loses at
   * most the last interval. "always": fsync each row (durable across power loss, slower). "never": tests.
   */
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
}

interface Segment {
  path: string;
  fd: number;
  records: UsageRecord[];
}

/**
 * The local, append-only usage journal: every row is written here before the request is acknowledged, then
 * copied to the database in batches. Files are segments named `<pid>-<seq>.jsonl`; a segment is deleted only
 * after all its rows are in the database. On start, segments of processes that are no longer alive are
 * replayed (rows are idempotent by (request id, attempt), so a replay never duplicates).
 */
export class UsageJournal {
  private readonly directory: string;
  private readonly policy: FsyncPolicy;
  private readonly intervalMs: number;
  private current: Segment | undefined;
  private sequence = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: UsageJournalOptions) {
    this.directory = options.directory;
    this.policy = options.fsync ?? "interval";
    this.intervalMs = options.fsyncIntervalMs ?? 50;
    mkdirSync(this.directory, { recursive: true });
    if (this.policy === "interval") {
      this.timer = setInterval(() => this.sync(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Appends one row (synchronously: when this returns, the row survives a process crash). */
  append(record: UsageRecord): void {
    if (this.current === undefined) {
      this.sequence += 1;
      const path = join(this.directory, `${process.pid}-${Date.now()}-${this.sequence}.jsonl`);
      this.current = { path, fd: openSync(path, "a"), records: [] };
    }
    writeSync(this.current.fd, `${JSON.stringify(record)}\n`);
    this.current.records.push(record);
    if (this.policy === "always") fsyncSync(this.current.fd);
    else this.dirty = true;
  }

  /** Closes the segment being written and hands it over for the database; undefined when nothing is pending. */
  seal(): { path: string; records: UsageRecord[] } | undefined {
    const segment = this.current;
    if (segment === undefined) return undefined;
    this.current = undefined;
    if (this.policy !== "never") fsyncSync(segment.fd);
    closeSync(segment.fd);
    return { path: segment.path, records: segment.records };
  }

  /** A sealed segment is in the database: forget it. */
  discard(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Already gone (another process replayed it).
    }
  }

  /** Segments left by processes that died (or by this one's previous life): their rows, to write again. */
  orphans(): { path: string; records: UsageRecord[] }[] {
    const out: { path: string; records: UsageRecord[] }[] = [];
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

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.sync();
  }

  private sync(): void {
    if (!this.dirty || this.current === undefined) return;
    this.dirty = false;
    try {
      fsyncSync(this.current.fd);
    } catch {
      // The next append or seal tries again.
    }
  }
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
