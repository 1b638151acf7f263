import { Redis } from "ioredis";
import { type QueryExecutorProvider, sql } from "kysely";

/** One dependency readiness asks about. `check` rejects when it is down; it is bounded by the timeout. */
export interface DependencyProbe {
  check(): Promise<unknown>;
  close?(): Promise<void>;
}

export interface ReadinessOptions {
  /** The database (keys, the ledger). Required: without it keys cannot be checked. */
  database?: DependencyProbe;
  /** Redis (shared limits, router state), when configured. */
  redis?: DependencyProbe & {
    /** 503 when Redis is down (limits fail closed); otherwise readiness says `degraded` with 200. */
    required: boolean;
  };
  /** Usage rows journaled and not yet in the database. */
  journalDepth?: () => number;
  /** Per probe, ms. Default 1 000. */
  timeoutMs?: number;
  version?: string;
}

export interface ReadinessReport {
  httpStatus: 200 | 503;
  body: Record<string, unknown>;
}

/**
 * `/health/readiness` with meaning: the database (`select 1`), Redis (PING) when configured, and the ledger
 * journal's depth, each probe bounded by a timeout. Field names follow LiteLLM's readiness body (`status`, `db`,
 * `cache`). Outage policy: database down → 503; Redis down → 503 only when limits fail closed, else `degraded`
 * with 200 (other replicas share the same Redis; pulling them all would turn a partial outage into a total one);
 * the journal's depth is reported, never fatal (rows wait there by design). Concurrent callers share one check
 * and a result is reused for `cacheMs`, so an open route cannot be used to hammer the database.
 */
export class Readiness {
  private pending: Promise<ReadinessReport> | undefined;
  private last: { at: number; report: ReadinessReport } | undefined;

  constructor(
    private readonly options: ReadinessOptions,
    private readonly cacheMs = 1_000,
  ) {}

  check(): Promise<ReadinessReport> {
    const last = this.last;
    if (last !== undefined && performance.now() - last.at < this.cacheMs) return Promise.resolve(last.report);
    this.pending ??= this.run().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  async close(): Promise<void> {
    await this.options.database?.close?.();
    await this.options.redis?.close?.();
  }

  private async run(): Promise<ReadinessReport> {
    const timeoutMs = this.options.timeoutMs ?? 1_000;
    const { database, redis } = this.options;
    const [db, cache] = await Promise.all([
      database === undefined ? undefined : probe(database, timeoutMs),
      redis === undefined ? undefined : probe(redis, timeoutMs),
    ]);
    const dbDown = db !== undefined && db !== "connected";
    const redisDown = cache !== undefined && cache !== "connected";
    const unhealthy = dbDown || (redisDown && redis?.required === true);
    const status = unhealthy ? "unhealthy" : redisDown ? "degraded" : "healthy";
    const body: Record<string, unknown> = {
      status,
      db: db ?? "not_configured",
      cache: redis === undefined ? null : "redis",
      ...(cache !== undefined ? { redis: cache } : {}),
      ...(this.options.journalDepth !== undefined
        ? { ledger_journal_depth: this.options.journalDepth() }
        : {}),
      ...(this.options.version !== undefined ? { switchboard_version: this.options.version } : {}),
    };
    const report: ReadinessReport = { httpStatus: unhealthy ? 503 : 200, body };
    this.last = { at: performance.now(), report };
    return report;
  }
}

/** "connected", or why not, in a word (never the driver's message: it may carry a host or a user). */
async function probe(dependency: DependencyProbe, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([dependency.check().then(() => "connected"), timeout]);
  } catch {
    return "disconnected";
  } finally {
    clearTimeout(timer);
  }
}

/** The database probe: one `select 1`. */
export function databaseProbe(db: QueryExecutorProvider): DependencyProbe {
  return { check: () => sql`select 1`.execute(db) };
}

/**
 * A Redis probe with its own small connection: commands fail at once while it is disconnected (no offline queue),
 * time out after `timeoutMs`, and it reconnects in the background, so a PING answers in bounded time either way.
 */
export function redisProbe(url: string, timeoutMs = 1_000): DependencyProbe {
  let client: Redis | undefined;
  return {
    async check() {
      if (client === undefined) {
        client = new Redis(url, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: timeoutMs,
          commandTimeout: timeoutMs,
          retryStrategy: () => 1_000,
        });
        client.on("error", () => {});
        await client.connect();
      }
      return client.ping();
    },
    async close() {
      client?.disconnect();
    },
  };
}
