import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { startFakeOpenAI } from "../../helpers/fake-openai-upstream.js";
import { deployment } from "../../helpers/gateway.js";
import { redisSkip } from "../../helpers/keys-gateway.js";
import {
  chat,
  createKey,
  mockDeployments,
  startUsageGateway,
  type UsageGateway,
} from "../../helpers/usage-gateway.js";

const HI = [{ role: "user", content: "hi" }];

/** Settlement runs in `finally` after the response; wait (bounded) until the gateway says nothing is held. */
async function settled(gateway: UsageGateway): Promise<void> {
  for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
  await gateway.usage.ledger.flush();
}

async function rowsFor(gateway: UsageGateway, requestId: string) {
  await gateway.usage.ledger.flush();
  return (await gateway.usage.store.query({}, undefined, 1000)).filter((row) => row.requestId === requestId);
}

describe("every exit path releases what it reserved and bills each attempt once", () => {
  let redisDown: string | false = false;
  before(async () => {
    redisDown = await redisSkip();
  });

  for (const redis of [false, true]) {
    it(`success, upstream error, 429, client abort mid-stream, timeout (${redis ? "Redis" : "in-process"} counters)`, async (t) => {
      if (redis && redisDown) return t.skip(redisDown);
      const upstream = await startFakeOpenAI();
      const gateway = await startUsageGateway({
        database: "sqlite",
        redis,
        deployments: [
          ...mockDeployments(),
          deployment("fixture/*", "openai", "*", {
            apiBase: upstream.baseUrl,
            apiKey: "sk-upstream-test-0000",
          }),
        ],
        app: { router: { retryBackoffMs: 1, timeoutMs: 400, numRetries: 1 } },
      });
      try {
        const limits = { max_budget: 5, rpm_limit: 1000, tpm_limit: 1_000_000, max_parallel_requests: 1 };
        const { key } = await createKey(gateway.url, limits);

        // Success.
        const ok = await chat(gateway.url, key, { model: "mock-gpt", messages: HI });
        assert.equal(ok.status, 200);
        assert.ok(Number(ok.headers.get("x-litellm-response-cost")) > 0);
        await settled(gateway);
        assert.equal((await rowsFor(gateway, ok.headers.get("x-request-id") ?? "")).length, 1);

        // Upstream error: retried once, so two attempts, two rows, no tokens billed.
        const failed = await chat(gateway.url, key, { model: "mock/error-500", messages: HI });
        assert.equal(failed.status, 503);
        await settled(gateway);
        const failedRows = await rowsFor(gateway, failed.headers.get("x-request-id") ?? "");
        assert.deepEqual(failedRows.map((row) => [row.attempt, row.status, row.totalTokens]).sort(), [
          [1, "upstream_unavailable", 0],
          [2, "upstream_unavailable", 0],
        ]);

        // 429 from our own limit (max_parallel_requests 1) while a slow stream holds the slot, then a client abort
        // mid-stream: the stream is billed for what it generated (estimated when nothing was reported).
        const controller = new AbortController();
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "mock/slow-stream-100", stream: true, messages: HI }),
          signal: controller.signal,
        });
        const streamId = response.headers.get("x-request-id") ?? "";
        const reader = response.body?.getReader();
        const first = await reader?.read();
        assert.ok(first !== undefined && !first.done);
        const second = await chat(gateway.url, key, { model: "mock-gpt", messages: HI });
        assert.equal(second.status, 429);
        assert.match(second.text, /max_parallel_requests/);
        assert.equal(second.headers.get("x-ratelimit-limit-parallel"), "1");
        await reader?.read();
        controller.abort();
        await settled(gateway);
        const cut = await rowsFor(gateway, streamId);
        assert.equal(cut.length, 1);
        assert.equal(cut[0]?.status, "cancelled", "the client left: the attempt ended as cancelled");
        assert.equal(cut[0]?.usageEstimated, true);
        assert.ok((cut[0]?.completionTokens ?? 0) > 0, "what was generated is billed");
        assert.ok((cut[0]?.costUsd ?? 0) > 0);

        // Timeout: an upstream stream that goes silent after its first chunk, against a 400 ms attempt timeout.
        const hung = await chat(gateway.url, key, {
          model: "fixture/hang-stream",
          stream: true,
          messages: HI,
        });
        assert.equal(hung.status, 200);
        assert.match(hung.text, /timeout/);
        await settled(gateway);
        const hungRows = await rowsFor(gateway, hung.headers.get("x-request-id") ?? "");
        assert.deepEqual(
          hungRows.map((row) => row.status),
          ["timeout"],
        );

        // Nothing left: no in-flight ticket, no reservation or slot in the store.
        assert.equal(gateway.usage.limiter.inFlight(), 0);
        assert.equal(await gateway.usage.limiter.outstanding(), 0);
        // The slot is free again.
        assert.equal((await chat(gateway.url, key, { model: "mock-gpt", messages: HI })).status, 200);
      } finally {
        await gateway.close();
        await upstream.close();
      }
    });
  }
});
