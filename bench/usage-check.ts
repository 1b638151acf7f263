// Added latency of the budget + rate-limit check per request (admission + settlement), with and without Redis.
// Usage: npx tsx bench/usage-check.ts [iterations]   (Redis at REDIS_URL or redis://127.0.0.1:6379)
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfiguredModelCatalog } from "../src/core/catalog/model-catalog.js";
import type { ChatContext } from "../src/core/chat/dispatcher.js";
import type { Principal } from "../src/core/types/principal.js";
import type { LimitStore } from "../src/limits/limit-store.js";
import { Limiter } from "../src/limits/limiter.js";
import { LocalLimitStore } from "../src/limits/local-limit-store.js";
import { RedisLimitStore } from "../src/limits/redis-limit-store.js";
import { openDatabase } from "../src/store/database.js";
import { PriceTable } from "../src/usage/price-table.js";
import { UsageJournal } from "../src/usage/usage-journal.js";
import { UsageLedger } from "../src/usage/usage-ledger.js";
import { UsageMeter } from "../src/usage/usage-meter.js";
import { UsageStore } from "../src/usage/usage-store.js";

const iterations = Number(process.argv[2] ?? 5000);
const principal: Principal = {
  keyId: "bench-key",
  role: "user",
  display: "sk-…bench",
  teamId: "bench-team",
  limits: {
    maxBudget: 1e6,
    budgetDuration: "30d",
    rpmLimit: 1e9,
    tpmLimit: 1e12,
    maxParallelRequests: 1e6,
    modelLimits: [],
  },
  teamLimits: { maxBudget: 1e6, rpmLimit: 1e9, modelLimits: [] },
};
const request = {
  model: "mock-gpt",
  maxTokens: 256,
  messages: [{ role: "user" as const, content: "Hello there, how are you?" }],
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** The ledger's SQLite writer thread when this checkout has one (older ones write on the main thread). */
async function writerFor(file: string): Promise<{ close(): Promise<void> } | undefined> {
  try {
    const module = (await import("../src/usage/sqlite-usage-writer.js")) as {
      SqliteUsageWriter: new (file: string) => { close(): Promise<void> };
    };
    return new module.SqliteUsageWriter(file);
  } catch {
    return undefined;
  }
}

async function run(name: string, store: LimitStore): Promise<void> {
  // A SQLite file in a temporary data directory, as the default gateway has (":memory:" would skip the writer).
  const dataDir = mkdtempSync(join(tmpdir(), "bench-"));
  const file = join(dataDir, "switchboard.sqlite");
  const database = await openDatabase({ sqlitePath: file });
  const writer = await writerFor(file);
  const ledger = new UsageLedger({
    journal: new UsageJournal({ directory: join(dataDir, "j"), fsync: "interval" }),
    store: new UsageStore(database.db, database.dialect),
    ...(writer !== undefined ? { writer } : {}),
  } as ConstructorParameters<typeof UsageLedger>[0]);
  const limiter = new Limiter({ store, seed: async () => 0 });
  const meter = new UsageMeter({
    prices: new PriceTable(),
    catalog: new ConfiguredModelCatalog([
      {
        id: "d",
        modelName: "mock-gpt",
        provider: "mock",
        model: "fixed",
        params: { extra: {} },
        info: { extra: {} },
      },
    ]),
    limiter,
    ledger,
  });
  const admit: number[] = [];
  const settle: number[] = [];
  for (let index = 0; index < iterations + 200; index++) {
    const context: ChatContext = { requestId: randomUUID(), principal, signal: new AbortController().signal };
    const started = performance.now();
    const ticket = await meter.admit(request, context);
    const admitted = performance.now();
    await ticket.settle({
      attempts: [{ deployment: "d", provider: "mock", model: "fixed", outcome: "ok", latencyMs: 1 }],
      routing: { modelGroup: "mock-gpt", deployment: "d", provider: "mock", model: "fixed", attempts: [] },
      usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
      cutShort: false,
      stream: false,
      startedAt: started,
    });
    const ended = performance.now();
    if (index >= 200) {
      admit.push((admitted - started) * 1000);
      settle.push((ended - admitted) * 1000);
    }
  }
  const both = admit.map((value, index) => value + (settle[index] ?? 0)).sort((a, b) => a - b);
  admit.sort((a, b) => a - b);
  settle.sort((a, b) => a - b);
  const fmt = (values: number[]) =>
    `p50 ${percentile(values, 50).toFixed(0)} µs, p99 ${percentile(values, 99).toFixed(0)} µs`;
  console.log(
    `${name}: admission ${fmt(admit)}; settlement incl. journal append ${fmt(settle)}; total ${fmt(both)} ` +
      `(SQLite file, ledger batches ${writer !== undefined ? "on the writer thread" : "on the main thread"}; ` +
      `${iterations} sequential requests, 7 counters each)`,
  );
  await ledger.drain();
  await limiter.close();
  await store.close();
  await database.close();
}

await run("in-process counters", new LocalLimitStore());
const redis = new RedisLimitStore({
  url: process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379",
  prefix: `bench:${randomUUID()}:`,
});
try {
  await redis.ready(2_000);
  await run("Redis counters (one Lua script each way)", redis);
} catch (error) {
  console.log(`Redis not reachable: ${error instanceof Error ? error.message : String(error)}`);
  await redis.close();
}
