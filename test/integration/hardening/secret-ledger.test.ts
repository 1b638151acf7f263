import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chat, createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

/**
 * The ledger's last line of defence: a caller who pastes its key into a model name on a wildcard deployment
 * (`mock/*`) is served, but the key is not stored in the ledger row, the journal or the database file.
 */
describe("secrets: the ledger never stores a secret a caller typed into a model name", () => {
  let gateway: UsageGateway;

  before(async () => {
    gateway = await startUsageGateway({ database: "sqlite" });
  });

  after(async () => {
    await gateway?.close();
  });

  it("scrubs the model and model group of the row before it is journaled", async () => {
    const { key, keyId } = await createKey(gateway.url, { key_alias: "paster" });
    const result = await chat(gateway.url, key, {
      model: `mock/${key}`,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(result.status, 200, result.text);
    await gateway.usage.ledger.flush();
    const rows = (await gateway.usage.store.query({ keyId }, undefined, 100)).filter(
      (row) => row.keyId === keyId,
    );
    assert.equal(rows.length, 1);
    const row = rows[0] as (typeof rows)[0];
    assert.ok(!JSON.stringify(row).includes(key), "the row holds no secret");
    assert.match(row.model, /\[redacted\]/);
    const files = readdirSync(gateway.dataDir, { recursive: true, encoding: "utf8" }).filter((name) =>
      statSync(join(gateway.dataDir, name)).isFile(),
    );
    for (const name of files) {
      assert.ok(
        !readFileSync(join(gateway.dataDir, name)).toString("latin1").includes(key),
        `${name} holds no secret`,
      );
    }
  });
});
