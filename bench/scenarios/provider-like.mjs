// Scenario 3 — provider-like: the upstream answers after 50 ms; 10 and 50 connections. Reports added latency and
// throughput as a share of direct.
import { interleaved, wrkWithCpu } from "../lib/measure.mjs";
import { armTable } from "../lib/report.mjs";

const CONNECTIONS = [10, 50];

export const providerLike = {
  id: "provider-like",
  title: "3. Provider-like — upstream answers after 50 ms, 10 and 50 connections",
  async run(context) {
    await context.upstream.configure({ delayMs: 50 });
    const seconds = context.smoke ? 2 : 5;
    const result = {};
    for (const connections of context.smoke ? [50] : CONNECTIONS) {
      result[`c${connections}`] = await interleaved(context.arms, context.reps, (arm) =>
        wrkWithCpu(context, arm, { connections, seconds }),
      );
    }
    return result;
  },
  table(result) {
    return Object.entries(result)
      .map(([level, byArm]) =>
        [
          `${level.slice(1)} connections:`,
          "",
          armTable(byArm, [
            {
              label: "p50 latency (ms)",
              get: (r) => r.p50Ms,
              vsDirect: "diff",
              vsPortkey: "diff",
              target: "added ≤ 0.5 ms",
              digits: 3,
            },
            {
              label: "p99 latency (ms)",
              get: (r) => r.p99Ms,
              vsDirect: "diff",
              vsPortkey: "diff",
              target: "added ≤ 2 ms",
              digits: 3,
            },
            {
              label: "requests/s",
              get: (r) => r.rps,
              vsDirect: "pct",
              vsPortkey: "ratio",
              target: "≥ 99% of direct",
              digits: 1,
            },
            {
              label: "CPU-µs per request (arm process)",
              get: (r) => r.cpuUsPerRequest,
              vsPortkey: "ratio",
              digits: 0,
            },
            { label: "errors", get: (r) => r.errors, digits: 0 },
          ]),
        ].join("\n"),
      )
      .join("\n\n");
  },
};
