import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import pg from "pg";
import { postgresSkip, redisSkip } from "../../helpers/keys-gateway.js";
import { chat, createKey, POSTGRES_URL, startUsageGateway, uniqueName } from "../../helpers/usage-gateway.js";
import { startWorker } from "../../helpers/usage-process.js";

// mock/slow-3000 answers after 3 s (all 50 requests overlap). Worst case of one request with max_tokens 100 and
// the prompt "hi": (2 bytes + 8 + 16) tokens × $1/M + 100 × $2/M = $0.000226; a $0.0023 budget fits 10 of them.
const BUDGET = 0.0023;
const REQUEST = { model: "mock/slow-3000", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };

async function fire(urls: string[], key: string, count: number) {
  const results = await Promise.all(
    Array.from({ length: count }, (_, index) => chat(urls[index % urls.length] as string, key, REQUEST)),
  );
  return {
    admitted: results.filter((result) => result.status === 200).length,
    refused: results.filter((result) => result.status === 429),
    other: results.filter((result) => result.status !== 200 && result.status !== 429),
  };
}

async function spendOf(url: string, key: string, keyId: string): Promise<number> {
  const response = await fetch(`${url}/key/info?key=${encodeURIComponent(keyId)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await response.json()) as { info: { spend: number; remaining_budget: number } };
  return body.info.spend;
}

describe("budget race: 50 concurrent requests on a key that fits 10 worst-case requests", () => {
  let redisDown: string | false = false;
  let postgresDown: string | false = false;
  before(async () => {
    redisDown = await redisSkip();
    postgresDown = await postgresSkip();
  });

  for (const variant of [
    { name: "one gateway, in-process counters (SQLite)", database: "sqlite" as const, redis: false },
    { name: "one gateway, Redis counters (PostgreSQL)", database: "postgres" as const, redis: true },
  ]) {
    it(variant.name, async (t) => {
      if (variant.redis && redisDown) return t.skip(redisDown);
      if (variant.database === "postgres" && postgresDown) return t.skip(postgresDown);
      const gateway = await startUsageGateway({ database: variant.database, redis: variant.redis });
      try {
        const { key, keyId } = await createKey(gateway.url, { max_budget: BUDGET });
        const { admitted, refused, other } = await fire([gateway.url], key, 50);
        assert.equal(other.length, 0, other.map((result) => result.text).join("\n"));
        assert.ok(admitted <= 10, `admitted ${admitted} > 10`);
        assert.ok(admitted >= 1, "some requests fit");
        for (const result of refused) {
          assert.match(result.text, /insufficient_quota/);
          assert.match(result.text, /key max_budget/);
        }
        const spend = await spendOf(gateway.url, key, keyId);
        assert.ok(spend > 0 && spend <= BUDGET, `spend ${spend} within budget ${BUDGET}`);
        assert.equal(gateway.usage.limiter.inFlight(), 0);
      } finally {
        await gateway.close();
      }
    });
  }

  it("two gateway processes sharing Redis and PostgreSQL", async (t) => {
    if (redisDown) return t.skip(redisDown);
    if (postgresDown) return t.skip(postgresDown);
    const schema = uniqueName("race");
    const prefix = `${uniqueName("lim")}:`;
    const env = { USAGE_DB: "postgres", USAGE_SCHEMA: schema, USAGE_REDIS_PREFIX: prefix };
    const first = await startWorker(env);
    const second = await startWorker(env);
    try {
      const { key, keyId } = await createKey(first.url, { max_budget: BUDGET });
      const { admitted, other } = await fire([first.url, second.url], key, 50);
      assert.equal(other.length, 0, other.map((result) => result.text).join("\n"));
      assert.ok(admitted <= 10, `admitted ${admitted} > 10 across two processes`);
      assert.ok(admitted >= 1);
      const spend = await spendOf(second.url, key, keyId);
      assert.ok(spend > 0 && spend <= BUDGET, `spend ${spend} within budget ${BUDGET}`);
    } finally {
      first.child.kill("SIGTERM");
      second.child.kill("SIGTERM");
      await Promise.all([first.exited, second.exited]);
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});
