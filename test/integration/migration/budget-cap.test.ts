import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { postgresSkip, redisSkip } from "../../helpers/keys-gateway.js";
import { chat, createKey, MASTER_KEY, startUsageGateway } from "../../helpers/usage-gateway.js";

// The mock models cost $1/M input and $2/M output and may write 4,096 tokens: a request without max_tokens has a
// worst case of about $0.0082 plus its prompt, more than a small budget. Issue #15: such a key must still work.
const LONG_PROMPT = Array.from({ length: 1_500 }, () => "word").join(" ");

async function spendOf(url: string, keyId: string): Promise<number> {
  const response = await fetch(`${url}/key/info?key=${encodeURIComponent(keyId)}`, {
    headers: { authorization: `Bearer ${MASTER_KEY}` },
  });
  const body = (await response.json()) as { info: { spend: number } };
  return body.info.spend;
}

describe("budgets usable and exact: output capped at what the budget can pay (issue #15)", () => {
  let redisDown: string | false = false;
  let postgresDown: string | false = false;
  before(async () => {
    redisDown = await redisSkip();
    postgresDown = await postgresSkip();
  });

  for (const variant of [
    { name: "SQLite, in-process counters", database: "sqlite" as const, redis: false },
    { name: "PostgreSQL, Redis counters", database: "postgres" as const, redis: true },
  ]) {
    it(`${variant.name}: a $0.002 key answers, capped, and says so`, async (t) => {
      if (variant.redis && redisDown) return t.skip(redisDown);
      if (variant.database === "postgres" && postgresDown) return t.skip(postgresDown);
      const gateway = await startUsageGateway({ database: variant.database, redis: variant.redis });
      try {
        const { key } = await createKey(gateway.url, { max_budget: 0.002 });
        const capped = await chat(gateway.url, key, {
          model: "mock-gpt",
          messages: [{ role: "user", content: "hi" }],
        });
        assert.equal(capped.status, 200, capped.text);
        const cap = Number(capped.headers.get("x-switchboard-max-tokens-capped"));
        // (0.002 − prompt bound × $1/M) / $2/M: just under 1,000 tokens, far below the model's 4,096.
        assert.ok(cap >= 950 && cap < 1_000, `capped at ${cap}`);
        // A request that sets max_tokens reserves what those tokens can cost, and is not capped.
        const explicit = await chat(gateway.url, key, {
          model: "mock-gpt",
          max_tokens: 50,
          messages: [{ role: "user", content: "hi" }],
        });
        assert.equal(explicit.status, 200, explicit.text);
        assert.equal(explicit.headers.get("x-switchboard-max-tokens-capped"), null);
        // max_tokens the budget cannot pay is refused, not silently lowered.
        const tooMany = await chat(gateway.url, key, {
          model: "mock-gpt",
          max_tokens: 4_000,
          messages: [{ role: "user", content: "hi" }],
        });
        assert.equal(tooMany.status, 429, tooMany.text);
        assert.match(tooMany.text, /key max_budget/);
        // Streams are capped the same way; the header comes with the stream's first bytes.
        const stream = await chat(gateway.url, key, {
          model: "mock-gpt",
          stream: true,
          messages: [{ role: "user", content: "hi" }],
        });
        assert.equal(stream.status, 200, stream.text);
        assert.ok(Number(stream.headers.get("x-switchboard-max-tokens-capped")) > 0);
      } finally {
        await gateway.close();
      }
    });

    it(`${variant.name}: 30 concurrent uncapped requests never overshoot and leave nothing held`, async (t) => {
      if (variant.redis && redisDown) return t.skip(redisDown);
      if (variant.database === "postgres" && postgresDown) return t.skip(postgresDown);
      const gateway = await startUsageGateway({ database: variant.database, redis: variant.redis });
      try {
        // mock/echo repeats the prompt (1,500 words), so a request costs what its cap lets it write:
        // ≈ $0.0015 prompt + up to $0.003 of output. $0.02 fits a handful, only if every output is capped.
        const budget = 0.02;
        const { key, keyId } = await createKey(gateway.url, { max_budget: budget });
        const body = { model: "mock/echo", messages: [{ role: "user", content: LONG_PROMPT }] };
        const results = [];
        for (let wave = 0; wave < 3; wave++) {
          results.push(
            ...(await Promise.all(Array.from({ length: 10 }, () => chat(gateway.url, key, body)))),
          );
        }
        const admitted = results.filter((result) => result.status === 200);
        const other = results.filter((result) => result.status !== 200 && result.status !== 429);
        assert.equal(other.length, 0, other.map((result) => result.text).join("\n"));
        assert.ok(admitted.length >= 3, `admitted ${admitted.length}`);
        assert.ok(
          admitted.some((result) => result.headers.get("x-switchboard-max-tokens-capped") !== null),
          "some answers were capped",
        );
        for (const result of results.filter((entry) => entry.status === 429))
          assert.match(result.text, /insufficient_quota/);
        const spend = await spendOf(gateway.url, keyId);
        assert.ok(spend <= budget, `spend ${spend} overshoots ${budget}`);
        assert.ok(spend >= budget * 0.5, `spend ${spend}: the budget is usable, not refused early`);
        assert.equal(gateway.usage.limiter.inFlight(), 0);
        assert.equal(await gateway.usage.limiter.outstanding(), 0);
      } finally {
        await gateway.close();
      }
    });
  }

  it("refuses when not even a minimal answer fits", async () => {
    const gateway = await startUsageGateway({ database: "sqlite" });
    try {
      // A prompt of ~6,000 bytes bounds its cost above $0.006 before any output: a $0.006 key cannot answer.
      const { key } = await createKey(gateway.url, { max_budget: 0.006 });
      const refused = await chat(gateway.url, key, {
        model: "mock-gpt",
        messages: [{ role: "user", content: `${LONG_PROMPT} ${LONG_PROMPT.slice(0, 1_000)}` }],
      });
      assert.equal(refused.status, 429, refused.text);
      assert.match(refused.text, /insufficient_quota/);
      assert.equal(refused.headers.get("x-switchboard-max-tokens-capped"), null);
    } finally {
      await gateway.close();
    }
  });
});
