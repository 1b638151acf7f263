// Measurement building blocks shared by the scenarios: interleaved repetitions, wrk runs with the gateway's CPU
// time, CPU pinning, and the request bodies every arm receives.
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { cpuMicros } from "./proc-stats.mjs";
import { medianOfRuns } from "./stats.mjs";
import { runWrk } from "./wrk.mjs";

const PROMPT = "Invent a holiday for stargazers and describe it in three sentences.";

/** The OpenAI chat request body every arm receives (same bytes for every arm apart from the model alias). */
export function chatBody(model, stream) {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: "You are a concise assistant." },
      { role: "user", content: PROMPT },
    ],
    max_tokens: 256,
    temperature: 0.2,
    ...(stream ? { stream: true } : {}),
  });
}

/** Counters that are summed over repetitions instead of taking their median (a failure in any rep must show). */
const SUMMED = [
  "requests",
  "errors",
  "non2xx",
  "streams",
  "failed",
  "outOfOrder",
  "coalescedEvents",
  "contentEvents",
];

/**
 * Runs `measure(arm, rep)` for `reps` rounds, the arms interleaved within each round (A B C A B C …), and returns
 * per arm the medians of every numeric field (sums for the counters in SUMMED) plus the raw repetitions.
 */
export async function interleaved(arms, reps, measure) {
  const runs = new Map(arms.map((arm) => [arm.name, []]));
  for (let rep = 0; rep < reps; rep += 1) {
    for (const arm of arms) runs.get(arm.name).push(await measure(arm, rep));
  }
  return Object.fromEntries(
    arms.map((arm) => {
      const armRuns = runs.get(arm.name);
      const merged = medianOfRuns(armRuns);
      for (const key of SUMMED) {
        if (typeof merged[key] === "number")
          merged[key] = armRuns.reduce((sum, run) => sum + (run[key] ?? 0), 0);
      }
      return [arm.name, { ...merged, reps: armRuns }];
    }),
  );
}

/**
 * One wrk run against `arm` with the OpenAI route of `kind`, reporting the CPU time the arm's process (and the
 * upstream) spent per request.
 */
export async function wrkWithCpu(
  context,
  arm,
  { kind = "openai", stream = false, connections, seconds, wrkCpu },
) {
  const route = arm.route(kind);
  const upstreamPid = context.upstream.pid;
  const armBefore = cpuMicros(arm.pid);
  const upstreamBefore = cpuMicros(upstreamPid);
  const result = await runWrk({
    port: arm.port,
    path: route.path,
    body: chatBody(route.model, stream),
    headers: route.headers,
    connections,
    seconds,
    cpu: wrkCpu,
  });
  const requests = Math.max(1, result.requests);
  return {
    ...result,
    cpuUsPerRequest: (cpuMicros(arm.pid) - armBefore) / requests,
    upstreamCpuUsPerRequest: (cpuMicros(upstreamPid) - upstreamBefore) / requests,
  };
}

/** Pins every thread of `pid` to `cpuList` ("0", "1", "0-1"). Returns false when taskset is unavailable. */
export function pin(pid, cpuList) {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpuList, String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The CPU list of the whole machine, for undoing a pin. */
export function allCpus() {
  return `0-${Math.max(0, cpus().length - 1)}`;
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
