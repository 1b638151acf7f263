// Scenario 9 — worker scaling: the same gateway started with `--workers 1` and `--workers 2`, both with Redis and
// PostgreSQL configured (what N > 1 needs), saturated with wrk at 50 connections against the instant upstream,
// taking turns. Reports requests/s, CPU-µs per request (primary + workers) and the 2-worker ÷ 1-worker throughput.
// On a 2-core machine wrk and the upstream share the cores with the workers, so the ratio is a floor of what the
// workers alone would give. Needs Redis and PostgreSQL (BENCH_REDIS_URL, BENCH_DATABASE_URL); pending without.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startSwitchboard } from "../lib/arms.mjs";
import { chatBody, interleaved } from "../lib/measure.mjs";
import { cpuMicros } from "../lib/proc-stats.mjs";
import { fmt, markdownTable } from "../lib/report.mjs";
import { runWrk } from "../lib/wrk.mjs";

const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const MASTER_KEY = "sk-bench-master-0123456789abcdef0123";

/** The process and its children (the cluster's workers). */
function processTree(pid) {
  try {
    const children = execFileSync("pgrep", ["-P", String(pid)])
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean);
    return [pid, ...children.map(Number)];
  } catch {
    return [pid];
  }
}

/** CPU of the processes still alive (a process gone since the list was taken counts 0). */
const treeCpu = (pids) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + cpuMicros(pid);
    } catch {
      return sum;
    }
  }, 0);

/** Local redis-server / postgres processes (their CPU per request bounds how far workers can scale). */
function namedPids(name) {
  try {
    return execFileSync("pgrep", ["-x", name]).toString().trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function reachable() {
  const { default: pg } = await import("pg");
  const { Redis } = await import("ioredis");
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return { pending: `Redis at ${REDIS_URL} is not reachable (${error.message})` };
  } finally {
    redis.disconnect();
  }
  const schema = `bench_workers_${Date.now()}`;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    await client.query(`create schema "${schema}"`);
  } catch (error) {
    return { pending: `PostgreSQL at ${DATABASE_URL} is not reachable (${error.message})` };
  } finally {
    await client.end().catch(() => {});
  }
  return { schema, pg };
}

async function dropSchema(pg, schema) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

export const workerScaling = {
  id: "worker-scaling",
  title:
    "9. Worker scaling — saturation with --workers 1 and --workers 2 (Redis + PostgreSQL), Switchboard only",
  async run(context) {
    if (!context.arms.some((arm) => arm.name === "switchboard"))
      return { pending: "the Switchboard arm is not running" };
    const shared = await reachable();
    if (shared.pending !== undefined) return shared;
    const env = {
      REDIS_URL,
      DATABASE_URL: `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${shared.schema}`)}`,
    };
    const variants = [];
    try {
      for (const workers of [1, 2]) {
        const started = await startSwitchboard({
          upstream: context.upstream,
          runDir: context.runDir,
          logFile: join(context.runDir, `switchboard-workers-${workers}.log`),
          log: context.log,
          extraArgs: ["--workers", String(workers)],
          env,
        });
        if (started.skipped !== undefined) return { pending: started.skipped };
        variants.push({ name: `workers-${workers}`, workers, ...started });
      }
      // Let every worker answer once before measuring (a cluster listens before all workers are warm).
      await context.upstream.configure({});
      const seconds = context.smoke ? 2 : 5;
      const body = chatBody("bench", false);
      const headers = { authorization: `Bearer ${MASTER_KEY}` };
      for (const variant of variants) {
        await runWrk({
          port: variant.port,
          path: "/v1/chat/completions",
          body,
          headers,
          connections: 50,
          seconds: 2,
        });
      }
      const measured = await interleaved(variants, context.reps, async (variant) => {
        const pids = processTree(variant.pid);
        const redisPids = namedPids("redis-server");
        const postgresPids = namedPids("postgres");
        const before = treeCpu(pids);
        const redisBefore = treeCpu(redisPids);
        const postgresBefore = treeCpu(postgresPids);
        const result = await runWrk({
          port: variant.port,
          path: "/v1/chat/completions",
          body,
          headers,
          connections: 50,
          seconds,
        });
        const requests = Math.max(1, result.requests);
        return {
          ...result,
          processes: pids.length,
          cpuUsPerRequest: (treeCpu(pids) - before) / requests,
          // Shared by everything on the machine (other tests too): an upper bound of what this run cost them.
          redisCpuUsPerRequest: (treeCpu(redisPids) - redisBefore) / requests,
          postgresCpuUsPerRequest: (treeCpu(postgresPids) - postgresBefore) / requests,
        };
      });
      const one = measured["workers-1"];
      const two = measured["workers-2"];
      return { ...measured, scaling: two.rps / one.rps, cores: context.machine.cores };
    } finally {
      for (const variant of variants) {
        variant.child.kill("SIGTERM");
        await new Promise((resolve) => {
          if (variant.child.exitCode !== null) resolve();
          else variant.child.once("exit", resolve);
          setTimeout(resolve, 15_000).unref();
        });
      }
      await dropSchema(shared.pg, shared.schema).catch(() => {});
    }
  },
  table(result) {
    if (result.pending !== undefined) return `Pending: ${result.pending}.`;
    const rows = ["workers-1", "workers-2"].map((name) => [
      name,
      fmt(result[name].rps, 0),
      fmt(result[name].cpuUsPerRequest, 0),
      fmt(result[name].redisCpuUsPerRequest, 0),
      fmt(result[name].postgresCpuUsPerRequest, 0),
      fmt(result[name].p50Ms),
      fmt(result[name].p99Ms),
      fmt(result[name].errors, 0),
    ]);
    return [
      `Two workers ÷ one worker: **${fmt(result.scaling)}×** requests/s on ${result.cores} cores ` +
        "(target ≥ 1.7×; wrk and the upstream run on the same cores, unpinned).",
      "",
      markdownTable(
        [
          "variant",
          "requests/s",
          "CPU-µs per request (primary + workers)",
          "redis-server CPU-µs per request",
          "postgres CPU-µs per request",
          "p50 (ms)",
          "p99 (ms)",
          "errors",
        ],
        rows,
      ),
    ].join("\n");
  },
};
