import type { ConnectRouter } from "@connectrpc/connect";
import { KeysService } from "../gen/switchboard/v1/keys_service_pb.js";
import { MasterKeyAuthenticator } from "./auth/authenticator.js";
import { createKeysService } from "./connect/keys-service.js";
import { type InvalidationBus, LocalInvalidationBus, RedisInvalidationBus } from "./keys/invalidation-bus.js";
import { KeyAuthenticator } from "./keys/key-authenticator.js";
import type { KeyGenerateParams } from "./keys/key-generate-params.js";
import { KeyManager } from "./keys/key-manager.js";
import { SqlKeyStore } from "./keys/sql-key-store.js";
import type { Logger } from "./logging/logger.js";
import { type KeySpendSource, keyRestRoutes } from "./rest/key-routes.js";
import type { RestRoute } from "./rest/rest-shim.js";
import { type GatewayDatabase, openDatabase } from "./store/database.js";

export interface KeysModuleOptions {
  /** PostgreSQL URL (general_settings.database_url / DATABASE_URL); absent: SQLite in dataDir. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** SQLite file or ":memory:" (tests). */
  sqlitePath?: string | undefined;
  /** PostgreSQL schema (tests: one per run). */
  postgresSchema?: string | undefined;
  /** Redis for invalidation notices between replicas. */
  redisUrl?: string | undefined;
  masterKey: { hash: Buffer; display: string };
  logger?: Logger | undefined;
  /** Key cache TTL while every change is heard (Redis subscribed, or a single SQLite process). */
  cacheTtlMs?: number | undefined;
  /** Key cache TTL otherwise: the bound on how long a revoked key can still pass on another replica. */
  degradedCacheTtlMs?: number | undefined;
  /** litellm_settings.default_key_generate_params / upperbound_key_generate_params, for /key/generate. */
  keyGenerateParams?: KeyGenerateParams | undefined;
}

/** Everything the keys issue adds to the gateway, ready to hand to startApp. */
export interface KeysModule {
  database: GatewayDatabase;
  manager: KeyManager;
  authenticator: KeyAuthenticator;
  bus: InvalidationBus;
  restRoutes: RestRoute[];
  connectRoutes: (router: ConnectRouter) => void;
  /** Lets /key/info show spend from the usage ledger (opened after this module, on the same database). */
  attachSpend(source: KeySpendSource): void;
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it), the invalidation bus and the key cache. Outage policy: the database must be
 * reachable at start (a gateway that cannot check keys does not serve); Redis may be down, then caches use the
 * short TTL so that a revoke still reaches every replica within it. With PostgreSQL and no Redis, several
 * replicas may share the database without hearing each other, so the short TTL is always used.
 */
export async function openKeysModule(options: KeysModuleOptions): Promise<KeysModule> {
  const database = await openDatabase({
    url: options.databaseUrl,
    dataDir: options.dataDir,
    sqlitePath: options.sqlitePath,
    postgresSchema: options.postgresSchema,
  });
  const store = new SqlKeyStore(database.db);
  let bus: InvalidationBus;
  if (options.redisUrl !== undefined && options.redisUrl !== "") {
    const redis = new RedisInvalidationBus({ url: options.redisUrl });
    // Do not hold start-up hostage to Redis; until it is subscribed the short TTL applies.
    await redis
      .ready(2_000)
      .catch(() => options.logger?.warn({}, "redis invalidation channel not ready yet"));
    bus = redis;
  } else {
    bus = new LocalInvalidationBus();
  }
  const degraded = options.degradedCacheTtlMs ?? 1_000;
  const sharedWithoutBus = bus instanceof LocalInvalidationBus && database.dialect === "postgres";
  const manager = new KeyManager({
    store,
    bus,
    onPublishError: () => options.logger?.warn({}, "could not publish a key invalidation to redis"),
  });
  const authenticator = new KeyAuthenticator({
    store,
    bus,
    master: new MasterKeyAuthenticator(options.masterKey.hash, options.masterKey.display),
    ttlMs: sharedWithoutBus ? degraded : (options.cacheTtlMs ?? 10_000),
    degradedTtlMs: degraded,
  });
  let spend: KeySpendSource | undefined;
  return {
    database,
    manager,
    authenticator,
    bus,
    restRoutes: keyRestRoutes(manager, () => spend, options.keyGenerateParams),
    attachSpend(source) {
      spend = source;
    },
    connectRoutes: (router) => {
      router.service(KeysService, createKeysService(manager));
    },
    async close() {
      await bus.close();
      await database.close();
    },
  };
}
