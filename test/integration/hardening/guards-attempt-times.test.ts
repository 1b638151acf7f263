import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deployment } from "../../helpers/gateway.js";
import { chat, MASTER_KEY, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

/**
 * Issue 11: every attempt row in the ledger carried the request's start and end times. Each attempt row now
 * carries its own: a request that fails over has two rows whose times differ and are ordered.
 */
describe("guards: each ledger attempt row has its own start and end time", () => {
  let gateway: UsageGateway;

  before(async () => {
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        deployment("primary", "mock", "slow-20-error-500"),
        deployment("backup", "mock", "slow-40"),
      ],
      app: { router: { fallbacks: { primary: ["backup"] }, numRetries: 0, retryBackoffMs: 15 } },
    });
  });

  after(async () => {
    await gateway?.close();
  });

  for (const stream of [false, true]) {
    it(`a failed-over ${stream ? "stream" : "unary request"} has two rows with different, ordered times`, async () => {
      const result = await chat(gateway.url, MASTER_KEY, {
        model: "primary",
        stream,
        messages: [{ role: "user", content: "hi" }],
      });
      assert.equal(result.status, 200, result.text);
      const requestId = result.headers.get("x-request-id") ?? "";
      await gateway.usage.ledger.flush();
      const rows = (await gateway.usage.store.query({}, undefined, 1000))
        .filter((row) => row.requestId === requestId)
        .sort((a, b) => a.attempt - b.attempt);
      assert.equal(rows.length, 2, "one row per attempt");
      const [first, second] = rows as [(typeof rows)[0], (typeof rows)[0]];
      assert.equal(first.status, "upstream_unavailable");
      assert.equal(second.status, "ok");
      const time = (iso: string) => Date.parse(iso);
      assert.ok(time(first.startedAt) <= time(first.endedAt), "attempt 1 ends after it starts");
      assert.ok(time(first.endedAt) <= time(second.startedAt), "attempt 2 starts after attempt 1 ended");
      assert.ok(time(second.startedAt) < time(second.endedAt), "attempt 2 ends after it starts");
      // Attempt 2 (slow-40) lasts at least 40 ms; attempt 1 failed at once: their ends cannot coincide.
      assert.ok(time(second.endedAt) - time(second.startedAt) >= 35, "attempt 2's own duration");
      assert.ok(time(second.endedAt) - time(first.endedAt) >= 35, "the rows do not share the request's end");
    });
  }
});
