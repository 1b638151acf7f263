// A gateway process for cross-process tests: the same wiring as startUsageGateway, configured by environment.
// Prints "listening on <url>" on stderr; SIGTERM closes it gracefully (drains the ledger) and exits 0.
import { startUsageGateway } from "./usage-gateway.js";

const gateway = await startUsageGateway({
  database: process.env["USAGE_DB"] === "postgres" ? "postgres" : "sqlite",
  ...(process.env["USAGE_SCHEMA"] ? { postgresSchema: process.env["USAGE_SCHEMA"] } : {}),
  ...(process.env["USAGE_SQLITE"] ? { sqlitePath: process.env["USAGE_SQLITE"] } : {}),
  ...(process.env["USAGE_DATA_DIR"] ? { dataDir: process.env["USAGE_DATA_DIR"] } : {}),
  redis: process.env["USAGE_REDIS_PREFIX"] !== undefined,
  ...(process.env["USAGE_REDIS_PREFIX"] ? { redisPrefix: process.env["USAGE_REDIS_PREFIX"] } : {}),
  ownsSchema: false,
  // Test machines run several gateways and test files at once: a slow Redis reply must not turn into a fallback.
  usage: {
    redisCommandTimeoutMs: 5_000,
    redisFailurePolicy: "fail_closed",
    ...(process.env["USAGE_FLUSH_MS"]
      ? { flushIntervalMs: Number(process.env["USAGE_FLUSH_MS"]), fsync: "interval" as const }
      : {}),
  },
});
// The handler is installed before the URL is announced: a parent may signal as soon as it reads it.
process.once("SIGTERM", () => {
  void gateway.close().then(() => process.exit(0));
});
process.stderr.write(`listening on ${gateway.url}\n`);
