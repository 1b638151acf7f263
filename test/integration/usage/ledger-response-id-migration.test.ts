import assert from "node:assert/strict";
import { describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { MIGRATIONS, migrateToLatest } from "../../../src/store/migrations.js";
import type { Database } from "../../../src/store/schema.js";
import type { UsageRecord } from "../../../src/usage/usage-record.js";
import { UsageStore } from "../../../src/usage/usage-store.js";
import { POSTGRES_URL, postgresSkip, uniqueSchema } from "../../helpers/keys-gateway.js";

/**
 * Migration 0004 on a ledger that already holds rows (an upgrade, not a fresh database), on SQLite and PostgreSQL:
 * old rows keep working and are found by `chatcmpl-<request id>`; new rows are found by their stored response id.
 */

function record(requestId: string, responseId?: string): UsageRecord {
  return {
    requestId,
    ...(responseId === undefined ? {} : { responseId }),
    attempt: 1,
    keyId: "key_a",
    teamId: null,
    userId: null,
    modelGroup: "mock-gpt",
    deployment: "mock-gpt#mock",
    provider: "mock",
    model: "fixed",
    promptTokens: 3,
    completionTokens: 5,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: 8,
    costUsd: 0.000013,
    usageEstimated: false,
    latencyMs: 4,
    ttftMs: null,
    status: "ok",
    stream: false,
    cacheStatus: "none",
    startedAt: "2026-12-01T00:00:00.000Z",
    endedAt: "2026-12-01T00:00:00.004Z",
  };
}

function migrator(db: Kysely<unknown>, schema: string | undefined, upTo: string): Migrator {
  const subset: Record<string, Migration> = Object.fromEntries(
    Object.entries(MIGRATIONS).filter(([name]) => name <= upTo),
  );
  return new Migrator({
    db,
    provider: { getMigrations: async () => subset },
    migrationTableName: "sb_migrations",
    migrationLockTableName: "sb_migrations_lock",
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

async function exercise(
  db: Kysely<Database>,
  dialect: "sqlite" | "postgres",
  schema?: string,
): Promise<void> {
  const untyped = db as unknown as Kysely<unknown>;
  const before = await migrator(untyped, schema, "0003_stored_responses").migrateToLatest();
  assert.equal(before.error, undefined);
  // A row written by a gateway before 0004 (no response_id column yet).
  const old = record("old-request");
  await (untyped as Kysely<Record<string, Record<string, unknown>>>)
    .insertInto("sb_usage")
    .values(
      Object.fromEntries(
        Object.entries({
          request_id: old.requestId,
          attempt: 1,
          key_id: old.keyId,
          team_id: null,
          user_id: null,
          model_group: old.modelGroup,
          deployment: old.deployment,
          provider: old.provider,
          model: old.model,
          prompt_tokens: 3,
          completion_tokens: 5,
          cached_tokens: 0,
          cache_write_tokens: 0,
          reasoning_tokens: 0,
          total_tokens: 8,
          cost_usd: 0.000013,
          usage_estimated: 0,
          latency_ms: 4,
          ttft_ms: null,
          status: "ok",
          stream: 0,
          cache_status: "none",
          started_at: old.startedAt,
          ended_at: old.endedAt,
        }),
      ),
    )
    .execute();

  const applied = await migrateToLatest(untyped, schema);
  assert.deepEqual(applied, ["0004_usage_response_id", "0005_usage_saved_cost"]);
  assert.deepEqual(await migrateToLatest(untyped, schema), [], "a second start migrates nothing");

  const store = new UsageStore(db, dialect);
  await store.insert([record("new-request", "msg_newrequest")]);
  const oldRow = await store.query({ requestId: "chatcmpl-old-request" }, undefined, 10);
  assert.deepEqual(
    oldRow.map((row) => [row.requestId, row.responseId]),
    [["old-request", null]],
  );
  const newRow = await store.query({ requestId: "msg_newrequest" }, undefined, 10);
  assert.deepEqual(
    newRow.map((row) => [row.requestId, row.responseId]),
    [["new-request", "msg_newrequest"]],
  );
  assert.deepEqual(await store.query({ requestId: "chatcmpl-" }, undefined, 10), []);
  assert.equal(await store.count({ requestId: "old-request" }), 1);
}

describe("ledger migration 0004 (response ids) over existing rows", () => {
  it("SQLite", async () => {
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(":memory:") }),
    });
    try {
      await exercise(db, "sqlite");
    } finally {
      await db.destroy();
    }
  });

  it("PostgreSQL", async (t) => {
    const down = await postgresSkip();
    if (down) return t.skip(down);
    const schema = uniqueSchema("ledger_migration");
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, options: `-c search_path=${schema}` });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      await db.schema.createSchema(schema).execute();
      await exercise(db, "postgres", schema);
    } finally {
      await db.schema.dropSchema(schema).ifExists().cascade().execute();
      await db.destroy();
    }
  });
});
