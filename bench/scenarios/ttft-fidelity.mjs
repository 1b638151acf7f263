// Scenario 5 — time to first token and fidelity: first event after 50 ms, then 20 more 10 ms apart. Reports the
// added TTFT and checks that every content event is relayed one-to-one, in order, not coalesced.
import { chatBody, interleaved } from "../lib/measure.mjs";
import { armTable } from "../lib/report.mjs";
import { streamToken } from "../lib/shapes.mjs";
import { runStreams } from "../lib/stream-client.mjs";

const CHUNKS = 21;
const INTERVAL_MS = 10;

/** The content tokens of a CHUNKS-event upstream stream (the last event is the finish chunk). */
export const expectedTokens = Array.from({ length: CHUNKS - 1 }, (_, index) => streamToken(index));

export const ttftFidelity = {
  id: "ttft-fidelity",
  title: "5. Time to first token and fidelity — first event after 50 ms, then 20 events 10 ms apart",
  async run(context) {
    await context.upstream.configure({ delayMs: 50, chunks: CHUNKS, intervalMs: INTERVAL_MS });
    const total = context.smoke ? 20 : 100;
    return interleaved(context.arms, context.reps, (arm) => {
      const route = arm.route("openai");
      return runStreams({
        port: arm.port,
        path: route.path,
        headers: route.headers,
        body: chatBody(route.model, true),
        concurrency: 10,
        total,
        expectedTokens,
        intervalMs: INTERVAL_MS,
      });
    });
  },
  table(result) {
    return armTable(result, [
      {
        label: "TTFT p50 (ms)",
        get: (r) => r.ttftP50Ms,
        vsDirect: "diff",
        vsPortkey: "diff",
        target: "added ≤ 1 ms",
        digits: 3,
      },
      { label: "TTFT p99 (ms)", get: (r) => r.ttftP99Ms, vsDirect: "diff", vsPortkey: "diff", digits: 3 },
      { label: "streams checked", get: (r) => r.streams, digits: 0 },
      { label: "failed streams", get: (r) => r.failed, digits: 0, target: "0" },
      { label: "streams not one-to-one / out of order", get: (r) => r.outOfOrder, digits: 0, target: "0" },
      { label: "coalesced events", get: (r) => r.coalescedEvents, digits: 0, target: "0" },
      {
        label: "gap between events p50 (ms)",
        get: (r) => r.gapP50Ms,
        vsDirect: "diff",
        target: "10 (upstream spacing)",
      },
      { label: "gap between events p99 (ms)", get: (r) => r.gapP99Ms, vsDirect: "diff", target: "≈ direct" },
    ]);
  },
};
