import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { SealedSegment } from "./usage-journal.js";
import { USAGE_COLUMNS } from "./usage-store.js";

/** Where the ledger puts sealed journal segments: the database, by whatever route. */
export interface UsageSink {
  /** Writes every row of the segment (idempotently); resolves when they are committed. */
  write(segment: SealedSegment): Promise<void>;
  close(): Promise<void>;
  /** False when the sink can no longer write (the ledger then writes through the store). */
  readonly healthy?: boolean;
}

/**
 * The worker's program, plain JavaScript run with `eval` (so that it needs no loader under tsx and no extra file
 * in dist/). It owns its own better-sqlite3 connection to the gateway's SQLite file, reads each sealed segment
 * itself (the main thread sends only the path) and inserts its rows in one transaction with one prepared,
 * parameterised statement. Column names come from USAGE_COLUMNS, never from data.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const columns = workerData.columns;
const insert = db.prepare(
  "insert into sb_usage (" + columns.map((c) => c[0]).join(", ") + ") values (" +
    columns.map(() => "?").join(", ") + ") on conflict (request_id, attempt) do nothing",
);
const insertAll = db.transaction((records) => {
  for (const record of records) {
    insert.run(columns.map((c) => (c[2] === "flag" ? (record[c[1]] ? 1 : 0) : (record[c[1]] ?? null))));
  }
});
parentPort.on("message", (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    const records = [];
    for (const line of readFileSync(message.path, "utf8").split("\\n")) {
      if (line.trim() === "") continue;
      try { records.push(JSON.parse(line)); } catch {}
    }
    insertAll(records);
    parentPort.postMessage({ id: message.id, rows: records.length });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.message) || error) });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Writes ledger batches to the embedded SQLite database on a worker thread, so that better-sqlite3's synchronous
 * inserts never run on the event loop. SQLite in WAL mode lets this connection write while the main thread's
 * connection reads. If the worker dies, the sink fails its batches (they stay journaled and are retried) and the
 * ledger falls back to the main thread's connection.
 */
export class SqliteUsageWriter implements UsageSink {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failed: Error | undefined;
  private closed: Promise<void> | undefined;

  constructor(file: string, busyTimeoutMs = 5_000) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver, busyTimeoutMs, columns: USAGE_COLUMNS },
    });
    this.worker.unref();
    this.worker.on("message", (message: { id?: number; error?: string; closed?: boolean }) => {
      if (message.id === undefined) return;
      const pending = this.pending.get(message.id);
      if (pending === undefined) return;
      this.settled(message.id);
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve();
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`usage writer thread exited (${code})`)));
  }

  /** False once the worker died: the ledger writes on the main thread instead. */
  get healthy(): boolean {
    return this.failed === undefined;
  }

  write(segment: SealedSegment): Promise<void> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const id = ++this.nextId;
    return new Promise<void>((resolve, reject) => {
      // A pending batch keeps the process alive (the thread is unref'd otherwise): shutdown waits for it.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, path: segment.path });
    });
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.failed !== undefined) return;
      this.worker.ref();
      const closed = new Promise<void>((resolve) => {
        const onMessage = (message: { closed?: boolean }) => {
          if (message.closed !== true) return;
          this.worker.off("message", onMessage);
          resolve();
        };
        this.worker.on("message", onMessage);
        this.worker.once("exit", () => resolve());
      });
      this.worker.postMessage({ close: true });
      await closed;
      this.failed = new Error("usage writer closed");
      await this.worker.terminate();
    })();
    return this.closed;
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const [id, pending] of this.pending) {
      this.settled(id);
      pending.reject(error);
    }
  }
}
