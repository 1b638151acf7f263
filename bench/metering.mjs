#!/usr/bin/env node
// What metering costs on the tenant path: CPU-µs per request of REST unary with a virtual key that has a budget and
// an rpm limit, against the bare pipe and the master key, in one run (arms interleaved, medians of the reps). Also the
// added latency at one connection. Prints a table with the load average before and after.
//   node bench/metering.mjs [--seconds=5] [--reps=3] [--connections=50] [--stream] [--no-build]
// (builds dist/ first unless --no-build; the gateway's data directory is a fresh temporary one)
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ARMS, MASTER_KEY } from "./lib/arms.mjs";
import { allCpus, chatBody, pin } from "./lib/measure.mjs";
import { cpuMicros } from "./lib/proc-stats.mjs";
import { httpCall, installCleanupHandlers, runCommand, stopAll } from "./lib/processes.mjs";
import { ensureLoadGenerators } from "./lib/tools.mjs";
import { startUpstream } from "./lib/upstream.mjs";
import { runWrk } from "./lib/wrk.mjs";

const { values: options } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    reps: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    stream: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
  },
});

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main() {
  installCleanupHandlers();
  ensureLoadGenerators((message) => process.stderr.write(`${message}\n`));
  const loadBefore = load();
  const runDir = mkdtempSync(join(tmpdir(), "switchboard-metering-"));
  if (!options["no-build"]) {
    const build = await runCommand("npm", ["run", "build"], { timeoutMs: 300_000, env: process.env });
    if (build.code !== 0)
      throw new Error(`npm run build failed: ${(build.stdout + build.stderr).slice(-500)}`);
  }
  // The gateway keeps its data directory (SQLite, usage journal) under the working directory: one per run.
  process.chdir(runDir);
  const upstream = await startUpstream(runDir);
  const log = (message) => process.stderr.write(`${message}\n`);
  const bare = await ARMS.bare.start({ upstream, runDir, logFile: join(runDir, "bare.log"), log });
  const gateway = await ARMS.switchboard.start({ upstream, runDir, logFile: join(runDir, "sb.log"), log });
  if (gateway.skipped !== undefined) throw new Error(gateway.skipped);
  const created = await httpCall({
    port: gateway.port,
    method: "POST",
    path: "/key/generate",
    headers: { authorization: `Bearer ${MASTER_KEY}` },
    body: { max_budget: 1_000_000, budget_duration: "30d", rpm_limit: 100_000_000 },
  });
  if (created.status !== 200) throw new Error(`key/generate: ${created.status} ${created.text}`);
  const virtualKey = JSON.parse(created.text).key;
  const arms = [
    { name: "bare", pid: bare.pid, port: bare.port, key: "sk-fake" },
    { name: "master", pid: gateway.pid, port: gateway.port, key: MASTER_KEY },
    { name: "virtual", pid: gateway.pid, port: gateway.port, key: virtualKey },
  ];
  const run = async (arm, connections, seconds) => {
    const before = cpuMicros(arm.pid);
    const result = await runWrk({
      port: arm.port,
      path: "/v1/chat/completions",
      body: chatBody("bench", options.stream),
      headers: { authorization: `Bearer ${arm.key}` },
      connections,
      seconds,
      cpu: 1,
    });
    return { ...result, cpuUs: (cpuMicros(arm.pid) - before) / Math.max(1, result.requests) };
  };
  pin(upstream.pid, "1");
  for (const arm of arms) await run(arm, 10, 2);
  const rows = new Map(arms.map((arm) => [arm.name, { cpu: [], rps: [], p50: [], p99: [], errors: 0 }]));
  for (let rep = 0; rep < Number(options.reps); rep += 1) {
    for (const arm of arms) {
      pin(arm.pid, "0");
      const saturated = await run(arm, Number(options.connections), Number(options.seconds));
      pin(arm.pid, allCpus());
      const single = await run(arm, 1, Number(options.seconds));
      const row = rows.get(arm.name);
      row.cpu.push(saturated.cpuUs);
      row.rps.push(saturated.rps);
      row.p50.push(single.p50Ms);
      row.p99.push(single.p99Ms);
      row.errors += saturated.errors + single.errors;
    }
  }
  await stopAll();
  rmSync(runDir, { recursive: true, force: true });
  const bareCpu = median(rows.get("bare").cpu);
  const bareP50 = median(rows.get("bare").p50);
  const lines = [
    `metering bench (${options.stream ? "SSE" : "unary"}, ${options.connections} connections for CPU, 1 for latency, ${options.reps} reps, medians)`,
    `load average before: ${loadBefore}; after: ${load()}`,
    "| arm | CPU-µs/req | ÷ bare | req/s | p50 ms (1 conn) | p99 ms (1 conn) | p50 − bare p50 | errors |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const [name, row] of rows) {
    const cpu = median(row.cpu);
    lines.push(
      `| ${name} | ${cpu.toFixed(0)} | ${(cpu / bareCpu).toFixed(2)}× | ${median(row.rps).toFixed(0)} | ` +
        `${median(row.p50).toFixed(3)} | ${median(row.p99).toFixed(3)} | ${(median(row.p50) - bareP50).toFixed(3)} | ${row.errors} |`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch(async (error) => {
  process.stderr.write(`metering bench: ${error.stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
