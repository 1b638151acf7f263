import assert from "node:assert/strict";
import fs, { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openDatabase } from "../../../src/store/database.js";
import { SqliteUsageWriter } from "../../../src/usage/sqlite-usage-writer.js";
import { UsageJournal } from "../../../src/usage/usage-journal.js";
import { UsageLedger } from "../../../src/usage/usage-ledger.js";
import type { UsageRecord } from "../../../src/usage/usage-record.js";
import { UsageStore } from "../../../src/usage/usage-store.js";

function row(requestId: string, attempt = 1): UsageRecord {
  return {
    requestId,
    attempt,
    keyId: "k",
    teamId: null,
    userId: null,
    modelGroup: "g",
    deployment: "d",
    provider: "p",
    model: "m",
    promptTokens: 3,
    completionTokens: 4,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: 7,
    costUsd: null,
    usageEstimated: true,
    latencyMs: 1.5,
    ttftMs: null,
    status: "ok",
    stream: false,
    cacheStatus: "none",
    startedAt: "2026-01-01T00:00:00.000Z",
    endedAt: "2026-01-01T00:00:00.001Z",
  };
}

function journalLines(directory: string): string[] {
  return readdirSync(directory).flatMap((name) =>
    readFileSync(join(directory, name), "utf8")
      .split("\n")
      .filter((line) => line !== ""),
  );
}

/** Counts fs.writeSync calls made by code that imported it by name (builtin ESM exports re-synced). */
async function countingWrites<T>(run: () => Promise<T>): Promise<{ result: T; writes: number }> {
  const original = fs.writeSync;
  let writes = 0;
  fs.writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    writes += 1;
    return (original as (...inner: Parameters<typeof fs.writeSync>) => number)(...args);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
  try {
    return { result: await run(), writes };
  } finally {
    fs.writeSync = original;
    syncBuiltinESMExports();
  }
}

describe("usage journal: group commit, journal before acknowledge", () => {
  it("rows appended in one event-loop turn share one write; each append resolves after it", async () => {
    const directory = mkdtempSync(join(tmpdir(), "journal-"));
    const journal = new UsageJournal({ directory, fsync: "always" });
    const { writes } = await countingWrites(async () => {
      const appends = Array.from({ length: 100 }, (_, index) => journal.append([row(`r${index}`)]));
      assert.equal(journalLines(directory).length, 0, "nothing is written before the turn ends");
      await Promise.all(appends);
      assert.equal(journalLines(directory).length, 100, "every row is on disk when its append resolves");
    });
    assert.equal(writes, 1, "one write for the 100 rows of the turn");
    const next = journal.append([row("later")]);
    await next;
    assert.equal(journalLines(directory).length, 101);
    const sealed = await journal.seal();
    assert.equal(sealed?.records.length, 101);
    await journal.discard(sealed?.path ?? "");
    assert.deepEqual(readdirSync(directory), []);
    journal.close();
  });

  it("the ledger's record resolves only once the row is journaled (the answer waits for it)", async () => {
    const directory = mkdtempSync(join(tmpdir(), "journal-"));
    const database = await openDatabase({ sqlitePath: ":memory:" });
    const ledger = new UsageLedger({
      journal: new UsageJournal({ directory, fsync: "interval" }),
      store: new UsageStore(database.db, database.dialect),
      flushIntervalMs: 60_000,
    });
    let resolved = false;
    const written = ledger.record([row("a"), row("a", 2)]).then(() => {
      resolved = true;
      return journalLines(directory).length;
    });
    assert.equal(resolved, false);
    assert.equal(await written, 2);
    assert.equal(ledger.backlog(), 2);
    await ledger.drain();
    assert.equal(await new UsageStore(database.db, database.dialect).count(), 2);
    assert.deepEqual(readdirSync(directory), [], "the drained journal is empty");
    await database.close();
  });

  it("a flush in the same turn as a record carries that row (nothing waits for the turn's end)", async () => {
    const directory = mkdtempSync(join(tmpdir(), "journal-"));
    const database = await openDatabase({ sqlitePath: ":memory:" });
    const store = new UsageStore(database.db, database.dialect);
    const ledger = new UsageLedger({
      journal: new UsageJournal({ directory, fsync: "interval" }),
      store,
      flushIntervalMs: 60_000,
    });
    const written = ledger.record([row("same-turn")]);
    await ledger.flush();
    await written;
    assert.equal(await store.count(), 1);
    await ledger.drain();
    await database.close();
  });

  it("orphaned segments of a dead process are replayed once, torn last line ignored", async () => {
    const directory = mkdtempSync(join(tmpdir(), "journal-"));
    writeFileSync(
      join(directory, "999999999-1-1.jsonl"),
      `${JSON.stringify(row("x"))}\n${JSON.stringify(row("y"))}\n{"requestId":"torn`,
    );
    const database = await openDatabase({ sqlitePath: ":memory:" });
    const store = new UsageStore(database.db, database.dialect);
    const ledger = new UsageLedger({ journal: new UsageJournal({ directory, fsync: "never" }), store });
    assert.equal(await ledger.replay(), 2);
    assert.equal(await ledger.replay(), 0);
    assert.equal(await store.count(), 2);
    await ledger.drain();
    await database.close();
  });
});

describe("SQLite writer thread", () => {
  it("inserts sealed segments from its own connection, idempotently; the ledger falls back when it is gone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "writer-"));
    const file = join(dataDir, "switchboard.sqlite");
    const database = await openDatabase({ sqlitePath: file });
    const store = new UsageStore(database.db, database.dialect);
    const writer = new SqliteUsageWriter(file);
    const journal = new UsageJournal({ directory: join(dataDir, "journal"), fsync: "never" });
    const ledger = new UsageLedger({ journal, store, writer, flushIntervalMs: 60_000 });
    await ledger.record(Array.from({ length: 250 }, (_, index) => row(`w${index}`)));
    await ledger.flush();
    assert.equal(await store.count(), 250, "the thread's rows are visible to the main connection");
    const [stored] = await store.query({}, undefined, 1);
    assert.equal(stored?.usageEstimated, true, "flags round-trip as booleans");
    assert.equal(stored?.costUsd, null);
    // The same segment again (a replay after a crash between insert and unlink): no duplicates.
    const segment = { path: join(dataDir, "again.jsonl"), records: [] };
    writeFileSync(segment.path, `${JSON.stringify(row("w0"))}\n${JSON.stringify(row("w1"))}\n`);
    await writer.write(segment);
    assert.equal(await store.count(), 250);
    await writer.close();
    assert.equal(writer.healthy, false);
    await ledger.record([row("after-close")]);
    await ledger.flush();
    assert.equal(await store.count(), 251, "written through the main connection instead");
    await ledger.drain();
    await database.close();
  });
});
