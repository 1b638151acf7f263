import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AUTHENTICATION_FAILED_MESSAGE,
  hashSecret,
  MasterKeyAuthenticator,
} from "../../../src/auth/authenticator.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { Principal } from "../../../src/core/types/principal.js";
import {
  type Invalidation,
  type InvalidationBus,
  LocalInvalidationBus,
} from "../../../src/keys/invalidation-bus.js";
import { KeyAuthenticator } from "../../../src/keys/key-authenticator.js";
import { KeyManager } from "../../../src/keys/key-manager.js";
import { SqlKeyStore } from "../../../src/keys/sql-key-store.js";
import { type GatewayDatabase, openDatabase } from "../../../src/store/database.js";
import { databaseTargets, MASTER_KEY } from "../../helpers/keys-gateway.js";

const ADMIN: Principal = { keyId: "master", role: "admin", display: "master" };
const targets = await databaseTargets();

/** A clock the test moves by hand. */
class Clock {
  time = new Date("2026-06-01T00:00:00.000Z").getTime();
  now = () => new Date(this.time);
  advance(ms: number) {
    this.time += ms;
  }
}

/** A bus whose subscription can be cut, to see the cache fall back to its short TTL. */
class SwitchableBus implements InvalidationBus {
  live = true;
  private readonly local = new LocalInvalidationBus();
  publish(invalidation: Invalidation) {
    return this.live ? this.local.publish(invalidation) : Promise.resolve();
  }
  subscribe(listener: (invalidation: Invalidation) => void) {
    this.local.subscribe(listener);
  }
  isLive() {
    return this.live;
  }
  async close() {}
}

async function assertRefused(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.kind, "authentication");
    assert.equal(error.message, AUTHENTICATION_FAILED_MESSAGE);
    assert.equal(error.reason, "invalid_api_key");
    return true;
  });
}

for (const target of targets) {
  describe(`KeyAuthenticator and rotation (${target.name})`, { skip: target.skip }, () => {
    let database: GatewayDatabase;
    let store: SqlKeyStore;
    const clock = new Clock();
    const bus = new SwitchableBus();
    let manager: KeyManager;
    let authenticator: KeyAuthenticator;
    let schema: string | undefined;

    before(async () => {
      const options = target.options();
      schema = options.postgresSchema;
      database = await openDatabase({
        url: options.databaseUrl,
        sqlitePath: options.sqlitePath,
        postgresSchema: schema,
      });
      store = new SqlKeyStore(database.db);
      manager = new KeyManager({ store, bus, now: clock.now });
      authenticator = new KeyAuthenticator({
        store,
        bus,
        master: new MasterKeyAuthenticator(hashSecret(MASTER_KEY), "master"),
        now: clock.now,
        ttlMs: 60_000,
        degradedTtlMs: 0,
      });
    });
    after(async () => {
      if (schema !== undefined) await database.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await database?.close();
    });

    it("runs migrations idempotently (a second open is a no-op)", async () => {
      const options = target.options();
      const again = await openDatabase({
        url: options.databaseUrl,
        sqlitePath: options.sqlitePath === undefined ? undefined : ":memory:",
        postgresSchema: schema,
      });
      await again.close();
    });

    it("returns the principal of a key, with its limits for the usage checks, and the master key as admin", async () => {
      const team = await manager.teams.createTeam(ADMIN, {
        teamId: "auth-team",
        models: ["mock/*"],
        limits: { rpmLimit: 50, modelLimits: [] },
      });
      const { view, secret } = await manager.createKey(ADMIN, {
        teamId: team.team.teamId,
        models: ["mock/a"],
        limits: {
          maxBudget: 5,
          budgetDuration: "30d",
          tpmLimit: 1000,
          modelLimits: [{ model: "mock/a", rpmLimit: 3 }],
        },
        tags: ["env:test"],
      });
      const principal = await authenticator.authenticate(secret);
      assert.equal(principal.keyId, view.key.keyId);
      assert.equal(principal.role, "user");
      assert.deepEqual(principal.allowedModels, ["mock/a"]);
      assert.deepEqual(principal.teamAllowedModels, ["mock/*"]);
      assert.equal(principal.limits?.maxBudget, 5);
      assert.equal(principal.limits?.budgetDuration, "30d");
      assert.deepEqual(principal.limits?.modelLimits, [
        { model: "mock/a", rpmLimit: 3, tpmLimit: undefined, maxBudget: undefined },
      ]);
      assert.equal(principal.teamLimits?.rpmLimit, 50);
      assert.equal(JSON.stringify(principal).includes(secret), false);
      assert.equal((await authenticator.authenticate(MASTER_KEY)).keyId, "master");
    });

    it("refuses every malformed or wrong key with the same error, and the tables survive", async () => {
      const hostile = [
        undefined,
        "",
        "' OR '1'='1",
        "sk-sb-'; DROP TABLE sb_keys; --",
        'sk-sb-" OR 1=1; --',
        "sk-sb-%' UNION SELECT secret_hash FROM sb_key_secrets --",
        "\u0000",
        "sk-sb-\u0000\u0000",
        `sk-sb-${"A".repeat(43)}`,
        "x".repeat(1 << 20),
        `sk-sb-${"\u0000".repeat(1 << 20)}`,
        MASTER_KEY.slice(0, -1),
        `${MASTER_KEY}\u0000`,
        "ключ-🔑",
      ];
      for (const token of hostile) await assertRefused(authenticator.authenticate(token));
      const { secret } = await manager.createKey(ADMIN, {});
      assert.equal((await authenticator.authenticate(secret)).role, "user");
      await assertRefused(authenticator.authenticate(`${secret}\u0000`));
      await assertRefused(authenticator.authenticate(`${secret} `));
    });

    it("keeps the old secret for the grace period after rotation, then refuses it", async () => {
      const { view, secret: first } = await manager.createKey(ADMIN, { displayName: "rotating" });
      await authenticator.authenticate(first); // cached
      const rotated = await manager.rotateKey(ADMIN, view.key.keyId, 3_600, undefined);
      assert.equal(rotated.view.key.previousSecretExpiresAt?.getTime(), clock.time + 3_600_000);
      clock.advance(59 * 60_000);
      assert.equal((await authenticator.authenticate(first)).keyId, view.key.keyId);
      assert.equal((await authenticator.authenticate(rotated.secret)).keyId, view.key.keyId);
      clock.advance(2 * 60_000);
      await assertRefused(authenticator.authenticate(first)); // from the cache
      authenticator.clear();
      await assertRefused(authenticator.authenticate(first)); // from the database
      assert.equal((await authenticator.authenticate(rotated.secret)).keyId, view.key.keyId);
      // A second rotation ends every older secret at once when it has no grace.
      const again = await manager.rotateKey(ADMIN, view.key.keyId, 0, undefined);
      await assertRefused(authenticator.authenticate(rotated.secret));
      assert.equal((await authenticator.authenticate(again.secret)).keyId, view.key.keyId);
    });

    it("drops cached keys on a notice; without notices it trusts the cache only for the short TTL", async () => {
      const { view, secret } = await manager.createKey(ADMIN, {});
      await authenticator.authenticate(secret);
      await manager.setKeyState(ADMIN, view.key.keyId, "blocked", undefined);
      await assertRefused(authenticator.authenticate(secret)); // the notice dropped the cached entry
      await manager.setKeyState(ADMIN, view.key.keyId, "active", undefined);
      await authenticator.authenticate(secret);
      bus.live = false; // the subscription is down: another replica's revoke would not be heard
      await manager.setKeyState(ADMIN, view.key.keyId, "revoked", undefined);
      await assertRefused(authenticator.authenticate(secret)); // short TTL (0 here): read again
      bus.live = true;
    });

    it("expires keys by time without any notice", async () => {
      const { secret } = await manager.createKey(ADMIN, { expiresAt: new Date(clock.time + 60_000) });
      await authenticator.authenticate(secret);
      clock.advance(61_000);
      await assertRefused(authenticator.authenticate(secret));
    });
  });
}
