#!/usr/bin/env node
// CPU profile of one arm under load: starts the fake upstream and the arm (with bench/cpu-profile-preload.mjs),
// warms it up, profiles a bounded load run, writes the .cpuprofile and prints where the self time goes, by function
// and by package. `--path` picks the wire: REST over HTTP/1.1 (wrk, the default), REST over h2c, Connect JSON over
// HTTP/1.1 (wrk) or gRPC over h2c (h2load); the last two are Switchboard only. Usage:
//   node bench/profile.mjs --arm=switchboard [--path=rest-h1|rest-h2c|connect-json|grpc] [--seconds=5]
//                          [--connections=50] [--stream] [--out=bench/results/profiles]
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ARMS } from "./lib/arms.mjs";
import { runH2load } from "./lib/h2load.mjs";
import { chatBody, sleep } from "./lib/measure.mjs";
import { cpuMicros } from "./lib/proc-stats.mjs";
import { installCleanupHandlers, stopAll } from "./lib/processes.mjs";
import { COMPLETE_PATH, connectJsonBody, grpcCompleteBody, loadRpc } from "./lib/rpc-bodies.mjs";
import { ensureLoadGenerators } from "./lib/tools.mjs";
import { startUpstream } from "./lib/upstream.mjs";
import { runWrk } from "./lib/wrk.mjs";

const BENCH_DIR = fileURLToPath(new URL("./", import.meta.url));
const { values: options } = parseArgs({
  options: {
    arm: { type: "string", default: "switchboard" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    path: { type: "string", default: "rest-h1" },
    stream: { type: "boolean", default: false },
    top: { type: "string", default: "25" },
    out: { type: "string", default: join(BENCH_DIR, "results", "profiles") },
  },
});

/** Where a call frame's code lives: an npm package, node internals, the program itself, or V8. */
function ownerOf(url) {
  if (url === "") return "(v8 / native)";
  if (url.startsWith("node:")) return "node internals";
  const index = url.lastIndexOf("node_modules/");
  if (index >= 0) {
    const rest = url.slice(index + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  return url.replace(/^file:\/\//, "").replace(fileURLToPath(new URL("../", import.meta.url)), "");
}

/** Self time per function and per owner from a V8 .cpuprofile. */
function summarize(profile, top) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((sum, value) => sum + value, 0);
  const functions = new Map();
  const owners = new Map();
  for (const [id, micros] of self) {
    const frame = byId.get(id).callFrame;
    const name = `${frame.functionName || "(anonymous)"} ${ownerOf(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const owner = frame.functionName === "(garbage collector)" ? "(garbage collector)" : ownerOf(frame.url);
    owners.set(owner, (owners.get(owner) ?? 0) + micros);
  }
  const rank = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  return ["self time by owner:", ...rank(owners), "", "self time by function:", ...rank(functions)].join(
    "\n",
  );
}

/** A function that loads the arm for `seconds` over the chosen wire and returns `{ requests, rps, errors }`. */
async function loadFor(path, { started, route, connections, runDir }) {
  const wrk = (requestPath, body, headers) => (seconds) =>
    runWrk({ port: started.port, path: requestPath, body, headers, connections, seconds });
  const h2 = (requestPath, body, headers) => (seconds) =>
    runH2load({
      port: started.port,
      path: requestPath,
      body,
      headers,
      connections,
      seconds,
      workDir: runDir,
      name: path,
    });
  if (path === "rest-h1") return wrk(route.path, chatBody(route.model, options.stream), route.headers);
  if (path === "rest-h2c") {
    return h2(route.path, Buffer.from(chatBody(route.model, options.stream)), {
      ...route.headers,
      "content-type": "application/json",
    });
  }
  if (options.stream) throw new Error("--stream is for the REST paths only");
  if (options.arm !== "switchboard") throw new Error(`--path=${path} is for the switchboard arm only`);
  const rpc = await loadRpc();
  if (rpc.pending !== undefined) throw new Error(rpc.pending);
  if (path === "connect-json") {
    return wrk(COMPLETE_PATH, connectJsonBody(route.model), {
      ...route.headers,
      "connect-protocol-version": "1",
    });
  }
  if (path === "grpc") {
    return h2(COMPLETE_PATH, grpcCompleteBody(rpc, route.model), {
      ...route.headers,
      "content-type": "application/grpc",
      te: "trailers",
    });
  }
  throw new Error(`unknown --path ${path}; known: rest-h1, rest-h2c, connect-json, grpc`);
}

async function main() {
  installCleanupHandlers();
  ensureLoadGenerators((message) => process.stderr.write(`${message}\n`));
  const definition = ARMS[options.arm];
  if (definition === undefined || options.arm === "direct")
    throw new Error(`cannot profile arm ${options.arm}`);
  const runDir = mkdtempSync(join(tmpdir(), "switchboard-profile-"));
  mkdirSync(options.out, { recursive: true });
  const upstream = await startUpstream(runDir);
  const started = await definition.start({
    upstream,
    runDir,
    logFile: join(runDir, `${options.arm}.log`),
    log: (message) => process.stderr.write(`${message}\n`),
    nodeArgs: ["--import", join(BENCH_DIR, "cpu-profile-preload.mjs")],
    profileDir: options.out,
  });
  if (started.skipped !== undefined) throw new Error(started.skipped);
  const route = definition.route("openai", started);
  const connections = Number(options.connections);
  const load = await loadFor(options.path, { started, route, connections, runDir });
  await upstream.configure({});
  await load(3);
  const before = new Set(existsSync(options.out) ? readdirSync(options.out) : []);
  process.kill(started.pid, "SIGUSR2");
  await sleep(200);
  const cpuBefore = cpuMicros(started.pid);
  const result = await load(Number(options.seconds));
  const cpuPerRequest = (cpuMicros(started.pid) - cpuBefore) / Math.max(1, result.requests);
  process.kill(started.pid, "SIGUSR2");
  let written;
  for (let attempt = 0; attempt < 50 && written === undefined; attempt += 1) {
    await sleep(100);
    written = readdirSync(options.out).find((name) => name.endsWith(".cpuprofile") && !before.has(name));
  }
  await stopAll();
  rmSync(runDir, { recursive: true, force: true });
  if (written === undefined) throw new Error("no profile was written");
  const file = join(options.out, written);
  process.stdout.write(
    `${options.arm} ${options.path}: ${result.rps.toFixed(0)} req/s, ${cpuPerRequest.toFixed(0)} CPU-µs per request ` +
      `(profiler on; sampling inflates it), ${result.errors} errors\nprofile: ${file}\n\n`,
  );
  process.stdout.write(`${summarize(JSON.parse(readFileSync(file, "utf8")), Number(options.top))}\n`);
}

main().catch(async (error) => {
  process.stderr.write(`profile: ${error.stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
