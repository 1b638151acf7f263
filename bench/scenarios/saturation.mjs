// Scenario 2 — saturation: instant upstream, 50 connections, the arm's process pinned to CPU 0 and wrk + the
// upstream to CPU 1. Reports requests/s and CPU-µs per request. On a 1-CPU machine it runs unpinned (and says so).
import { allCpus, interleaved, pin, wrkWithCpu } from "../lib/measure.mjs";
import { armTable } from "../lib/report.mjs";

export const saturation = {
  id: "saturation",
  title: "2. Saturation — 50 connections, instant upstream, arm pinned to CPU 0, wrk + upstream on CPU 1",
  async run(context) {
    await context.upstream.configure({});
    const seconds = context.smoke ? 2 : 5;
    const canPin = context.machine.cores >= 2;
    if (canPin) pin(context.upstream.pid, "1");
    try {
      const result = await interleaved(context.arms, context.reps, async (arm) => {
        if (canPin && arm.pid !== context.upstream.pid) pin(arm.pid, "0");
        try {
          return await wrkWithCpu(context, arm, { connections: 50, seconds, wrkCpu: canPin ? 1 : undefined });
        } finally {
          if (canPin && arm.pid !== context.upstream.pid) pin(arm.pid, allCpus());
        }
      });
      return { ...result, pinned: canPin };
    } finally {
      if (canPin) pin(context.upstream.pid, allCpus());
    }
  },
  table(result) {
    return armTable(result, [
      { label: "requests/s", get: (r) => r.rps, vsDirect: "pct", vsPortkey: "ratio", digits: 0 },
      {
        label: "CPU-µs per request (arm process)",
        get: (r) => r.cpuUsPerRequest,
        vsPortkey: "ratio",
        vsBare: true,
        digits: 0,
        target: "≤ 150 µs; ≥ 7× less than Portkey; ÷ bare ≤ 2× (master key), ≤ 2.5× (virtual key)",
      },
      { label: "p50 latency (ms)", get: (r) => r.p50Ms, vsDirect: "diff", vsPortkey: "diff" },
      { label: "p99 latency (ms)", get: (r) => r.p99Ms, vsDirect: "diff", vsPortkey: "diff" },
      { label: "errors", get: (r) => r.errors, digits: 0 },
    ]);
  },
};
