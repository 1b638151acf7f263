import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ensurePrivateDirectory } from "../../../src/shared/private-files.js";
import { openDatabase } from "../../../src/store/database.js";

/** GUARDS 5: local state is readable by the gateway's user only — data directory 0700, SQLite files 0600. */

const mode = (path: string) => statSync(path).mode & 0o777;

describe("guards: data directory and SQLite file permissions", () => {
  it("creates the data directory 0700 and the SQLite file, WAL and shared memory 0600", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "switchboard-perm-")), "nested", "data");
    const database = await openDatabase({ dataDir });
    try {
      // A write, so that SQLite has its WAL and shared-memory files open.
      await database.db
        .insertInto("sb_teams")
        .values({
          team_id: "t1",
          display_name: "t",
          models: "[]",
          max_key_duration_seconds: null,
          metadata: "{}",
          tags: "[]",
          spend: 0,
          budget_reset_at: null,
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
          version: 1,
          max_budget: null,
          budget_duration: null,
          soft_budget: null,
          rpm_limit: null,
          tpm_limit: null,
          max_parallel_requests: null,
          model_limits: "[]",
        })
        .execute();
      assert.equal(mode(dataDir).toString(8), "700");
      const file = join(dataDir, "switchboard.sqlite");
      assert.equal(mode(file).toString(8), "600");
      for (const companion of [`${file}-wal`, `${file}-shm`]) {
        assert.ok(existsSync(companion), `${companion} exists in WAL mode`);
        assert.equal(mode(companion).toString(8), "600", companion);
      }
    } finally {
      await database.close();
    }
  });

  it("narrows a data directory and database files that an older run left 0755 / 0644", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "switchboard-perm-")), "data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const file = join(dataDir, "switchboard.sqlite");
    const first = await openDatabase({ dataDir });
    await first.close();
    chmodSync(dataDir, 0o755);
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, "");
    chmodSync(`${file}-wal`, 0o644);
    const second = await openDatabase({ dataDir });
    try {
      assert.equal(mode(dataDir).toString(8), "700");
      assert.equal(mode(file).toString(8), "600");
      assert.equal(mode(`${file}-wal`).toString(8), "600");
    } finally {
      await second.close();
    }
  });

  it("main's data directory step makes an existing directory private too (Postgres runs keep the journal there)", () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "switchboard-perm-")), "data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    ensurePrivateDirectory(dataDir);
    assert.equal(mode(dataDir).toString(8), "700");
    ensurePrivateDirectory(join(dataDir, "usage-journal"));
    assert.equal(mode(join(dataDir, "usage-journal")).toString(8), "700");
  });
});
