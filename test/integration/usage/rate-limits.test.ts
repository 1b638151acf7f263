import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { postgresSkip, redisSkip } from "../../helpers/keys-gateway.js";
import { chat, createKey, POSTGRES_URL, uniqueName } from "../../helpers/usage-gateway.js";
import { startWorker, type WorkerProcess } from "../../helpers/usage-process.js";

/** Waits until the current minute has at least 20 s left, so one test stays inside one rpm/tpm window. */
async function awayFromMinuteEdge(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 20_000) await delay(left + 50);
}

describe("rate limits across two gateway processes sharing Redis", () => {
  let skip: string | false = false;
  let workers: WorkerProcess[] = [];
  const schema = uniqueName("rl");
  before(async () => {
    skip = (await redisSkip()) || (await postgresSkip());
    if (skip) return;
    const env = { USAGE_DB: "postgres", USAGE_SCHEMA: schema, USAGE_REDIS_PREFIX: `${uniqueName("lim")}:` };
    workers = [await startWorker(env), await startWorker(env)];
  });
  after(async () => {
    for (const worker of workers) worker.child.kill("SIGTERM");
    await Promise.all(workers.map((worker) => worker.exited));
    if (skip) return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it("rpm: admitted ≤ limit × 1.01 within the window", async (t) => {
    if (skip) return t.skip(skip);
    const limit = 20;
    const { key } = await createKey(workers[0]?.url as string, { rpm_limit: limit });
    await awayFromMinuteEdge();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        chat(workers[index % 2]?.url as string, key, {
          model: "mock-gpt",
          messages: [{ role: "user", content: "hi" }],
        }),
      ),
    );
    const admitted = results.filter((result) => result.status === 200).length;
    assert.ok(admitted <= Math.floor(limit * 1.01), `admitted ${admitted} > ${limit}`);
    assert.equal(admitted, limit, "no request is refused while the limit has room");
    const refused = results.find((result) => result.status === 429);
    assert.ok(refused);
    assert.equal(refused.headers.get("x-ratelimit-limit-requests"), String(limit));
    assert.equal(refused.headers.get("x-ratelimit-remaining-requests"), "0");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.match(refused.text, /rate_limit_exceeded/);
  });

  it("tpm: tokens of admitted requests ≤ limit × 1.01 within the window", async (t) => {
    if (skip) return t.skip(skip);
    const limit = 200;
    const { key } = await createKey(workers[0]?.url as string, { tpm_limit: limit });
    await awayFromMinuteEdge();
    let tokens = 0;
    let admitted = 0;
    for (let wave = 0; wave < 4; wave++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          chat(workers[index % 2]?.url as string, key, {
            model: "mock-gpt",
            max_tokens: 10,
            messages: [{ role: "user", content: "hi" }],
          }),
        ),
      );
      for (const result of results) {
        if (result.status !== 200) {
          assert.equal(result.status, 429);
          continue;
        }
        admitted += 1;
        tokens += (JSON.parse(result.text) as { usage: { total_tokens: number } }).usage.total_tokens;
      }
    }
    assert.ok(admitted > 0);
    assert.ok(tokens <= limit * 1.01, `admitted ${tokens} tokens > ${limit}`);
  });
});
