import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Redis } from "ioredis";
import { UsageFeed } from "../../../src/usage/usage-feed.js";
import type { UsageRecord } from "../../../src/usage/usage-record.js";
import { REDIS_URL } from "../../helpers/usage-gateway.js";

function record(requestId: string): UsageRecord {
  return {
    requestId,
    attempt: 1,
    keyId: "k",
    teamId: null,
    userId: null,
    modelGroup: "g",
    deployment: "d",
    provider: "p",
    model: "m",
    promptTokens: 1,
    completionTokens: 1,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: 2,
    costUsd: 0.5,
    usageEstimated: false,
    latencyMs: 1,
    ttftMs: null,
    status: "ok",
    stream: false,
    cacheStatus: "none",
    startedAt: "2026-01-01T00:00:00.000Z",
    endedAt: "2026-01-01T00:00:00.001Z",
  };
}

describe("usage feed across replicas (Redis)", () => {
  it("records of one event-loop turn travel in one message and reach the other replica once, in order", async () => {
    const here = new UsageFeed(REDIS_URL);
    const there = new UsageFeed(REDIS_URL);
    try {
      const run = randomUUID();
      const local: string[] = [];
      const remote: string[] = [];
      here.subscribe((row) => {
        if (row.requestId.startsWith(run)) local.push(row.requestId);
      });
      there.subscribe((row) => {
        if (row.requestId.startsWith(run)) remote.push(row.requestId);
      });
      await delay(300); // the subscriber connects and subscribes
      const ids = [1, 2, 3].map((index) => `${run}-${index}`);
      for (const id of ids) here.publish(record(id));
      assert.deepEqual(local, ids, "this replica's watchers see each record at once");
      for (let waited = 0; remote.length < ids.length && waited < 5_000; waited += 50) await delay(50);
      assert.deepEqual(remote, ids);
      await delay(200);
      assert.deepEqual(local, ids, "a replica does not deliver its own records twice");
    } finally {
      await here.close();
      await there.close();
    }
  });

  it("a replica subscribes to the channel only while it has a watcher, and still publishes without one", async () => {
    const admin = new Redis(REDIS_URL);
    const subscribers = async () => {
      const answer = (await admin.call("PUBSUB", "NUMSUB", "switchboard:usage")) as [string, number];
      return Number(answer[1]);
    };
    const waitFor = async (expected: number) => {
      for (let waited = 0; (await subscribers()) !== expected && waited < 3_000; waited += 50)
        await delay(50);
      return subscribers();
    };
    const baseline = await subscribers();
    const quiet = new UsageFeed(REDIS_URL);
    const watcher = new UsageFeed(REDIS_URL);
    try {
      await delay(300);
      assert.equal(await subscribers(), baseline, "no watcher: no subscription");
      const run = randomUUID();
      const seen: string[] = [];
      const stop = watcher.subscribe((row) => {
        if (row.requestId.startsWith(run)) seen.push(row.requestId);
      });
      assert.equal(await waitFor(baseline + 1), baseline + 1, "the first watcher subscribes");
      quiet.publish(record(`${run}-1`));
      for (let waited = 0; seen.length === 0 && waited < 3_000; waited += 50) await delay(50);
      assert.deepEqual(seen, [`${run}-1`], "a replica without watchers still publishes its records");
      stop();
      assert.equal(await waitFor(baseline), baseline, "the last watcher leaving unsubscribes");
    } finally {
      await quiet.close();
      await watcher.close();
      admin.disconnect();
    }
  });
});
