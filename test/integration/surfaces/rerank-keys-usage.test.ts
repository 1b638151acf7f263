import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";
import { type FakeSurfacesUpstream, startFakeSurfacesUpstream } from "./fake-surfaces-upstream.js";
import { surfaceDeployments } from "./surface-deployments.js";

async function rerank(url: string, key: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}/v1/rerank`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const DOCUMENTS = ["a", "b", "c", "d", "e", "f"];

describe("rerank under virtual keys: model access, budgets, rate limits, a priced ledger row per attempt", () => {
  let upstream: FakeSurfacesUpstream;
  let gateway: UsageGateway;

  async function rowsFor(requestId: string) {
    for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
    await gateway.usage.ledger.flush();
    return (await gateway.usage.store.query({}, undefined, 1000)).filter(
      (row) => row.requestId === requestId,
    );
  }

  before(async () => {
    upstream = await startFakeSurfacesUpstream();
    gateway = await startUsageGateway({ database: "sqlite", deployments: surfaceDeployments(upstream.url) });
  });

  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("Voyage (priced per token): the provider's 12 tokens at $0.05/M, one ledger row", async () => {
    const { key } = await createKey(gateway.url, { models: ["rr-voyage"] });
    const answer = await rerank(gateway.url, key, { model: "rr-voyage", query: "q", documents: ["a", "b"] });
    assert.equal(answer.status, 200, answer.text);
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.promptTokens, 12);
    assert.equal(rows[0]?.usageEstimated, false);
    assert.ok(Math.abs((rows[0]?.costUsd ?? 0) - 12 * 5e-8) < 1e-15);
    assert.equal(answer.headers.get("x-switchboard-cost-usd"), String(rows[0]?.costUsd));
  });

  it("Cohere (priced per search): $0.002 a request, tokens estimated and flagged, client and ledger agree", async () => {
    const { key } = await createKey(gateway.url, {});
    const answer = await rerank(gateway.url, key, { model: "rr-cohere", query: "q", documents: ["a", "b"] });
    assert.equal(answer.status, 200, answer.text);
    const body = JSON.parse(answer.text) as { meta: { tokens: { input_tokens: number } } };
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.usageEstimated, true);
    assert.equal(rows[0]?.promptTokens, body.meta.tokens.input_tokens);
    assert.equal(rows[0]?.costUsd, 0.002);
  });

  it("an unpriced model (Together Llama-Rank) is flagged: cost null, status header, never $0", async () => {
    const { key } = await createKey(gateway.url, {});
    const answer = await rerank(gateway.url, key, { model: "rr-together", query: "q", documents: DOCUMENTS });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.headers.get("x-switchboard-cost-status"), "unpriced");
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.costUsd, null);
    assert.equal(rows[0]?.promptTokens, 2966);
  });

  it("a key limited to another model gets 403, nothing billed", async () => {
    const { key } = await createKey(gateway.url, { models: ["rr-voyage"] });
    const answer = await rerank(gateway.url, key, { model: "rr-cohere", query: "q", documents: ["a"] });
    assert.equal(answer.status, 403);
    assert.equal((await rowsFor(answer.headers.get("x-request-id") ?? "")).length, 0);
  });

  it("a failed attempt then a retry: two ledger rows, the failed one with no tokens", async () => {
    const { key } = await createKey(gateway.url, {});
    upstream.faults.push({ status: 500, body: JSON.stringify({ detail: "boom" }) });
    const answer = await rerank(gateway.url, key, { model: "rr-voyage", query: "q", documents: ["a", "b"] });
    assert.equal(answer.status, 200, answer.text);
    const rows = await rowsFor(answer.headers.get("x-request-id") ?? "");
    assert.deepEqual(
      rows.map((row) => [row.attempt, row.totalTokens]).sort((a, b) => (a[0] as number) - (b[0] as number)),
      [
        [1, 0],
        [2, 12],
      ],
    );
  });

  it("rpm_limit applies: the second call in the minute is 429", async () => {
    const { key } = await createKey(gateway.url, { rpm_limit: 1 });
    assert.equal(
      (await rerank(gateway.url, key, { model: "rr-voyage", query: "q", documents: ["a", "b"] })).status,
      200,
    );
    assert.equal(
      (await rerank(gateway.url, key, { model: "rr-voyage", query: "q", documents: ["a", "b"] })).status,
      429,
    );
  });

  it("the budget is reserved before the call: a key that cannot pay one search is refused with no upstream call", async () => {
    const { key } = await createKey(gateway.url, { max_budget: 0.001 });
    const before = upstream.calls.length;
    const answer = await rerank(gateway.url, key, { model: "rr-cohere", query: "q", documents: ["a", "b"] });
    assert.equal(answer.status, 429, answer.text);
    assert.equal(upstream.calls.length, before);
  });
});
