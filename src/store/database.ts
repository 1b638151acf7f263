import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { createPrivateFile, ensurePrivateDirectory, restrictFiles } from "../shared/private-files.js";
import { migrateToLatest } from "./migrations.js";
import type { Database } from "./schema.js";

export type DatabaseDialect = "sqlite" | "postgres";

export interface DatabaseOptions {
  /** A postgres:// URL. When absent, SQLite is used. */
  url?: string | undefined;
  /** Directory for the SQLite file (created if missing). Ignored for PostgreSQL. */
  dataDir?: string | undefined;
  /** SQLite file path, or ":memory:"; overrides dataDir. */
  sqlitePath?: string | undefined;
  /** PostgreSQL schema to work in (created if missing); tests use one per run. Default: the server's search_path. */
  postgresSchema?: string | undefined;
  /** Per-statement timeout on PostgreSQL, and busy timeout on SQLite. */
  statementTimeoutMs?: number | undefined;
  /** How long to wait for a PostgreSQL connection from the pool. */
  connectTimeoutMs?: number | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number | undefined;
}

/**
 * The gateway's database: one Kysely instance over SQLite (default, a file in the data directory, nothing to
 * install) or PostgreSQL (for several replicas). Every query goes through Kysely, which binds values as
 * parameters; nothing here builds SQL from strings.
 */
export interface GatewayDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DatabaseDialect;
  close(): Promise<void>;
}

const POSTGRES_INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the database and runs migrations. Outage policy: a query that exceeds its timeout fails (no hang). */
export async function openDatabase(options: DatabaseOptions): Promise<GatewayDatabase> {
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  if (options.url !== undefined && options.url !== "") {
    return openPostgres(options.url, options, statementTimeoutMs);
  }
  return openSqlite(options, statementTimeoutMs);
}

async function openSqlite(options: DatabaseOptions, statementTimeoutMs: number): Promise<GatewayDatabase> {
  let path = options.sqlitePath;
  if (path === undefined) {
    const dataDir = options.dataDir ?? "data";
    ensurePrivateDirectory(dataDir);
    path = join(dataDir, "switchboard.sqlite");
  }
  const onDisk = path !== ":memory:" && path !== "";
  if (onDisk) {
    createPrivateFile(path);
  }
  const sqlite = new BetterSqlite3(path, { timeout: statementTimeoutMs });
  sqlite.pragma("journal_mode = WAL");
  // The WAL and shared-memory files hold the same rows: 0600 like the database (also when an older run made them).
  if (onDisk) restrictFiles([`${path}-wal`, `${path}-shm`, `${path}-journal`]);
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>);
  return { db, dialect: "sqlite", close: () => db.destroy() };
}

async function openPostgres(
  url: string,
  options: DatabaseOptions,
  statementTimeoutMs: number,
): Promise<GatewayDatabase> {
  const schema = options.postgresSchema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error("postgresSchema must match [a-z_][a-z0-9_]*.");
  }
  const poolConfig: pg.PoolConfig = {
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2_000,
    query_timeout: statementTimeoutMs + 1_000,
    statement_timeout: statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    // BIGINT columns hold limits well below 2^53: parse them to numbers for this pool only.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === POSTGRES_INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
    },
  };
  if (schema !== undefined) poolConfig.options = `-c search_path=${schema}`;
  const pool = new pg.Pool(poolConfig);
  // An idle client that errors (server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // A fresh connection may name a schema that does not exist yet; PostgreSQL allows that until first use.
    if (schema !== undefined) await db.schema.createSchema(schema).ifNotExists().execute();
    // Name the schema we migrate: Kysely looks for its own tables across every schema of the database.
    const current = await sql<{ name: string }>`select current_schema() as name`.execute(db);
    await migrateToLatest(db as Kysely<unknown>, schema ?? current.rows[0]?.name);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: "postgres", close: () => db.destroy() };
}
