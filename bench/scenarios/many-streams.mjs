// Scenario 6 — many streams: 100 and 1,000 concurrent 10-second streams per arm (one arm at a time, not
// interleaved: each burst must own the machine). Reports peak RSS, RSS 5 s after the drain against idle, TTFT under
// the burst; then aborts every client mid-stream and checks that the upstream streams close and memory returns.
import { chatBody, sleep } from "../lib/measure.mjs";
import { rssMiB, sampleRss } from "../lib/proc-stats.mjs";
import { armTable } from "../lib/report.mjs";
import { streamToken } from "../lib/shapes.mjs";
import { burstStreams, summarizeStreams } from "../lib/stream-client.mjs";

const FULL = { counts: [100, 1000], chunks: 101, intervalMs: 100, abortAfterMs: 3000, settleMs: 5000 };
const SMOKE = { counts: [100], chunks: 41, intervalMs: 25, abortAfterMs: 600, settleMs: 1000 };

/** Polls the upstream's count of open streams every 250 ms; `stop()` resolves with the highest count seen. */
function sampleUpstreamStreams(upstream) {
  let peak = 0;
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = upstream
      .stats()
      .then((stats) => {
        peak = Math.max(peak, stats.streamsActive);
      })
      .catch(() => {});
  }, 250);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      return peak;
    },
  };
}

async function measureArm(context, arm, plan) {
  const route = arm.route("openai");
  const request = {
    port: arm.port,
    path: route.path,
    headers: route.headers,
    body: chatBody(route.model, true),
  };
  const expected = Array.from({ length: plan.chunks - 1 }, (_, index) => streamToken(index));
  await sleep(1000);
  const fields = { idleRssMiB: rssMiB(arm.pid) };
  for (const count of plan.counts) {
    const sampler = sampleRss(arm.pid);
    const upstreamPeak = sampleUpstreamStreams(context.upstream);
    const started = Date.now();
    const results = await burstStreams({ ...request, count });
    const peak = sampler.stop();
    fields[`s${count}`] = {
      peakRssMiB: peak,
      peakUpstreamStreams: await upstreamPeak.stop(),
      ...summarizeStreams(results, expected, 0, (Date.now() - started) / 1000),
    };
  }
  await sleep(plan.settleMs);
  fields.drainRssMiB = rssMiB(arm.pid);
  fields.drainVsIdle = fields.drainRssMiB / fields.idleRssMiB;

  const abortCount = plan.counts[plan.counts.length - 1];
  let beforeAbort;
  const probe = setTimeout(async () => {
    beforeAbort = await context.upstream.stats().catch(() => undefined);
  }, plan.abortAfterMs / 2);
  const sampler = sampleRss(arm.pid);
  await burstStreams({ ...request, count: abortCount, abortAfterMs: plan.abortAfterMs });
  clearTimeout(probe);
  await sleep(1000);
  const afterOneSecond = await context.upstream.stats();
  await sleep(Math.max(0, plan.settleMs - 1000));
  const afterSettle = await context.upstream.stats();
  fields.abort = {
    clients: abortCount,
    peakRssMiB: sampler.stop(),
    upstreamActiveBeforeAbort: beforeAbort?.streamsActive ?? Number.NaN,
    upstreamActiveAfter1s: afterOneSecond.streamsActive,
    upstreamActiveAfterSettle: afterSettle.streamsActive,
    upstreamSocketsAfterSettle: afterSettle.socketsOpen,
    rssAfterSettleMiB: rssMiB(arm.pid),
  };
  fields.abort.rssVsIdle = fields.abort.rssAfterSettleMiB / fields.idleRssMiB;
  return fields;
}

export const manyStreams = {
  id: "many-streams",
  title: "6. Many streams — 100 and 1,000 concurrent 10-second streams, then all clients aborted mid-stream",
  async run(context) {
    const plan = context.smoke ? SMOKE : FULL;
    await context.upstream.configure({ delayMs: 50, chunks: plan.chunks, intervalMs: plan.intervalMs });
    const result = { plan };
    for (const arm of context.arms) {
      context.log(`  many-streams: ${arm.name}`);
      result[arm.name] = await measureArm(context, arm, plan);
    }
    return result;
  },
  table(result) {
    const rows = [
      { label: "RSS idle before (MiB)", get: (r) => r.idleRssMiB, vsPortkey: "ratio", digits: 1 },
    ];
    for (const count of result.plan.counts) {
      const key = `s${count}`;
      rows.push(
        {
          label: `${count} streams: peak RSS (MiB)`,
          get: (r) => r[key]?.peakRssMiB,
          vsPortkey: "ratio",
          digits: 1,
          target: count >= 1000 ? "≤ 150 MiB" : "",
        },
        {
          label: `${count} streams: most open at the upstream at once`,
          get: (r) => r[key]?.peakUpstreamStreams,
          digits: 0,
          target: `${count}`,
        },
        {
          label: `${count} streams: TTFT p50 (ms)`,
          get: (r) => r[key]?.ttftP50Ms,
          vsDirect: "diff",
          vsPortkey: "diff",
        },
        {
          label: `${count} streams: TTFT p99 (ms)`,
          get: (r) => r[key]?.ttftP99Ms,
          vsDirect: "diff",
          vsPortkey: "diff",
        },
        {
          label: `${count} streams: failed / not one-to-one`,
          get: (r) => (r[key]?.failed ?? 0) + (r[key]?.outOfOrder ?? 0),
          digits: 0,
          target: "0",
        },
      );
    }
    rows.push(
      { label: "RSS 5 s after drain (MiB)", get: (r) => r.drainRssMiB, vsPortkey: "ratio", digits: 1 },
      { label: "RSS after drain ÷ idle", get: (r) => r.drainVsIdle, target: "≤ 1.2" },
      {
        label: "abort: upstream streams open halfway to the abort",
        get: (r) => r.abort?.upstreamActiveBeforeAbort,
        digits: 0,
      },
      {
        label: "abort: upstream streams open 1 s after",
        get: (r) => r.abort?.upstreamActiveAfter1s,
        digits: 0,
        target: "0",
      },
      {
        label: "abort: upstream streams open 5 s after",
        get: (r) => r.abort?.upstreamActiveAfterSettle,
        digits: 0,
        target: "0",
      },
      {
        label: "abort: upstream sockets open after settle",
        get: (r) => r.abort?.upstreamSocketsAfterSettle,
        digits: 0,
      },
      { label: "abort: RSS after settle ÷ idle", get: (r) => r.abort?.rssVsIdle },
    );
    return armTable(result, rows);
  },
};
