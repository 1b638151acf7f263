import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { type FaultUpstream, startFaultUpstream } from "../../helpers/fault-upstream.js";
import { deployment, startTestGateway } from "../../helpers/gateway.js";
import type { GatewayProcessSetup } from "../../helpers/gateway-process.js";
import { type GatewayProcess, spawnGateway } from "../../helpers/gateway-processes.js";
import { deletePrefix, REDIS_URL, redisSkipReason, uniquePrefix } from "../../helpers/redis.js";
import { startTcpProxy } from "../../helpers/tcp-proxy.js";

const skip = await redisSkipReason();

function openai(name: string, fake: FaultUpstream, params: Partial<Deployment["params"]> = {}): Deployment {
  return deployment(
    name.split("#")[0] ?? name,
    "openai",
    "gpt-4.1-nano",
    { apiBase: fake.baseUrl, apiKey: "sk-test", ...params },
    name,
  );
}

async function chat(target: { url: string; headers: Record<string, string> }, model: string) {
  const response = await fetch(`${target.url}/v1/chat/completions`, {
    method: "POST",
    headers: target.headers,
    body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }] }),
  });
  const body = (await response.json()) as { error?: { code?: string } };
  return {
    status: response.status,
    code: body.error?.code,
    deployment: response.headers.get("x-switchboard-deployment"),
  };
}

describe("router state shared by two gateway processes through Redis", { skip }, () => {
  const prefix = uniquePrefix("router-shared");
  const fakes: FaultUpstream[] = [];
  const processes: GatewayProcess[] = [];

  async function fake(otherwise: Parameters<typeof startFaultUpstream>[1] = { kind: "ok" }) {
    const upstream = await startFaultUpstream("openai", otherwise);
    fakes.push(upstream);
    return upstream;
  }

  async function pair(setup: GatewayProcessSetup, name: string): Promise<[GatewayProcess, GatewayProcess]> {
    const withRedis: GatewayProcessSetup = {
      ...setup,
      router: {
        ...setup.router,
        // A generous Redis timeout: these tests are about sharing, not about a slow Redis (that is the next suite).
        redis: { url: REDIS_URL, keyPrefix: `${prefix}${name}:`, commandTimeoutMs: 3_000 },
      },
    };
    const started = await Promise.all([spawnGateway(withRedis), spawnGateway(withRedis)]);
    processes.push(...started);
    return started;
  }

  before(() => undefined);
  after(async () => {
    await Promise.all(processes.map((child) => child.stop()));
    await Promise.all(fakes.map((upstream) => upstream.close()));
    await deletePrefix(prefix);
  });

  it("a cooldown tripped by one process is honoured by the other", async () => {
    const down = await fake({ kind: "status", status: 500, body: "Internal Server Error" });
    const [a, b] = await pair(
      {
        deployments: [openai("solo#down", down)],
        router: { numRetries: 0, allowedFails: 0, cooldownMs: 60_000 },
      },
      "cooldown",
    );
    assert.equal((await chat(a, "solo")).code, "upstream_unavailable");
    const fromB = await chat(b, "solo");
    assert.equal(fromB.status, 503);
    assert.equal(fromB.code, "unavailable");
    assert.equal(down.received.length, 1);
  });

  it("an rpm limit holds across both processes (admitted ≤ limit × 1.01)", async () => {
    const limit = 20;
    const upstream = await fake();
    const [a, b] = await pair(
      { deployments: [openai("rpm#1", upstream, { rpm: limit })], router: { numRetries: 0 } },
      "rpm",
    );
    // Stay inside one rpm minute.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await sleep(left + 50);
    const results = await Promise.all(
      Array.from({ length: 3 * limit }, (_, index) => chat(index % 2 === 0 ? a : b, "rpm")),
    );
    const admitted = results.filter((result) => result.status === 200).length;
    assert.ok(admitted <= limit * 1.01, `admitted ${admitted} > ${limit}`);
    assert.equal(admitted, limit);
    assert.ok(upstream.received.length <= limit);
    assert.ok(
      results
        .filter((result) => result.status === 429)
        .every((result) => result.code === "upstream_rate_limited"),
    );
  });

  it("least-busy sees the other process's in-flight requests", async () => {
    const x = await fake({ kind: "ok", delayMs: 1_500 });
    const y = await fake({ kind: "ok", delayMs: 1_500 });
    const [a, b] = await pair(
      {
        deployments: [openai("lb#x", x), openai("lb#y", y)],
        router: { routingStrategy: "least-busy" },
        // Ties always go to the first deployment: without shared state both processes would pick lb#x.
        deterministic: true,
      },
      "least-busy",
    );
    const first = chat(a, "lb");
    for (let wait = 0; wait < 100 && x.received.length + y.received.length === 0; wait++) await sleep(10);
    const second = await chat(b, "lb");
    assert.equal((await first).deployment, "lb#x");
    assert.equal(second.deployment, "lb#y");
  });
});

describe("Redis frozen or gone mid-test: routing goes on locally", { skip }, () => {
  it("requests keep succeeding within the Redis timeout plus upstream time", async () => {
    const prefix = uniquePrefix("router-outage");
    const redisPort = Number(new URL(REDIS_URL).port || 6379);
    const proxy = await startTcpProxy(redisPort, new URL(REDIS_URL).hostname);
    const upstream = await startFaultUpstream("openai", { kind: "ok" });
    const redisTimeoutMs = 100;
    const events: boolean[] = [];
    const app = await startTestGateway([openai("o#1", upstream, { rpm: 1000 })], {
      router: {
        retryBackoffMs: 1,
        redis: {
          url: `redis://127.0.0.1:${proxy.port}`,
          keyPrefix: prefix,
          commandTimeoutMs: redisTimeoutMs,
        },
        onSharedStateChange: (event) => events.push(event.shared),
      },
    });
    try {
      // Warm: route until Redis has answered (the client connects in the background; until then routing is local).
      for (let round = 0; round < 50; round++) {
        assert.equal((await chat(app, "o")).status, 200);
        if (round >= 2 && events.at(-1) !== false) break;
        await sleep(20);
      }
      assert.notEqual(events.at(-1), false, "Redis answered before the outage");
      events.length = 0;
      const timed = async () => {
        const started = performance.now();
        const result = await chat(app, "o");
        return { ...result, ms: performance.now() - started };
      };
      const bound = redisTimeoutMs + 1_000; // Redis timeout + (loopback upstream time, generously)
      proxy.freeze();
      const frozen = [];
      for (let index = 0; index < 5; index++) frozen.push(await timed());
      assert.ok(
        frozen.every((result) => result.status === 200),
        JSON.stringify(frozen),
      );
      assert.ok(
        frozen.every((result) => result.ms < bound),
        JSON.stringify(frozen.map((r) => r.ms)),
      );
      assert.ok(events.includes(false), "the fallback to local state was reported");
      await proxy.kill();
      const dead = [];
      for (let index = 0; index < 5; index++) dead.push(await timed());
      await sleep(1_100); // past the store's retry interval: it tries Redis again and fails fast
      for (let index = 0; index < 5; index++) dead.push(await timed());
      assert.ok(
        dead.every((result) => result.status === 200),
        JSON.stringify(dead),
      );
      assert.ok(
        dead.every((result) => result.ms < bound),
        JSON.stringify(dead.map((r) => r.ms)),
      );
    } finally {
      await app.close(100);
      await upstream.close();
      await proxy.kill().catch(() => undefined);
      await deletePrefix(prefix);
    }
  });
});
