// Scenario 1 — latency floor: one connection, instant upstream, unary. Reports the latency a gateway adds.
import { interleaved, wrkWithCpu } from "../lib/measure.mjs";
import { armTable } from "../lib/report.mjs";

export const latencyFloor = {
  id: "latency-floor",
  title: "1. Latency floor — 1 connection, instant upstream, unary",
  async run(context) {
    await context.upstream.configure({});
    const seconds = context.smoke ? 1 : 5;
    return interleaved(context.arms, context.reps, (arm) =>
      wrkWithCpu(context, arm, { connections: 1, seconds }),
    );
  },
  table(result) {
    return armTable(result, [
      {
        label: "p50 latency (ms)",
        get: (r) => r.p50Ms,
        vsDirect: "diff",
        vsPortkey: "diff",
        target: "added ≤ 0.2 ms",
        digits: 3,
      },
      {
        label: "p99 latency (ms)",
        get: (r) => r.p99Ms,
        vsDirect: "diff",
        vsPortkey: "diff",
        target: "added ≤ 1 ms",
        digits: 3,
      },
      { label: "requests/s", get: (r) => r.rps, vsDirect: "pct", vsPortkey: "ratio" },
      {
        label: "CPU-µs per request (arm process)",
        get: (r) => r.cpuUsPerRequest,
        vsPortkey: "ratio",
        digits: 0,
      },
      { label: "errors", get: (r) => r.errors, digits: 0 },
    ]);
  },
};
