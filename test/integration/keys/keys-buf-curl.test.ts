import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  databaseTargets,
  type KeysGateway,
  MASTER_KEY,
  startKeysGateway,
} from "../../helpers/keys-gateway.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const targets = await databaseTargets();

type Json = Record<string, unknown>;

for (const target of targets) {
  describe(`Keys service through buf curl, as docs/keys.md shows (${target.name})`, {
    skip: target.skip,
  }, () => {
    let gateway: KeysGateway;
    before(async () => {
      gateway = await startKeysGateway(target);
    });
    after(async () => gateway?.close());

    /** `buf curl --protocol grpc --http2-prior-knowledge --schema proto …` with the master key. */
    async function bufCurl(method: string, body: Json, token = MASTER_KEY): Promise<Json> {
      const { stdout } = await run(
        `${ROOT}node_modules/.bin/buf`,
        [
          "curl",
          "--protocol",
          "grpc",
          "--http2-prior-knowledge",
          "--schema",
          `${ROOT}proto`,
          "-H",
          `Authorization: Bearer ${token}`,
          "-d",
          JSON.stringify(body),
          `${gateway.url}/switchboard.v1.KeysService/${method}`,
        ],
        { cwd: ROOT, timeout: 60_000 },
      );
      return JSON.parse(stdout) as Json;
    }

    it("creates, lists, rotates and revokes a key", async () => {
      const created = await bufCurl("CreateKey", {
        key: {
          displayName: "ci-bot",
          userId: "ci",
          models: ["mock-gpt"],
          limits: { rpmLimit: "60", maxBudget: 5 },
        },
        ttl: "2592000s",
      });
      const key = created["key"] as Json;
      const secret = created["secret"] as string;
      assert.match(secret, /^sk-sb-/);
      assert.equal(key["state"], "KEY_STATE_ACTIVE");
      assert.equal((key["limits"] as Json)["rpmLimit"], "60");

      const listed = await bufCurl("ListKeys", { userId: "ci", pageSize: 10 });
      assert.deepEqual(
        (listed["keys"] as Json[]).map((item) => item["keyId"]),
        [key["keyId"]],
      );

      const rotated = await bufCurl("RotateKey", { keyId: key["keyId"], gracePeriod: "3600s" });
      assert.notEqual(rotated["secret"], secret);
      assert.ok((rotated["key"] as Json)["previousSecretExpireTime"]);

      const revoked = await bufCurl("RevokeKey", { keyId: key["keyId"] });
      assert.equal((revoked["key"] as Json)["state"], "KEY_STATE_REVOKED");
      await assert.rejects(bufCurl("ListKeys", {}, rotated["secret"] as string), /unauthenticated/i);
    });

    it("reports bad input as the right gRPC code", async () => {
      await assert.rejects(bufCurl("CreateKey", { key: { limits: { maxBudget: -3 } } }), /invalid_argument/i);
      await assert.rejects(bufCurl("GetKey", { keyId: "key_missing" }), /not_found/i);
    });
  });
}
