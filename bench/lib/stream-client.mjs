// A small SSE client for time-to-first-token, stream fidelity and many-streams runs. It records the arrival time of
// every OpenAI content event and checks the text deltas against what the fake upstream sent.
import { setMaxListeners } from "node:events";
import { Agent, request as httpRequest } from "node:http";
import { quantile } from "./stats.mjs";

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Text delta of one OpenAI chat chunk (first choice), or undefined. */
function contentOf(payload) {
  try {
    const chunk = JSON.parse(payload);
    const content = chunk?.choices?.[0]?.delta?.content;
    return typeof content === "string" && content.length > 0 ? content : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One streaming request. Resolves (never rejects) with status, time to first content event, total time, the
 * content deltas in arrival order with their arrival times, whether `[DONE]` arrived, and any error. `abortSignal`
 * destroys the request mid-stream.
 */
export function streamOnce({ port, path, headers, body, agent, abortSignal, timeoutMs = 60_000 }) {
  return new Promise((resolve) => {
    const started = nowMs();
    const tokens = [];
    const arrivals = [];
    let status = 0;
    let done = false;
    let buffered = "";
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        status,
        ttftMs: arrivals.length > 0 ? arrivals[0] - started : Number.NaN,
        totalMs: nowMs() - started,
        tokens,
        arrivals,
        done,
        error: error === undefined ? undefined : String(error.message ?? error),
      });
    };
    const payload = Buffer.from(body);
    const outgoing = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": payload.length, ...headers },
      },
      (incoming) => {
        status = incoming.statusCode ?? 0;
        incoming.setEncoding("utf8");
        incoming.on("data", (text) => {
          const at = nowMs();
          buffered += text;
          for (;;) {
            const match = /\r?\n\r?\n/.exec(buffered);
            if (match === null) break;
            const block = buffered.slice(0, match.index);
            buffered = buffered.slice(match.index + match[0].length);
            for (const line of block.split(/\r?\n/)) {
              if (!line.startsWith("data:")) continue;
              const data = line.slice(5).trimStart();
              if (data === "[DONE]") {
                done = true;
                continue;
              }
              const content = contentOf(data);
              if (content !== undefined) {
                tokens.push(content);
                arrivals.push(at);
              }
            }
          }
        });
        incoming.on("end", () => finish());
        incoming.on("error", (error) => finish(error));
        incoming.on("aborted", () => finish(new Error("aborted")));
      },
    );
    const timer = setTimeout(() => outgoing.destroy(new Error("client timeout")), timeoutMs);
    outgoing.on("error", (error) => finish(error));
    if (abortSignal !== undefined) {
      const abort = () => {
        outgoing.destroy(new Error("aborted by client"));
      };
      if (abortSignal.aborted) abort();
      else abortSignal.addEventListener("abort", abort, { once: true });
    }
    outgoing.end(payload);
  });
}

/**
 * Checks one stream against the tokens the upstream sent: every event relayed once, in order (`inOrder`), and not
 * coalesced (no two content events arriving within `intervalMs / 4` of each other when the upstream spaced them by
 * `intervalMs`).
 */
export function checkFidelity(result, expectedTokens, intervalMs) {
  const inOrder =
    result.tokens.length === expectedTokens.length &&
    result.tokens.every((token, i) => token === expectedTokens[i]);
  let coalesced = 0;
  if (intervalMs > 0) {
    for (let i = 1; i < result.arrivals.length; i += 1) {
      if (result.arrivals[i] - result.arrivals[i - 1] < intervalMs / 4) coalesced += 1;
    }
  }
  return { inOrder, coalesced };
}

/**
 * `total` streams through `concurrency` keep-alive connections, each worker sequential. Returns TTFT percentiles
 * and fidelity counts.
 */
export async function runStreams({
  port,
  path,
  headers,
  body,
  concurrency,
  total,
  expectedTokens,
  intervalMs,
}) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const results = [];
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      issued += 1;
      results.push(await streamOnce({ port, path, headers, body, agent }));
    }
  };
  const started = nowMs();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (nowMs() - started) / 1000;
  agent.destroy();
  return summarizeStreams(results, expectedTokens, intervalMs, seconds);
}

/**
 * Aggregates stream results: TTFT p50/p99, failures, out-of-order and coalesced counts, streams/s, and the spread
 * of the gaps between consecutive content events (a relay that stalls, e.g. Nagle's algorithm meeting delayed
 * ACKs, shows as a p99 gap far above the upstream's spacing).
 */
export function summarizeStreams(results, expectedTokens, intervalMs, seconds) {
  let failed = 0;
  let outOfOrder = 0;
  let coalescedEvents = 0;
  let events = 0;
  const gaps = [];
  for (const result of results) {
    for (let i = 1; i < result.arrivals.length; i += 1)
      gaps.push(result.arrivals[i] - result.arrivals[i - 1]);
    if (result.status !== 200 || result.error !== undefined || !result.done) failed += 1;
    const fidelity = checkFidelity(result, expectedTokens, intervalMs);
    if (!fidelity.inOrder) outOfOrder += 1;
    coalescedEvents += fidelity.coalesced;
    events += result.tokens.length;
  }
  const ttfts = results.map((result) => result.ttftMs);
  return {
    streams: results.length,
    failed,
    outOfOrder,
    coalescedEvents,
    contentEvents: events,
    streamsPerSec: seconds > 0 ? results.length / seconds : Number.NaN,
    ttftP50Ms: quantile(ttfts, 0.5),
    ttftP99Ms: quantile(ttfts, 0.99),
    gapP50Ms: quantile(gaps, 0.5),
    gapP99Ms: quantile(gaps, 0.99),
    firstError: results.find((result) => result.error !== undefined || result.status !== 200)?.error,
  };
}

/**
 * `count` streams started at once on fresh connections. With `abortAfterMs`, every client is destroyed at that time.
 * Returns the raw results.
 */
export async function burstStreams({ port, path, headers, body, count, abortAfterMs }) {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const controller = new AbortController();
  setMaxListeners(count + 10, controller.signal);
  const timer = abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), abortAfterMs);
  const results = await Promise.all(
    Array.from({ length: count }, () =>
      streamOnce({ port, path, headers, body, agent, abortSignal: controller.signal }),
    ),
  );
  clearTimeout(timer);
  agent.destroy();
  return results;
}
