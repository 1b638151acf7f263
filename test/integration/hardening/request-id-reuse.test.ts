/**
 * A caller's `x-request-id` never decides what the ledger keeps. The ledger is idempotent by request id (a crash
 * replay must not bill twice), so if a caller's reused id became the request id, every request after the first
 * would be left out of its key's spend — and budgets seeded from the ledger after a restart would start low.
 * The gateway keeps the caller's id as a prefix (`<caller id>.<12 hex>`) for correlation, unique per request.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chat, createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

let gateway: UsageGateway;

before(async () => {
  gateway = await startUsageGateway({ database: "sqlite" });
});

after(async () => {
  await gateway.close();
});

test("three requests with one reused x-request-id are three ledger rows, three times the spend", async () => {
  const tenant = await createKey(gateway.url, { max_budget: 5 });
  const ids: string[] = [];
  for (let round = 0; round < 3; round++) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tenant.key}`,
        "content-type": "application/json",
        "x-request-id": "same-id",
      },
      body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: `hi ${round}` }] }),
    });
    assert.equal(response.status, 200, await response.text());
    const id = response.headers.get("x-request-id") ?? "";
    assert.match(id, /^same-id\.[0-9a-f]{12}$/, "the caller's id, made unique");
    ids.push(id);
  }
  assert.equal(new Set(ids).size, 3);
  await gateway.usage.ledger.flush();
  await gateway.usage.ledger.flush();
  for (const id of ids) {
    const response = await fetch(`${gateway.url}/spend/logs?request_id=${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${tenant.key}` },
    });
    const rows = (await response.json()) as { spend: number }[];
    assert.equal(rows.length, 1, `one ledger row for ${id}`);
    assert.ok((rows[0]?.spend ?? 0) > 0);
  }
  // Without an id of the caller's, the id is a fresh UUID.
  const unsafe = await chat(gateway.url, tenant.key, {
    model: "mock-gpt",
    messages: [{ role: "user", content: "x" }],
  });
  assert.match(unsafe.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});
