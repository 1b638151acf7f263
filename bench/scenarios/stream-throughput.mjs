// Scenario 4 — streaming throughput: a 23-event stream (22 content chunks + the finish chunk, then [DONE]) sent at
// once, 50 connections. Reports streams/s and events/s (events = the upstream's 23 JSON events per stream).
import { interleaved, wrkWithCpu } from "../lib/measure.mjs";
import { armTable } from "../lib/report.mjs";

const EVENTS = 23;

export const streamThroughput = {
  id: "stream-throughput",
  title: "4. Streaming throughput — 23-event streams, 50 connections",
  async run(context) {
    await context.upstream.configure({ chunks: EVENTS });
    const seconds = context.smoke ? 1 : 5;
    const result = await interleaved(context.arms, context.reps, (arm) =>
      wrkWithCpu(context, arm, { connections: 50, seconds, stream: true }),
    );
    for (const fields of Object.values(result)) fields.eventsPerSec = fields.rps * EVENTS;
    return result;
  },
  table(result) {
    return armTable(result, [
      { label: "streams/s", get: (r) => r.rps, vsDirect: "pct", vsPortkey: "ratio", digits: 0 },
      { label: "events/s", get: (r) => r.eventsPerSec, vsDirect: "pct", vsPortkey: "ratio", digits: 0 },
      {
        label: "CPU-µs per stream (arm process)",
        get: (r) => r.cpuUsPerRequest,
        vsPortkey: "ratio",
        digits: 0,
      },
      { label: "p50 stream time (ms)", get: (r) => r.p50Ms, vsDirect: "diff", vsPortkey: "diff" },
      { label: "errors", get: (r) => r.errors, digits: 0 },
    ]);
  },
};
