import { join } from "node:path";
import type { ConnectRouter } from "@connectrpc/connect";
import { sql } from "kysely";
import { UsageService } from "../gen/switchboard/v1/usage_service_pb.js";
import { createUsageService } from "./connect/usage-service.js";
import { ConfiguredModelCatalog, type ModelCatalog } from "./core/catalog/model-catalog.js";
import type { Deployment } from "./core/types/deployment.js";
import { SqlKeyStore } from "./keys/sql-key-store.js";
import type { LimitStore } from "./limits/limit-store.js";
import { Limiter, type Limiter as LimiterType, type StoreFailurePolicy } from "./limits/limiter.js";
import { LocalLimitStore } from "./limits/local-limit-store.js";
import { RedisLimitStore } from "./limits/redis-limit-store.js";
import type { Logger } from "./logging/logger.js";
import type { RestRoute } from "./rest/rest-shim.js";
import { usageRestRoutes } from "./rest/usage-routes.js";
import type { GatewayDatabase } from "./store/database.js";
import { PriceTable } from "./usage/price-table.js";
import { SqliteUsageWriter } from "./usage/sqlite-usage-writer.js";
import { UsageFeed } from "./usage/usage-feed.js";
import { type FsyncPolicy, UsageJournal } from "./usage/usage-journal.js";
import { UsageLedger } from "./usage/usage-ledger.js";
import { UsageMeter } from "./usage/usage-meter.js";
import { UsageReader } from "./usage/usage-reader.js";
import { UsageStore } from "./usage/usage-store.js";

/**
 * A writer thread for the ledger's batches when the database is a SQLite file (better-sqlite3 is synchronous: on
 * the main thread every batch would block requests). PostgreSQL's driver is asynchronous already; an in-memory
 * SQLite database cannot be opened twice: both keep writing through the store.
 */
async function sqliteWriterFor(
  database: GatewayDatabase,
  logger: Logger | undefined,
): Promise<SqliteUsageWriter | undefined> {
  if (database.dialect !== "sqlite") return undefined;
  try {
    const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(database.db);
    const file = rows.find((row) => row.name === "main")?.file;
    if (file === undefined || file === "") return undefined;
    return new SqliteUsageWriter(file);
  } catch (error) {
    logger?.warn(
      { err: error instanceof Error ? error.message : "error" },
      "usage writer thread not started; ledger batches are written on the main thread",
    );
    return undefined;
  }
}

export interface UsageModuleOptions {
  database: GatewayDatabase;
  deployments: readonly Deployment[];
  aliases?: Readonly<Record<string, string>>;
  /** LiteLLM's proxy-wide budget (litellm_settings.max_budget / budget_duration). */
  proxyBudget?: { maxBudget: number; budgetDuration?: string | undefined } | undefined;
  /** The catalog the gateway and router use (main.ts shares one); absent: built from deployments and aliases. */
  catalog?: ModelCatalog;
  /** The journal lives in `<dataDir>/usage-journal`. */
  dataDir: string;
  /** Shared counters across replicas; absent: counters in this process. */
  redisUrl?: string | undefined;
  /** Redis key prefix (tests: one per run). */
  redisPrefix?: string | undefined;
  redisCommandTimeoutMs?: number | undefined;
  /** What a Redis failure means (default fail_closed_budgeted). Env: SWITCHBOARD_LIMITS_ON_REDIS_FAILURE. */
  redisFailurePolicy?: StoreFailurePolicy | undefined;
  /** A LiteLLM-format price file to load over the shipped table. Env: SWITCHBOARD_PRICE_FILE. */
  priceFile?: string | undefined;
  /** The price table, when the composition root shares one (main.ts: with the catalog's `/v1/models`). */
  prices?: PriceTable;
  fsync?: FsyncPolicy | undefined;
  flushIntervalMs?: number | undefined;
  leaseMs?: number | undefined;
  logger?: Logger | undefined;
}

/** Everything issue 8 adds, ready for startApp: the metering port, routes, and a drain for shutdown. */
export interface UsageModule {
  meter: UsageMeter;
  limiter: LimiterType;
  ledger: UsageLedger;
  store: UsageStore;
  reader: UsageReader;
  limitStore: LimitStore;
  restRoutes: RestRoute[];
  connectRoutes: (router: ConnectRouter) => void;
  /** Rows replayed from a previous process's journal at start. */
  replayed: number;
  /** Shutdown: flush the ledger (everything journaled reaches the database, or stays journaled), close Redis. */
  close(): Promise<void>;
}

/**
 * Opens the usage ledger (replaying what a crashed process journaled), the limit counters (Redis when
 * configured, else this process) and the price table. Outage policy: the database may be down (rows wait in the
 * journal); Redis may be down (the failure policy decides, no request hangs: commands time out).
 */
export async function openUsageModule(options: UsageModuleOptions): Promise<UsageModule> {
  const logger = options.logger;
  const prices =
    options.prices ?? PriceTable.fromFile(options.priceFile ?? process.env["SWITCHBOARD_PRICE_FILE"]);
  const store = new UsageStore(options.database.db, options.database.dialect);
  const journal = new UsageJournal({
    directory: join(options.dataDir, "usage-journal"),
    ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
  });
  const feed = new UsageFeed(options.redisUrl);
  const writer = await sqliteWriterFor(options.database, logger);
  const ledger = new UsageLedger({
    journal,
    store,
    writer,
    ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
    onError: (error) =>
      logger?.warn(
        { err: error instanceof Error ? error.message : "error" },
        "usage batch not written yet; kept in the journal",
      ),
    onRecord: (record) => feed.publish(record),
  });
  const replayed = await ledger.replay();
  if (replayed > 0) logger?.info({ rows: replayed }, "usage journal replayed");
  const local = new LocalLimitStore();
  let limitStore: LimitStore = local;
  if (options.redisUrl !== undefined && options.redisUrl !== "") {
    const redis = new RedisLimitStore({
      url: options.redisUrl,
      ...(options.redisPrefix !== undefined ? { prefix: options.redisPrefix } : {}),
      ...(options.redisCommandTimeoutMs !== undefined
        ? { commandTimeoutMs: options.redisCommandTimeoutMs }
        : {}),
    });
    await redis
      .ready(2_000)
      .catch(() => logger?.warn({}, "redis for limits not ready yet; the failure policy applies"));
    limitStore = redis;
  } else if (options.database.dialect === "postgres") {
    logger?.warn(
      {},
      "no Redis: budgets and rate limits are counted per process (each replica enforces them alone)",
    );
  }
  const policy =
    options.redisFailurePolicy ??
    (process.env["SWITCHBOARD_LIMITS_ON_REDIS_FAILURE"] as StoreFailurePolicy | undefined) ??
    "fail_closed_budgeted";
  let lastWarn = 0;
  const limiter = new Limiter({
    store: limitStore,
    fallback: local,
    policy,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    seed: async (rule, windowStart) => {
      const { scope, id, model } = rule.subject;
      const totals = await store.totals(
        {
          // The proxy-wide budget counts every row.
          ...(scope === "key" ? { keyId: id } : scope === "team" ? { teamId: id } : {}),
          ...(model !== undefined ? { modelPattern: model } : {}),
        },
        windowStart === undefined ? undefined : new Date(windowStart).toISOString(),
      );
      return rule.metric === "dollars"
        ? totals.spendUsd
        : rule.metric === "tokens"
          ? totals.tokens
          : totals.requests;
    },
    onStoreError: (error) => {
      if (Date.now() - lastWarn < 5_000) return;
      lastWarn = Date.now();
      logger?.warn({ err: error instanceof Error ? error.message : "error", policy }, "limit store error");
    },
  });
  const meter = new UsageMeter({
    prices,
    catalog:
      options.catalog ??
      new ConfiguredModelCatalog(options.deployments, {
        ...(options.aliases ? { aliases: options.aliases } : {}),
      }),
    limiter,
    ledger,
    logger,
    proxyBudget: options.proxyBudget,
  });
  for (const deployment of options.deployments) {
    if (!deployment.model.includes("*") && prices.forDeployment(deployment) === undefined)
      meter.warnUnpriced(deployment);
  }
  const keyStore = new SqlKeyStore(options.database.db);
  const reader = new UsageReader(
    store,
    feed,
    () => ledger.flush(),
    // A team admin's key filter is checked against the key's team (same database as the keys).
    async (keyId) => {
      const key = await keyStore.getKey(keyId, new Date());
      return key === undefined ? undefined : (key.teamId ?? null);
    },
  );
  return {
    meter,
    limiter,
    ledger,
    store,
    reader,
    limitStore,
    restRoutes: usageRestRoutes(reader),
    connectRoutes: (router) => {
      router.service(UsageService, createUsageService(reader));
    },
    replayed,
    async close() {
      await ledger.drain();
      await limiter.close();
      await limitStore.close();
      await feed.close();
    },
  };
}
