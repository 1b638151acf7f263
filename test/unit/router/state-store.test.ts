import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Admission } from "../../../src/router/state/deployment-state.js";
import { MemoryStateStore } from "../../../src/router/state/memory-state-store.js";
import { RedisStateStore } from "../../../src/router/state/redis-state-store.js";
import type { RouterStateStore } from "../../../src/router/state/state-store.js";
import { deletePrefix, REDIS_URL, redisSkipReason, uniquePrefix } from "../../helpers/redis.js";

const admission: Admission = { tokens: 10, leaseMs: 60_000, probeMs: 1_000 };
const failure = { allowedFails: 2, windowMs: 60_000, cooldownMs: 5_000, immediate: false };
const T0 = 1_800_000_000_000;

/** The same behaviour table against both stores: the Redis scripts and the in-process store must agree. */
function suite(name: string, open: () => Promise<{ store: RouterStateStore; done: () => Promise<void> }>) {
  describe(`${name} state store`, () => {
    let store: RouterStateStore;
    let done: () => Promise<void>;
    before(async () => {
      ({ store, done } = await open());
    });
    after(async () => done());

    it("cools down after more than allowed_fails in the window, then lets exactly one probe through", async () => {
      assert.equal(await store.recordFailure("cool", failure, T0), false);
      assert.equal(await store.recordFailure("cool", failure, T0 + 1), false);
      assert.equal(await store.recordFailure("cool", failure, T0 + 2), true);
      let state = (await store.snapshot(["cool"], T0 + 3)).get("cool");
      assert.equal(state?.health, "cooling");
      assert.equal(state?.coolingUntil, T0 + 5_002);
      assert.deepEqual(await store.admit("cool", admission, T0 + 10), { admitted: false, why: "cooling" });
      // Cooldown over: half-open. One probe is admitted; a second request is refused while it runs.
      state = (await store.snapshot(["cool"], T0 + 5_003)).get("cool");
      assert.equal(state?.health, "half-open");
      const probe = await store.admit("cool", admission, T0 + 5_003);
      assert.equal(probe.admitted && probe.probe, true);
      assert.deepEqual(await store.admit("cool", admission, T0 + 5_004), { admitted: false, why: "cooling" });
      assert.equal((await store.snapshot(["cool"], T0 + 5_004)).get("cool")?.health, "cooling");
      // The probe succeeded: healthy again, no probe needed.
      await store.recordSuccess("cool", T0 + 5_005);
      assert.equal((await store.snapshot(["cool"], T0 + 5_006)).get("cool")?.health, "healthy");
      const normal = await store.admit("cool", admission, T0 + 5_006);
      assert.equal(normal.admitted && normal.probe, false);
    });

    it("a failed probe cools down again at once", async () => {
      for (let index = 0; index < 3; index++) await store.recordFailure("probe", failure, T0 + index);
      const probe = await store.admit("probe", admission, T0 + 5_010);
      assert.ok(probe.admitted && probe.probe);
      assert.equal(await store.recordFailure("probe", { ...failure, immediate: true }, T0 + 5_020), true);
      assert.equal((await store.snapshot(["probe"], T0 + 5_021)).get("probe")?.health, "cooling");
    });

    it("failures outside the window do not add up", async () => {
      assert.equal(await store.recordFailure("window", failure, T0), false);
      assert.equal(await store.recordFailure("window", failure, T0 + 1), false);
      assert.equal(await store.recordFailure("window", failure, T0 + 70_000), false);
    });

    it("admits up to rpm in a minute and counts tokens", async () => {
      const limited = { ...admission, rpm: 3 };
      const results = [];
      for (let index = 0; index < 5; index++)
        results.push((await store.admit("rpm", limited, T0 + index)).admitted);
      assert.deepEqual(results, [true, true, true, false, false]);
      const state = (await store.snapshot(["rpm"], T0 + 10)).get("rpm");
      assert.equal(state?.rpmUsed, 3);
      assert.equal(state?.tpmUsed, 30);
      // The next minute starts empty.
      assert.equal((await store.admit("rpm", limited, T0 + 60_000)).admitted, true);
    });

    it("tpm: refuses a request that would pass the limit, usage corrects the count", async () => {
      const limited = { ...admission, tpm: 25 };
      const first = await store.admit("tpm", limited, T0);
      assert.ok(first.admitted);
      assert.equal((await store.admit("tpm", limited, T0)).admitted, true);
      assert.deepEqual(await store.admit("tpm", limited, T0), { admitted: false, why: "tpm" });
      await store.release("tpm", first.lease, { tokenCorrection: -8 }, T0 + 1);
      assert.equal((await store.snapshot(["tpm"], T0 + 2)).get("tpm")?.tpmUsed, 12);
    });

    it("in-flight leases: max_parallel_requests, release, and expiry of a dead holder's lease", async () => {
      const limited = { ...admission, maxParallel: 2, leaseMs: 1_000 };
      const a = await store.admit("par", limited, T0);
      const b = await store.admit("par", limited, T0);
      assert.ok(a.admitted && b.admitted);
      assert.deepEqual(await store.admit("par", limited, T0 + 1), { admitted: false, why: "parallel" });
      assert.equal((await store.snapshot(["par"], T0 + 1)).get("par")?.inFlight, 2);
      await store.release("par", a.lease, {}, T0 + 2);
      assert.equal((await store.snapshot(["par"], T0 + 3)).get("par")?.inFlight, 1);
      // b is never released (its process died): it stops counting when its lease expires.
      assert.equal((await store.snapshot(["par"], T0 + 1_001)).get("par")?.inFlight, 0);
      assert.equal((await store.admit("par", limited, T0 + 1_002)).admitted, true);
    });

    it("latency and time to first token are moving averages", async () => {
      const lease = await store.admit("lat", admission, T0);
      assert.ok(lease.admitted);
      await store.release("lat", lease.lease, { latencyMs: 100 }, T0);
      await store.release("lat", "none", { latencyMs: 200, ttftMs: 50 }, T0);
      const state = (await store.snapshot(["lat"], T0)).get("lat");
      assert.equal(state?.latencyMs, 120);
      assert.equal(state?.ttftMs, 50);
    });
  });
}

suite("memory", async () => ({ store: new MemoryStateStore(), done: async () => undefined }));

const skip = await redisSkipReason();
if (skip !== undefined) {
  describe("redis state store", () => {
    it("needs Redis", { skip }, () => undefined);
  });
} else {
  suite("redis", async () => {
    const prefix = uniquePrefix("state-store");
    const store = new RedisStateStore({ url: REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 1000 });
    assert.equal(await store.ready(2_000), true);
    return {
      store,
      done: async () => {
        await deletePrefix(prefix);
        await store.close();
      },
    };
  });
}
