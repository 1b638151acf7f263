/**
 * The stored-response table on SQLite and PostgreSQL: a record is visible only to its key and only until it
 * expires; delete is scoped the same way; purge removes what expired.
 */
import * as assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { StoredResponse } from "../../../src/responses/response-store.js";
import { SqlResponseStore } from "../../../src/responses/sql-response-store.js";
import { type GatewayDatabase, openDatabase } from "../../../src/store/database.js";
import { POSTGRES_URL, postgresSkip, uniqueSchema } from "../../helpers/keys-gateway.js";

function record(id: string, keyId: string, createdAt: number, expiresAt: number): StoredResponse {
  return {
    id,
    keyId,
    createdAt,
    expiresAt,
    response: { id, object: "response", output: [{ type: "message", content: [] }] },
    inputItems: [{ type: "message", role: "user", content: "hi", id: "msg_1" }],
    history: [],
  };
}

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`SqlResponseStore (${dialect})`, async () => {
    const skip = dialect === "postgres" ? await postgresSkip() : false;
    const schema = uniqueSchema("responses");
    let database: GatewayDatabase | undefined;
    after(async () => {
      if (database === undefined) return;
      if (database.dialect === "postgres")
        await database.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await database.close();
    });

    it("scopes reads and deletes to the key, hides and purges expired records", { skip }, async () => {
      database = await openDatabase(
        dialect === "postgres" ? { url: POSTGRES_URL, postgresSchema: schema } : { sqlitePath: ":memory:" },
      );
      const store = new SqlResponseStore(database.db);
      const now = Date.UTC(2026, 0, 1);
      await store.put(record("resp_a", "key-1", now, now + 1_000));
      await store.put(record("resp_b", "key-1", now, now + 10_000));
      const own = await store.get("resp_a", "key-1", now);
      assert.deepEqual(own, record("resp_a", "key-1", now, now + 1_000));
      assert.equal(await store.get("resp_a", "key-2", now), undefined, "another key sees nothing");
      assert.equal(await store.delete("resp_a", "key-2"), false, "another key deletes nothing");
      assert.ok(await store.get("resp_a", "key-1", now));
      assert.equal(await store.get("resp_a", "key-1", now + 1_000), undefined, "expired at its expiry");
      assert.equal(await store.purgeExpired(now + 1_000), 1);
      assert.ok(await store.get("resp_b", "key-1", now + 1_000));
      assert.equal(await store.delete("resp_b", "key-1"), true);
      assert.equal(await store.get("resp_b", "key-1", now), undefined);
      await assert.rejects(
        store
          .put(record("resp_c", "key-1", now, now + 1))
          .then(() => store.put(record("resp_c", "key-2", now, now + 1))),
      );
    });
  });
}
