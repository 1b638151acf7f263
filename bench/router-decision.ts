/**
 * Added latency of one routing decision, with in-process state and with Redis-shared state.
 *
 *   node --import tsx bench/router-decision.ts [requests]      (REDIS_URL, default redis://127.0.0.1:6379)
 *
 * Drives Router.complete() with an invoker that answers at once, so the time measured is the router's own work:
 * state snapshot, eligibility, strategy, atomic admission, attempt bookkeeping (the release is off the response
 * path and not waited for). Prints p50/p99/mean in microseconds per request, sequential, one group of 4 deployments.
 */
import type { ChatContext } from "../src/core/chat/dispatcher.js";
import type { ChatRequest, ChatResponse } from "../src/core/types/chat.js";
import type { Deployment } from "../src/core/types/deployment.js";
import type { AttemptInvoker } from "../src/core/types/provider.js";
import { Router, type RouterOptions } from "../src/router/router.js";
import { RedisStateStore } from "../src/router/state/redis-state-store.js";
import { ResilientStateStore } from "../src/router/state/resilient-state-store.js";

const requests = Number(process.argv[2] ?? 20_000);
const response: ChatResponse = { id: "r", model: "m", created: 1, choices: [] };
const invoker: AttemptInvoker = {
  complete: async () => response,
  stream: async () => {
    throw new Error("unary only");
  },
};
const deployments: Deployment[] = [1, 2, 3, 4].map((index) => ({
  id: `bench#${index}`,
  modelName: "bench",
  provider: "openai",
  model: "m",
  params: { extra: {}, rpm: 1_000_000_000, tpm: 1_000_000_000_000 },
  info: { extra: {} },
}));
const request: ChatRequest = { model: "bench", messages: [{ role: "user", content: "Hello there" }] };
const context: ChatContext = {
  requestId: "bench",
  principal: { keyId: "k", role: "admin", display: "k" },
  signal: new AbortController().signal,
};

async function measure(label: string, options: Partial<RouterOptions>): Promise<void> {
  const router = new Router(deployments, invoker, options);
  for (let index = 0; index < 500; index++) await router.complete(request, context);
  const samples = new Float64Array(requests);
  for (let index = 0; index < requests; index++) {
    const started = process.hrtime.bigint();
    await router.complete(request, context);
    samples[index] = Number(process.hrtime.bigint() - started) / 1000;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  console.log(
    `${label.padEnd(28)} p50 ${at(0.5).toFixed(1).padStart(7)} µs   p99 ${at(0.99).toFixed(1).padStart(7)} µs   mean ${mean.toFixed(1).padStart(7)} µs   (n=${requests})`,
  );
  await options.stateStore?.close();
}

for (const strategy of ["simple-shuffle", "least-busy"] as const) {
  await measure(`memory, ${strategy}`, { routingStrategy: strategy });
}
const url = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
for (const strategy of ["simple-shuffle", "least-busy"] as const) {
  const redis = new RedisStateStore({
    url,
    keyPrefix: `switchboard-bench:${process.pid}:`,
    commandTimeoutMs: 100,
  });
  if (!(await redis.ready(2_000))) {
    console.log(`redis at ${url} not reachable: skipped`);
    await redis.close();
    break;
  }
  await measure(`redis, ${strategy}`, {
    routingStrategy: strategy,
    stateStore: new ResilientStateStore(redis),
  });
}
