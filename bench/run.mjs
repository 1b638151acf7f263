#!/usr/bin/env node
// The benchmark: Switchboard against the direct upstream, a bare Node pipe and Portkey's gateway, all on this
// machine, against one fake upstream, arms interleaved. `npm run bench` (full, ~10 min) or `npm run bench -- --smoke`
// (≤ 60 s, for CI). See bench/README.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ARMS } from "./lib/arms.mjs";
import { chatBody } from "./lib/measure.mjs";
import { machineFacts, rssMiB } from "./lib/proc-stats.mjs";
import { httpCall, installCleanupHandlers, stopAll } from "./lib/processes.mjs";
import { round } from "./lib/stats.mjs";
import { runStreams } from "./lib/stream-client.mjs";
import { ensureLoadGenerators } from "./lib/tools.mjs";
import { startUpstream } from "./lib/upstream.mjs";
import { runWrk } from "./lib/wrk.mjs";
import { connectRpc } from "./scenarios/connect-rpc.mjs";
import { latencyFloor } from "./scenarios/latency-floor.mjs";
import { manyStreams } from "./scenarios/many-streams.mjs";
import { providerLike } from "./scenarios/provider-like.mjs";
import { saturation } from "./scenarios/saturation.mjs";
import { streamThroughput } from "./scenarios/stream-throughput.mjs";
import { translatedProvider } from "./scenarios/translated-provider.mjs";
import { expectedTokens, ttftFidelity } from "./scenarios/ttft-fidelity.mjs";
import { workerScaling } from "./scenarios/worker-scaling.mjs";

const SCENARIOS = [
  latencyFloor,
  saturation,
  providerLike,
  streamThroughput,
  ttftFidelity,
  manyStreams,
  connectRpc,
  translatedProvider,
  workerScaling,
];
const BENCH_DIR = fileURLToPath(new URL("./", import.meta.url));

const { values: options } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    reps: { type: "string" },
    arms: { type: "string" },
    scenarios: { type: "string" },
    out: { type: "string", default: join(BENCH_DIR, "results") },
    "no-fail": { type: "boolean", default: false },
    "max-cpu-ratio-vs-portkey": { type: "string", default: "1" },
    help: { type: "boolean", default: false },
  },
});

if (options.help) {
  process.stdout.write(
    [
      "usage: npm run bench -- [--smoke] [--reps=N] [--arms=direct,bare,switchboard,switchboard-key,portkey]",
      "                        [--scenarios=latency-floor,saturation,...] [--out=DIR] [--no-fail]",
      `scenarios: ${SCENARIOS.map((scenario) => scenario.id).join(", ")}`,
      "",
    ].join("\n"),
  );
  process.exit(0);
}

const startedAt = new Date();
const log = (message) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)}s] ${message}\n`);

function timestamp(date) {
  return date
    .toISOString()
    .replace(/[:.]/g, "-")
    .replace(/-\d{3}Z$/, "Z");
}

async function startArms(names, upstream, runDir) {
  const arms = [];
  const skipped = {};
  for (const name of names) {
    const definition = ARMS[name];
    if (definition === undefined)
      throw new Error(`unknown arm ${name}; known: ${Object.keys(ARMS).join(", ")}`);
    log(`starting arm ${name}`);
    try {
      const started = await definition.start({ upstream, runDir, logFile: join(runDir, `${name}.log`), log });
      if (started.skipped !== undefined) {
        log(`  skipped: ${started.skipped}`);
        skipped[name] = started.skipped;
        continue;
      }
      arms.push({
        name,
        label: definition.label,
        pid: started.pid,
        port: started.port,
        route: (kind) => definition.route(kind, started),
        freshRssMiB: rssMiB(started.pid),
        note: started.note ?? "",
      });
    } catch (error) {
      log(`  failed to start: ${error.message}`);
      skipped[name] = `failed to start: ${error.message}`;
    }
  }
  return { arms, skipped };
}

/** Checks every arm answers a unary and a streaming request before anything is measured; drops arms that do not. */
async function checkArms(arms, upstream, skipped) {
  await upstream.configure({ chunks: expectedTokens.length + 1 });
  const healthy = [];
  for (const arm of arms) {
    const route = arm.route("openai");
    const unary = await httpCall({
      port: arm.port,
      method: "POST",
      path: route.path,
      headers: route.headers,
      body: chatBody(route.model, false),
    }).catch((error) => ({ status: 0, text: String(error) }));
    const stream = await runStreams({
      port: arm.port,
      path: route.path,
      headers: route.headers,
      body: chatBody(route.model, true),
      concurrency: 1,
      total: 1,
      expectedTokens,
      intervalMs: 0,
    });
    if (unary.status !== 200 || stream.failed > 0 || stream.outOfOrder > 0) {
      const why = `self-check failed: unary HTTP ${unary.status} ${unary.text.slice(0, 160)}; stream failed=${stream.failed} outOfOrder=${stream.outOfOrder} ${stream.firstError ?? ""}`;
      log(`  ${arm.name}: ${why}`);
      skipped[arm.name] = why;
      continue;
    }
    healthy.push(arm);
  }
  return healthy;
}

async function warmUp(arms, upstream, smoke) {
  await upstream.configure({});
  for (const arm of arms) {
    const route = arm.route("openai");
    await runWrk({
      port: arm.port,
      path: route.path,
      body: chatBody(route.model, false),
      headers: route.headers,
      connections: 10,
      seconds: smoke ? 1 : 3,
    });
    if (smoke) continue;
    await runWrk({
      port: arm.port,
      path: route.path,
      body: chatBody(route.model, true),
      headers: route.headers,
      connections: 10,
      seconds: 1,
    });
  }
}

/** The commit the harness and the gateway were measured at ("+dirty" when the work tree has changes). */
function gitCommit() {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: BENCH_DIR }).toString().trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: BENCH_DIR }).length > 0;
    return dirty ? `${head}+dirty` : head;
  } catch {
    return "unknown";
  }
}

/** Rounds every number in a result tree so that the JSON stays small. */
function compact(value) {
  if (typeof value === "number") return round(value, 3);
  if (Array.isArray(value)) return value.map(compact);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, compact(inner)]));
  }
  return value;
}

function smokeVerdict(results, arms, maxCpuRatio) {
  const problems = [];
  const names = new Set(arms.map((arm) => arm.name));
  const ttft = results["ttft-fidelity"];
  for (const name of ["direct", "switchboard"]) {
    if (!names.has(name) || ttft?.[name] === undefined) continue;
    // On a busy machine every hop is sometimes late and two events travel together; a gateway that buffers
    // coalesces nearly all of them. So coalescing fails the smoke only above half of the events.
    const fields = ttft[name];
    const coalescedShare = fields.coalescedEvents / Math.max(1, fields.contentEvents);
    if (fields.failed + fields.outOfOrder > 0 || coalescedShare > 0.5) {
      problems.push(
        `${name}: stream fidelity (failed ${fields.failed}, out of order ${fields.outOfOrder}, ` +
          `coalesced ${fields.coalescedEvents} of ${fields.contentEvents} events)`,
      );
    }
  }
  for (const id of ["latency-floor", "saturation"]) {
    const errors = results[id]?.switchboard?.errors;
    if (errors > 0) problems.push(`switchboard: ${errors} errors in ${id}`);
  }
  const sat = results.saturation;
  if (sat?.switchboard !== undefined && sat?.portkey !== undefined) {
    const ratio = sat.switchboard.cpuUsPerRequest / sat.portkey.cpuUsPerRequest;
    if (ratio > maxCpuRatio)
      problems.push(`switchboard CPU per request is ${ratio.toFixed(2)}× Portkey's (limit ${maxCpuRatio}×)`);
  }
  return problems;
}

function renderMarkdown({ machine, loadAfter, config, arms, skipped, results, errors, durationSec }) {
  const lines = [
    `# Switchboard benchmark — ${config.smoke ? "smoke" : "full"} run, ${startedAt.toISOString()}`,
    "",
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.platform}, Node ${machine.node}. ` +
      `Load average before the run: ${machine.loadavg.join(" / ")}; after: ${loadAfter.join(" / ")}. ` +
      `Scenario 2 pinned: ${results.saturation?.pinned === true ? "yes (arm on CPU 0, wrk + upstream on CPU 1)" : "no"}; ` +
      "other scenarios unpinned.",
    "",
    `Arms: ${arms.map((arm) => `${arm.label} (fresh RSS ${arm.freshRssMiB.toFixed(1)} MiB${arm.note ? `; ${arm.note}` : ""})`).join(", ")}. ` +
      `Repetitions: ${config.reps}, arms interleaved (A B C A B C …), medians reported (error counts summed). ` +
      `Run took ${Math.round(durationSec)} s at commit ${config.commit}.`,
    "",
    "CPU-µs per request is the arm process's utime + stime from /proc over the run ÷ requests completed; for " +
      "`direct` it is the fake upstream's own cost. `bare pipe` is a node:http pass-through proxy (no parsing, no " +
      "auth): the floor for any Node gateway. Load: wrk (HTTP/1.1, keep-alive), h2load (h2c), a Node SSE client.",
    "",
  ];
  for (const [name, why] of Object.entries(skipped)) lines.push(`- Arm **${name}** not measured: ${why}`);
  if (Object.keys(skipped).length > 0) lines.push("");
  for (const scenario of SCENARIOS) {
    if (!(scenario.id in results) && !(scenario.id in errors)) continue;
    lines.push(`## ${scenario.title}`, "");
    if (scenario.id in errors) lines.push(`Failed: ${errors[scenario.id]}`, "");
    else lines.push(scenario.table(results[scenario.id]), "");
  }
  return lines.join("\n");
}

async function main() {
  installCleanupHandlers();
  const smoke = options.smoke;
  const reps = Number(options.reps ?? (smoke ? 1 : 3));
  const armNames = (
    options.arms ?? (smoke ? "direct,switchboard,portkey" : "direct,bare,switchboard,switchboard-key,portkey")
  ).split(",");
  const wanted = options.scenarios?.split(",") ?? SCENARIOS.map((scenario) => scenario.id);
  const machine = machineFacts();
  log(`machine: ${machine.cores} cores, load ${machine.loadavg.join(" ")}, node ${machine.node}`);
  ensureLoadGenerators(log);

  const runDir = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
  const upstream = await startUpstream(runDir);
  log(`fake upstream on 127.0.0.1:${upstream.port} (pid ${upstream.pid})`);
  const started = await startArms(armNames, upstream, runDir);
  const skipped = started.skipped;
  const arms = await checkArms(started.arms, upstream, skipped);
  if (arms.length === 0) throw new Error("no arm passed its self-check");
  log(`warming up ${arms.map((arm) => arm.name).join(", ")}`);
  await warmUp(arms, upstream, smoke);

  const context = { arms, upstream, reps, smoke, machine, runDir, log };
  const results = {};
  const errors = {};
  for (const scenario of SCENARIOS) {
    if (!wanted.includes(scenario.id)) continue;
    if (smoke && ["provider-like", "translated-provider", "worker-scaling"].includes(scenario.id)) continue;
    log(`scenario ${scenario.title}`);
    try {
      results[scenario.id] = await scenario.run(context);
    } catch (error) {
      log(`  failed: ${error.stack ?? error}`);
      errors[scenario.id] = String(error.message ?? error);
    }
  }
  const durationSec = (Date.now() - startedAt.getTime()) / 1000;
  const loadAfter = machineFacts().loadavg;
  await stopAll();

  const config = { smoke, reps, arms: armNames, scenarios: wanted, commit: gitCommit() };
  const report = {
    startedAt: startedAt.toISOString(),
    durationSec: round(durationSec, 1),
    machine,
    loadAfter,
    config,
    arms: arms.map((arm) => ({
      name: arm.name,
      label: arm.label,
      note: arm.note,
      freshRssMiB: round(arm.freshRssMiB, 1),
    })),
    skipped,
    errors,
    results: compact(results),
  };
  const markdown = renderMarkdown({
    machine,
    loadAfter,
    config,
    arms,
    skipped,
    results,
    errors,
    durationSec,
  });
  mkdirSync(options.out, { recursive: true });
  const stem = smoke ? "smoke" : timestamp(startedAt);
  writeFileSync(join(options.out, `${stem}.json`), `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(join(options.out, smoke ? "smoke.md" : "latest.md"), `${markdown}\n`);
  rmSync(runDir, { recursive: true, force: true });
  process.stdout.write(`${markdown}\n`);
  log(`results: ${join(options.out, `${stem}.json`)} and ${smoke ? "smoke.md" : "latest.md"}`);

  if (smoke && !options["no-fail"]) {
    const problems = smokeVerdict(results, arms, Number(options["max-cpu-ratio-vs-portkey"]));
    if (problems.length > 0) {
      log(`smoke check FAILED:\n  ${problems.join("\n  ")}`);
      process.exitCode = 1;
    } else
      log("smoke check passed (fidelity, errors, CPU ratio vs Portkey; absolute times are never checked)");
  }
}

main().catch(async (error) => {
  log(`fatal: ${error.stack ?? error}`);
  await stopAll();
  process.exit(1);
});
