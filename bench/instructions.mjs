#!/usr/bin/env node
// Instructions per request, per path, counted by valgrind's callgrind: repeatable on a loaded, shared machine
// where CPU time is not (the count does not depend on what else runs). Each arm runs under
// `valgrind --tool=callgrind --instr-atstart=no` (near-native until instrumentation is switched on); for each
// path the harness warms the process up uninstrumented, switches instrumentation on, zeroes the counters, sends a
// fixed number of requests at a fixed concurrency, dumps, and switches it off again. All threads of the process
// are counted (V8's GC and compiler threads, libuv's pool), as /proc CPU time would.
//
//   node bench/instructions.mjs [--requests=1000] [--warmup=2000] [--concurrency=16] [--idle=5]
//                               [--paths=bare,rest-master,rest-key,connect-json,grpc] [--out=FILE.json]
//
// Paths: `bare` (bench/bare-proxy.mjs), `rest-master` / `rest-key` (REST unary with the master key / a virtual
// key with budget and rpm), `connect-json` (Connect JSON over HTTP/1.1) and `grpc` (gRPC over h2c), the last two
// with the master key. Prints a table of instructions per request and the ratios the targets of issue 12 use.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { connect as http2Connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ARMS, MASTER_KEY } from "./lib/arms.mjs";
import { chatBody, sleep } from "./lib/measure.mjs";
import { httpCall, installCleanupHandlers, stopAll } from "./lib/processes.mjs";
import { COMPLETE_PATH, connectJsonBody, grpcCompleteBody, loadRpc } from "./lib/rpc-bodies.mjs";
import { startUpstream } from "./lib/upstream.mjs";

const { values: options } = parseArgs({
  options: {
    requests: { type: "string", default: "1000" },
    warmup: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "16" },
    idle: { type: "string", default: "5" },
    paths: { type: "string", default: "bare,rest-master,rest-key,connect-json,grpc" },
    out: { type: "string" },
  },
});

/** Sends `count` requests, at most `concurrency` in flight, with `send()` (resolves true on success). */
async function drive(count, concurrency, send) {
  let started = 0;
  let errors = 0;
  const worker = async () => {
    while (started < count) {
      started += 1;
      if (!(await send().catch(() => false))) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return errors;
}

/** HTTP/1.1 keep-alive POSTs of `body` to `port` `path`; success is a 2xx with the body read. */
function http1Sender(port, path, headers, body, concurrency) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.from(body);
  const allHeaders = { ...headers, "content-type": "application/json", "content-length": payload.length };
  const send = () =>
    new Promise((resolve, reject) => {
      const request = httpRequest(
        { agent, host: "127.0.0.1", port, method: "POST", path, headers: allHeaders },
        (response) => {
          response.on("data", () => {});
          response.on("end", () => resolve(response.statusCode >= 200 && response.statusCode < 300));
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(payload);
    });
  return { send, close: () => agent.destroy() };
}

/** gRPC unary calls over h2c sessions (one per 8 in flight); success is grpc-status 0. */
function grpcSender(port, body, concurrency) {
  const open = () => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    // A session the server closed (idle timeout while valgrind dumps) fails its streams; the next call reopens it.
    session.on("error", () => {});
    return session;
  };
  const sessions = Array.from({ length: Math.max(1, Math.ceil(concurrency / 8)) }, open);
  let next = 0;
  const send = () =>
    new Promise((resolve, reject) => {
      const index = next++ % sessions.length;
      if (sessions[index].closed || sessions[index].destroyed) sessions[index] = open();
      const session = sessions[index];
      const stream = session.request({
        ":method": "POST",
        ":path": COMPLETE_PATH,
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${MASTER_KEY}`,
      });
      let status;
      stream.on("trailers", (trailers) => {
        status = trailers["grpc-status"];
      });
      stream.on("response", (headers) => {
        if (headers["grpc-status"] !== undefined) status = headers["grpc-status"];
      });
      stream.on("data", () => {});
      stream.on("end", () => resolve(status === "0"));
      stream.on("error", reject);
      stream.end(body);
    });
  const close = () => {
    for (const session of sessions) session.close();
  };
  return { send, close };
}

/** Total instructions (Ir) in the newest callgrind dump `base`.N. */
function readDump(base, before) {
  const directory = base.slice(0, base.lastIndexOf("/"));
  const name = base.slice(base.lastIndexOf("/") + 1);
  const fresh = readdirSync(directory).filter((file) => file.startsWith(`${name}.`) && !before.has(file));
  if (fresh.length === 0) return undefined;
  const newest = fresh.sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop())).pop();
  const text = readFileSync(join(directory, newest), "utf8");
  const line = text.split("\n").find((candidate) => /^(summary|totals):/.test(candidate));
  return line === undefined ? undefined : Number(line.split(/\s+/)[1]);
}

/** Zeroes the counters of `pid`, runs `during()`, dumps; resolves with the instructions and the seconds it took. */
async function counted(pid, outBase, during) {
  execFileSync("callgrind_control", ["--zero", String(pid)], { stdio: "ignore" });
  const startedAt = performance.now();
  const value = await during();
  const seconds = (performance.now() - startedAt) / 1000;
  const directory = outBase.slice(0, outBase.lastIndexOf("/"));
  const before = new Set(readdirSync(directory));
  execFileSync("callgrind_control", ["--dump", String(pid)], { stdio: "ignore" });
  let total;
  for (let attempt = 0; attempt < 100 && total === undefined; attempt += 1) {
    await sleep(100);
    total = readDump(outBase, before);
  }
  if (total === undefined) throw new Error("callgrind wrote no dump");
  return { instructions: total, seconds, value };
}

/**
 * Counts the instructions `pid` executes while `count` requests go through `sender`. Under valgrind a request
 * takes ~50× longer, so work that runs per wall-clock second (timers, the event-loop delay monitor) would be
 * charged to requests ~50× over: idle windows just before and after give that rate (the smaller), and it is subtracted
 * (`perRequest`; `rawPerRequest` keeps the uncorrected figure).
 */
async function countInstructions(pid, outBase, sender, count, concurrency, warmup, idleSeconds) {
  const warmErrors = await drive(warmup, concurrency, sender.send);
  if (warmErrors > 0) throw new Error(`${warmErrors} of ${warmup} warm-up requests failed`);
  execFileSync("callgrind_control", ["--instr=on", String(pid)], { stdio: "ignore" });
  // Idle windows before and after the counted one; the smaller rate is taken, because deferred work (a ledger
  // batch, a major GC, a background compile) can land in either and is the requests' own cost.
  await sleep(1000);
  const idleBefore = await counted(pid, outBase, () => sleep(idleSeconds * 1000));
  const busy = await counted(pid, outBase, () => drive(count, concurrency, sender.send));
  await sleep(1000);
  const idleAfter = await counted(pid, outBase, () => sleep(idleSeconds * 1000));
  execFileSync("callgrind_control", ["--instr=off", String(pid)], { stdio: "ignore" });
  const idlePerSecond = Math.min(
    idleBefore.instructions / idleBefore.seconds,
    idleAfter.instructions / idleAfter.seconds,
  );
  return {
    instructions: busy.instructions,
    seconds: busy.seconds,
    idlePerSecond,
    rawPerRequest: busy.instructions / count,
    perRequest: (busy.instructions - idlePerSecond * busy.seconds) / count,
    errors: busy.value,
  };
}

async function main() {
  installCleanupHandlers();
  const runDir = mkdtempSync(join(tmpdir(), "switchboard-instructions-"));
  const paths = options.paths.split(",");
  const count = Number(options.requests);
  const warmup = Number(options.warmup);
  const concurrency = Number(options.concurrency);
  const log = (message) => process.stderr.write(`${message}\n`);
  const upstream = await startUpstream(runDir);
  await upstream.configure({});
  const valgrind = (name) => [
    "valgrind",
    "--tool=callgrind",
    "--instr-atstart=no",
    `--callgrind-out-file=${join(runDir, name)}`,
  ];
  const results = {};
  const measure = async (path, pid, name, sender) => {
    log(`${path}: warm-up ${warmup}, then ${count} requests counted`);
    results[path] = await countInstructions(
      pid,
      join(runDir, name),
      sender,
      count,
      concurrency,
      warmup,
      Number(options.idle),
    );
    sender.close();
    const { perRequest, rawPerRequest, idlePerSecond } = results[path];
    log(
      `${path}: ${Math.round(perRequest).toLocaleString("en-US")} instructions per request ` +
        `(raw ${Math.round(rawPerRequest).toLocaleString("en-US")}, idle ${Math.round(idlePerSecond).toLocaleString("en-US")}/s)`,
    );
  };
  if (paths.includes("bare")) {
    const bare = await ARMS.bare.start({
      upstream,
      runDir,
      logFile: join(runDir, "bare.log"),
      log,
      wrapWith: valgrind("bare.cg"),
    });
    const route = ARMS.bare.route("openai");
    await measure(
      "bare",
      bare.pid,
      "bare.cg",
      http1Sender(bare.port, route.path, route.headers, chatBody(route.model, false), concurrency),
    );
  }
  const gatewayPaths = paths.filter((path) => path !== "bare");
  if (gatewayPaths.length > 0) {
    const gateway = await ARMS.switchboard.start({
      upstream,
      runDir,
      logFile: join(runDir, "switchboard.log"),
      log,
      wrapWith: valgrind("switchboard.cg"),
    });
    if (gateway.skipped !== undefined) throw new Error(gateway.skipped);
    const master = { authorization: `Bearer ${MASTER_KEY}` };
    for (const path of gatewayPaths) {
      let sender;
      if (path === "rest-master") {
        sender = http1Sender(
          gateway.port,
          "/v1/chat/completions",
          master,
          chatBody("bench", false),
          concurrency,
        );
      } else if (path === "rest-key") {
        const created = await httpCall({
          port: gateway.port,
          method: "POST",
          path: "/key/generate",
          headers: { ...master, "content-type": "application/json" },
          body: JSON.stringify({
            key_alias: "bench-tenant",
            max_budget: 1_000_000,
            budget_duration: "30d",
            rpm_limit: 100_000_000,
          }),
          timeoutMs: 120_000,
        });
        if (created.status !== 200) throw new Error(`POST /key/generate answered ${created.status}`);
        const key = JSON.parse(created.text).key;
        sender = http1Sender(
          gateway.port,
          "/v1/chat/completions",
          { authorization: `Bearer ${key}` },
          chatBody("bench", false),
          concurrency,
        );
      } else if (path === "connect-json") {
        sender = http1Sender(
          gateway.port,
          COMPLETE_PATH,
          { ...master, "connect-protocol-version": "1" },
          connectJsonBody("bench"),
          concurrency,
        );
      } else if (path === "grpc") {
        const rpc = await loadRpc();
        if (rpc.pending !== undefined) throw new Error(rpc.pending);
        sender = grpcSender(gateway.port, grpcCompleteBody(rpc, "bench"), concurrency);
      } else {
        throw new Error(`unknown path ${path}`);
      }
      await measure(path, gateway.pid, "switchboard.cg", sender);
    }
  }
  await stopAll();
  rmSync(runDir, { recursive: true, force: true });
  const per = (path) => results[path]?.perRequest;
  const ratio = (a, b) => (per(a) !== undefined && per(b) !== undefined ? per(a) / per(b) : undefined);
  const rows = Object.entries(results).map(([path, result]) => {
    const versusBare = ratio(path, "bare");
    const versusRest = path === "connect-json" || path === "grpc" ? ratio(path, "rest-master") : undefined;
    return `| ${path} | ${Math.round(result.perRequest).toLocaleString("en-US")} | ${Math.round(
      result.rawPerRequest,
    ).toLocaleString("en-US")} | ${
      versusBare === undefined ? "" : `${versusBare.toFixed(2)}×`
    } | ${versusRest === undefined ? "" : `${versusRest.toFixed(2)}×`} | ${result.errors} |`;
  });
  const table = [
    `Instructions per request (callgrind, ${count} requests after ${warmup} warm-up, ${concurrency} in flight, unary, instant upstream):`,
    "",
    "| path | instructions per request | uncorrected (idle rate not subtracted) | ÷ bare pipe | ÷ REST (master key) | errors |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
  process.stdout.write(`${table}\n`);
  if (options.out !== undefined) {
    writeFileSync(options.out, `${JSON.stringify({ count, warmup, concurrency, results }, null, 2)}\n`);
  }
}

main().catch(async (error) => {
  process.stderr.write(`instructions: ${error.stack ?? error}\n`);
  await stopAll();
  process.exit(1);
});
