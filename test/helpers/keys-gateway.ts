import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App, AppOptions } from "../../src/app.js";
import { hashSecret } from "../../src/auth/authenticator.js";
import { type KeysModule, type KeysModuleOptions, openKeysModule } from "../../src/keys-module.js";
import { createLogger, type Logger } from "../../src/logging/logger.js";
import { openUsageModule, type UsageModule } from "../../src/usage-module.js";
import { deployment, MASTER_KEY, startTestGateway } from "./gateway.js";

export const POSTGRES_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** One database the keys tests run against. */
export interface DatabaseTarget {
  name: "sqlite" | "postgres";
  /** Set when the database is not reachable here: the test is skipped with this message (never under CI=true). */
  skip: string | false;
  options(): Pick<KeysModuleOptions, "databaseUrl" | "sqlitePath" | "postgresSchema">;
}

async function reachable(check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL when it answers; under CI=true a missing one fails instead of skipping. */
export async function postgresSkip(): Promise<string | false> {
  const { default: pg } = await import("pg");
  const up = await reachable(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1_500 });
    await client.connect();
    await client.end();
  });
  if (up) return false;
  if (process.env["CI"] === "true")
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL} (CI=true).`);
  return `PostgreSQL is not reachable at ${POSTGRES_URL}; skipped`;
}

export async function redisSkip(): Promise<string | false> {
  const { Redis } = await import("ioredis");
  const up = await reachable(async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1_500, maxRetriesPerRequest: 0 });
    redis.on("error", () => {});
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  });
  if (up) return false;
  if (process.env["CI"] === "true") throw new Error(`Redis is not reachable at ${REDIS_URL} (CI=true).`);
  return `Redis is not reachable at ${REDIS_URL}; skipped`;
}

/** A PostgreSQL schema name unique to this test run. */
export function uniqueSchema(label: string): string {
  return `test_${label}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** SQLite in memory and PostgreSQL in a fresh schema. */
export async function databaseTargets(): Promise<DatabaseTarget[]> {
  const skip = await postgresSkip();
  return [
    { name: "sqlite", skip: false, options: () => ({ sqlitePath: ":memory:" }) },
    {
      name: "postgres",
      skip,
      options: () => ({ databaseUrl: POSTGRES_URL, postgresSchema: uniqueSchema("keys") }),
    },
  ];
}

/** Drops a test schema (identifier checked by Kysely's schema builder; no string-built SQL). */
export async function dropSchema(keys: KeysModule, schema: string | undefined): Promise<void> {
  if (schema === undefined || keys.database.dialect !== "postgres") return;
  await keys.database.db.schema.dropSchema(schema).ifExists().cascade().execute();
}

export interface KeysGateway {
  app: App & { headers: Record<string, string> };
  keys: KeysModule;
  /** The usage module on the same database, wired as main.ts wires it. */
  usage: UsageModule;
  url: string;
  close(): Promise<void>;
}

/** A real gateway on 127.0.0.1:0 with virtual keys, the mock models, and the given database. */
export async function startKeysGateway(
  target: DatabaseTarget,
  extra: Partial<KeysModuleOptions> = {},
  appOptions: Partial<AppOptions> = {},
  logger: Logger = createLogger("silent"),
): Promise<KeysGateway> {
  const databaseOptions = target.options();
  const keys = await openKeysModule({
    ...databaseOptions,
    masterKey: { hash: hashSecret(MASTER_KEY), display: "sk-tes…f708" },
    logger,
    ...extra,
  });
  const deployments = [deployment("mock-gpt", "mock", "fixed"), deployment("mock/*", "mock", "*")];
  const usage = await openUsageModule({
    database: keys.database,
    deployments,
    dataDir: mkdtempSync(join(tmpdir(), "switchboard-keys-usage-")),
    fsync: "never",
    logger,
  });
  keys.attachSpend(usage.reader);
  const app = await startTestGateway(deployments, {
    authenticator: keys.authenticator,
    extraRestRoutes: [...keys.restRoutes, ...usage.restRoutes],
    extraConnectRoutes: (router) => {
      keys.connectRoutes(router);
      usage.connectRoutes(router);
    },
    metering: usage.meter,
    logger,
    ...appOptions,
  });
  return {
    app,
    keys,
    usage,
    url: app.url,
    async close() {
      await app.close(100);
      await usage.close();
      await dropSchema(keys, databaseOptions.postgresSchema);
      await keys.close();
    },
  };
}

export { MASTER_KEY };
