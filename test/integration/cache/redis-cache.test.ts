import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { RedisCacheStore } from "../../../src/cache/index.js";
import { cacheSettings } from "../../helpers/cache-settings.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../../helpers/fake-openai-upstream.js";
import { deployment, MASTER_KEY } from "../../helpers/gateway.js";
import { deletePrefix, REDIS_URL, redisSkipReason, uniquePrefix } from "../../helpers/redis.js";
import { chat, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

const skip = await redisSkipReason();

/** A TCP port on loopback that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function request(content: string): Record<string, unknown> {
  return { model: "fixture/chat-basic", messages: [{ role: "user", content }] };
}

describe("response cache on Redis", { skip }, () => {
  let upstream: FakeOpenAIUpstream;
  const prefix = uniquePrefix("cache");
  const gateways: UsageGateway[] = [];
  const calls = () => upstream.requests.filter((entry) => entry.path.endsWith("/chat/completions")).length;

  before(async () => {
    upstream = await startFakeOpenAI();
    for (let index = 0; index < 2; index++) {
      gateways.push(
        await startUsageGateway({
          database: "sqlite",
          deployments: [
            deployment("fixture/*", "openai", "*", {
              apiBase: upstream.baseUrl,
              apiKey: "sk-upstream-canary-123456",
            }),
          ],
          app: { cache: cacheSettings({ type: "redis", redis: { url: REDIS_URL }, namespace: prefix }) },
        }),
      );
    }
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    await upstream.close();
    await deletePrefix(prefix);
  });

  it("shares entries between replicas: one replica's answer is the other's hit", async () => {
    const [one, two] = gateways as [UsageGateway, UsageGateway];
    const body = request(`redis shared ${Math.random()}`);
    const before = calls();
    const first = await chat(one.url, MASTER_KEY, body);
    assert.equal(first.headers.get("x-litellm-cache-hit"), "false");
    // The store write is off the answer's path: wait until it is there.
    let second = await chat(two.url, MASTER_KEY, body);
    for (let tries = 0; tries < 20 && second.headers.get("x-litellm-cache-hit") !== "true"; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      second = await chat(two.url, MASTER_KEY, body);
    }
    assert.equal(second.headers.get("x-litellm-cache-hit"), "true");
    assert.equal(second.headers.get("x-litellm-cache-key"), first.headers.get("x-litellm-cache-key"));
    assert.deepEqual(
      (JSON.parse(second.text) as { choices: unknown }).choices,
      (JSON.parse(first.text) as { choices: unknown }).choices,
    );
    assert.ok(calls() - before <= 2);
  });

  it("lets Redis expire an entry after its ttl", async () => {
    const [one] = gateways as [UsageGateway];
    const body = request(`redis ttl ${Math.random()}`);
    await chat(one.url, MASTER_KEY, { ...body, cache: { ttl: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const hit = await chat(one.url, MASTER_KEY, body);
    assert.equal(hit.headers.get("x-litellm-cache-hit"), "true");
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await chat(one.url, MASTER_KEY, body);
    assert.equal(expired.headers.get("x-litellm-cache-hit"), "false");
  });

  it("stores under the configured namespace and never the request text in the key", async () => {
    const store = new RedisCacheStore({ connection: { url: REDIS_URL }, prefix, commandTimeoutMs: 500 });
    try {
      const [one] = gateways as [UsageGateway];
      const body = request(`redis key shape ${Math.random()}`);
      const first = await chat(one.url, MASTER_KEY, body);
      const key = first.headers.get("x-litellm-cache-key") ?? "";
      let stored: string | undefined;
      for (let tries = 0; tries < 20 && stored === undefined; tries++) {
        stored = await store.get(key);
        if (stored === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(stored !== undefined, "the entry is in Redis under prefix + key");
      assert.equal(store.errors, 0);
    } finally {
      await store.close();
    }
  });
});

describe("response cache with Redis down", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: UsageGateway;
  const calls = () => upstream.requests.filter((entry) => entry.path.endsWith("/chat/completions")).length;

  before(async () => {
    upstream = await startFakeOpenAI();
    const port = await closedPort();
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        deployment("fixture/*", "openai", "*", {
          apiBase: upstream.baseUrl,
          apiKey: "sk-upstream-canary-123456",
        }),
      ],
      app: {
        cache: cacheSettings({
          type: "redis",
          redis: { host: "127.0.0.1", port, password: "redis-canary-password-9f8e7d" },
          commandTimeoutMs: 100,
        }),
      },
    });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("bypasses the cache and answers every request (never fails, never hangs)", async () => {
    const body = request(`redis down ${Math.random()}`);
    const before = calls();
    for (let index = 0; index < 3; index++) {
      const response = await chat(gateway.url, MASTER_KEY, body);
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get("x-litellm-cache-hit"), "false");
      assert.ok(!response.text.includes("redis-canary-password"), "the Redis password never leaks");
    }
    assert.equal(calls() - before, 3, "each request went upstream");
    const stream = await chat(gateway.url, MASTER_KEY, {
      ...body,
      model: "fixture/chat-stream-text",
      stream: true,
    });
    assert.equal(stream.status, 200);
    assert.ok(stream.text.endsWith("data: [DONE]\n\n"));
  });

  it("counts the store failures in the metrics", async () => {
    const response = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    const text = await response.text();
    const match = /^switchboard_cache_store_errors_total (\d+)/m.exec(text);
    assert.ok(match !== null, "the store-error counter is exported");
    assert.ok(Number(match[1]) >= 3);
    assert.match(text, /switchboard_cache_requests_total\{surface="chat_completions",result="miss"\} \d+/);
    assert.ok(!text.includes("redis-canary-password"));
  });
});
