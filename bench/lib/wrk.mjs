// Runs wrk (HTTP/1.1, keep-alive, closed loop) against 127.0.0.1 and returns its summary.
import { fileURLToPath } from "node:url";
import { runCommand } from "./processes.mjs";

const SCRIPT = fileURLToPath(new URL("../wrk-report.lua", import.meta.url));

/**
 * One bounded wrk run. `cpu` pins wrk to that CPU with taskset. Returns requests/s, latency percentiles in ms and
 * the error counts (non-2xx answers count as errors.status).
 */
export async function runWrk({ port, path, body, headers, connections, seconds, cpu, timeoutSec = 10 }) {
  const wrkArgs = [
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    `--timeout=${timeoutSec}s`,
    "-s",
    SCRIPT,
    `http://127.0.0.1:${port}${path}`,
  ];
  const [command, args] =
    cpu === undefined ? ["wrk", wrkArgs] : ["taskset", ["-c", String(cpu), "wrk", ...wrkArgs]];
  const env = {
    PATH: process.env.PATH,
    BENCH_BODY: body,
    BENCH_HEADERS: Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n"),
  };
  const result = await runCommand(command, args, { env, timeoutMs: (seconds + timeoutSec + 10) * 1000 });
  const line = result.stdout.split("\n").find((candidate) => candidate.startsWith("BENCH_JSON "));
  if (line === undefined) throw new Error(`wrk produced no summary (exit ${result.code}): ${result.stderr}`);
  const summary = JSON.parse(line.slice("BENCH_JSON ".length));
  const errors = Object.values(summary.errors).reduce((sum, count) => sum + count, 0);
  return {
    requests: summary.requests,
    rps: summary.requests / (summary.durationUs / 1e6),
    errors,
    non2xx: summary.errors.status,
    p50Ms: summary.latencyUs.p50 / 1000,
    p90Ms: summary.latencyUs.p90 / 1000,
    p99Ms: summary.latencyUs.p99 / 1000,
    maxMs: summary.latencyUs.max / 1000,
  };
}
