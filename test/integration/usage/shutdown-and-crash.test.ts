import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { chat, createKey } from "../../helpers/usage-gateway.js";
import { startWorker } from "../../helpers/usage-process.js";

const HI = [{ role: "user", content: "hi" }];

function ledger(path: string): { rows: number; distinct: number; ids: Set<string> } {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const rows = db.prepare("select request_id, attempt from sb_usage").all() as {
      request_id: string;
      attempt: number;
    }[];
    return {
      rows: rows.length,
      distinct: new Set(rows.map((row) => `${row.request_id}#${row.attempt}`)).size,
      ids: new Set(rows.map((row) => row.request_id)),
    };
  } finally {
    db.close();
  }
}

/** Sends a request and reads it to the end; undefined when the connection was refused or reset (not accepted). */
async function request(url: string, key: string, stream: boolean) {
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: stream ? "mock/slow-stream-30" : "mock/slow-400", stream, messages: HI }),
    });
    const text = await response.text();
    return { status: response.status, id: response.headers.get("x-request-id") ?? "", text };
  } catch {
    return undefined;
  }
}

describe("usage is never lost", () => {
  it("SIGTERM under load: every accepted request completes or ends with a terminal error; rows = attempts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-sigterm-"));
    const worker = await startWorker({ USAGE_DATA_DIR: dataDir });
    const { key } = await createKey(worker.url, {
      max_budget: 100,
      rpm_limit: 10_000,
      max_parallel_requests: 100,
    });
    const pending = Array.from({ length: 40 }, (_, index) => request(worker.url, key, index % 2 === 0));
    await delay(150);
    worker.child.kill("SIGTERM");
    const results = await Promise.all(pending);
    assert.equal(await worker.exited, 0);
    const accepted = results.filter((result) => result !== undefined);
    assert.ok(accepted.length > 0, "requests were in flight at SIGTERM");
    for (const result of accepted) {
      if (result.status === 200 && result.text.startsWith("data:")) {
        assert.match(result.text, /data: \[DONE\]|"error"/, "a stream ends with [DONE] or one error event");
      } else {
        assert.ok([200, 503].includes(result.status), `terminal status ${result.status}`);
      }
    }
    const served = accepted.filter((result) => result.status === 200);
    const { rows, distinct, ids } = ledger(join(dataDir, "switchboard.sqlite"));
    assert.equal(rows, distinct, "no duplicate rows");
    assert.equal(rows, served.length, "one row per attempt (each served request made one attempt)");
    for (const result of served) assert.ok(ids.has(result.id), `request ${result.id} has its row`);
    assert.deepEqual(readdirSync(join(dataDir, "usage-journal")), [], "the journal was drained");
  });

  it("kill -9 under load, then restart: journaled rows are replayed once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-kill-"));
    // A long flush interval keeps rows in the journal only, as if the database write had not happened yet.
    const env = { USAGE_DATA_DIR: dataDir, USAGE_FLUSH_MS: "600000" };
    const first = await startWorker(env);
    const { key } = await createKey(first.url, {});
    const done = await Promise.all(
      Array.from({ length: 20 }, () => chat(first.url, key, { model: "mock-gpt", messages: HI })),
    );
    const inFlight = Array.from({ length: 10 }, (_, index) => request(first.url, key, index % 2 === 0));
    await delay(100);
    first.child.kill("SIGKILL");
    await first.exited;
    const interrupted = await Promise.all(inFlight);
    const sqlite = join(dataDir, "switchboard.sqlite");
    assert.equal(ledger(sqlite).rows, 0, "nothing reached the database before the crash");
    // A second copy of a segment (as if a replay had been interrupted after its insert): still no duplicates.
    const journal = join(dataDir, "usage-journal");
    const segments = readdirSync(journal);
    assert.ok(segments.length > 0, "the journal holds the rows");
    copyFileSync(join(journal, segments[0] as string), join(journal, `${first.child.pid}-0-copy.jsonl`));

    const second = await startWorker({ USAGE_DATA_DIR: dataDir });
    second.child.kill("SIGTERM");
    assert.equal(await second.exited, 0, second.stderr());
    const after = ledger(sqlite);
    assert.equal(after.rows, after.distinct, "no duplicates");
    for (const result of done)
      assert.ok(
        after.ids.has(result.headers.get("x-request-id") ?? ""),
        "every acknowledged request has its row",
      );
    const completed = interrupted.filter(
      (result) => result?.status === 200 && !result.text.includes("error"),
    ).length;
    assert.ok(after.rows >= done.length + completed && after.rows <= done.length + inFlight.length);
    assert.deepEqual(readdirSync(journal), [], "replayed segments are removed");

    // A third start replays nothing more.
    const third = await startWorker({ USAGE_DATA_DIR: dataDir });
    third.child.kill("SIGTERM");
    await third.exited;
    assert.equal(ledger(sqlite).rows, after.rows);
  });
});
