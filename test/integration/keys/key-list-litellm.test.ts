import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KeyRole } from "../../../gen/switchboard/v1/keys_service_pb.js";
import { connectKeysClient } from "../../helpers/keys-client.js";
import {
  databaseTargets,
  type KeysGateway,
  MASTER_KEY,
  startKeysGateway,
} from "../../helpers/keys-gateway.js";

/**
 * LiteLLM's `/key/list` (issue #15): `page` (from 1) and `size` (1..100, default 10), `return_full_object`,
 * filters `key_alias`, `key_hash`, `team_id`, `user_id`, `sort_by`/`sort_order`, answered as
 * `{keys, total_count, current_page, total_pages}` — within the caller's scope, on SQLite and PostgreSQL.
 */

type Json = Record<string, unknown>;

for (const target of await databaseTargets()) {
  describe(`GET /key/list in LiteLLM's shape (${target.name})`, { skip: target.skip }, () => {
    let gateway: KeysGateway;
    const secrets: string[] = [];
    let teamAdminSecret = "";
    let userSecret = "";
    let userKeyId = "";

    async function list(
      query: string,
      token = MASTER_KEY,
    ): Promise<{ status: number; json: Json; text: string }> {
      const response = await fetch(`${gateway.url}/key/list?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      return { status: response.status, json: JSON.parse(text) as Json, text };
    }

    before(async () => {
      gateway = await startKeysGateway(target);
      const admin = connectKeysClient(gateway.url, MASTER_KEY);
      await admin.createTeam({ team: { teamId: "list-a" } });
      await admin.createTeam({ team: { teamId: "list-b" } });
      // 23 keys in team list-a (aliases a-00..a-22), 4 in list-b, in creation order.
      for (let index = 0; index < 23; index++) {
        const created = await admin.createKey({
          key: { role: KeyRole.USER, teamId: "list-a", displayName: `a-${String(index).padStart(2, "0")}` },
        });
        secrets.push(created.secret);
        if (index === 0) {
          userSecret = created.secret;
          userKeyId = created.key?.keyId ?? "";
        }
      }
      for (let index = 0; index < 4; index++) {
        const created = await admin.createKey({
          key: { role: KeyRole.USER, teamId: "list-b", displayName: `b-${index}` },
        });
        secrets.push(created.secret);
      }
      const teamAdmin = await admin.createKey({
        key: { role: KeyRole.TEAM_ADMIN, teamId: "list-a", displayName: "z-admin" },
      });
      teamAdminSecret = teamAdmin.secret;
      secrets.push(teamAdmin.secret);
    });
    after(async () => gateway?.close());

    it("pages by number with LiteLLM's defaults and totals; keys are ids unless return_full_object", async () => {
      const first = await list("team_id=list-a");
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(
        [first.json["total_count"], first.json["current_page"], first.json["total_pages"]],
        [24, 1, 3],
      );
      const ids = first.json["keys"] as unknown[];
      assert.equal(ids.length, 10, "LiteLLM's default size is 10");
      assert.ok(ids.every((id) => typeof id === "string" && id.startsWith("key_")));

      const seen = new Set<string>();
      for (const page of [1, 2, 3]) {
        const listed = await list(`team_id=list-a&page=${page}&size=10`);
        for (const id of listed.json["keys"] as string[]) seen.add(id);
        assert.equal(listed.json["current_page"], page);
      }
      assert.equal(seen.size, 24, "three pages cover every key (23 users and the team admin) once");
      const beyond = await list("team_id=list-a&page=4&size=10");
      assert.deepEqual(beyond.json["keys"], []);

      const full = await list("team_id=list-a&size=5&return_full_object=true");
      const objects = full.json["keys"] as Json[];
      assert.equal(objects.length, 5);
      assert.ok(objects.every((key) => typeof key["token"] === "string" && key["team_id"] === "list-a"));
      for (const secret of secrets) assert.ok(!full.text.includes(secret), "no secret in a listing");
    });

    it("filters by key_alias and key_hash, and sorts by a named column either way", async () => {
      const byAlias = await list("key_alias=a-07&return_full_object=True");
      assert.deepEqual(
        (byAlias.json["keys"] as Json[]).map((key) => key["key_alias"]),
        ["a-07"],
      );
      assert.equal(byAlias.json["total_count"], 1);
      const byHash = await list(`key_hash=${userKeyId}`);
      assert.deepEqual(byHash.json["keys"], [userKeyId]);

      const ascending = await list(
        "team_id=list-a&sort_by=key_alias&sort_order=asc&size=3&return_full_object=1",
      );
      assert.deepEqual(
        (ascending.json["keys"] as Json[]).map((key) => key["key_alias"]),
        ["a-00", "a-01", "a-02"],
      );
      const descending = await list("team_id=list-a&sort_by=key_alias&size=2&return_full_object=true");
      assert.deepEqual(
        (descending.json["keys"] as Json[]).map((key) => key["key_alias"]),
        ["z-admin", "a-22"],
      );
    });

    it("keeps each caller in its scope: a team admin its team, a user key itself", async () => {
      const teamAdmin = await list("size=100", teamAdminSecret);
      assert.equal(teamAdmin.status, 200);
      assert.equal(teamAdmin.json["total_count"], 24, "23 user keys and the team admin's own");
      const otherTeam = await list("team_id=list-b", teamAdminSecret);
      assert.equal(otherTeam.status, 403);
      assert.equal((otherTeam.json["error"] as Json)["param"], "team_id");
      const aliasElsewhere = await list("key_alias=b-1", teamAdminSecret);
      assert.equal(aliasElsewhere.json["total_count"], 0, "another team's alias is not visible");

      const user = await list("size=100", userSecret);
      assert.deepEqual(user.json["keys"], [userKeyId]);
      assert.equal(user.json["total_count"], 1);
      const otherKey = await list("key_hash=key_someone_else", userSecret);
      assert.equal(otherKey.status, 403, "naming another key is refused, not narrowed to one's own");
      assert.equal((otherKey.json["error"] as Json)["param"], "key_hash");
    });

    it("refuses bad paging and sorting parameters naming the field", async () => {
      for (const [query, param] of [
        ["page=0", "page"],
        ["page=-1", "page"],
        ["page=x", "page"],
        ["size=101", "size"],
        ["size=0", "size"],
        ["return_full_object=maybe", "return_full_object"],
        ["include_team_keys=2", "include_team_keys"],
        ["sort_by=secret_hash", "sort_by"],
        ["sort_by=created_at;drop table sb_keys", "sort_by"],
        ["sort_order=sideways", "sort_order"],
        ["organization_id=org-1", "organization_id"],
      ] as const) {
        const refused = await list(query);
        assert.equal(refused.status, 400, query);
        assert.equal((refused.json["error"] as Json)["param"], param, query);
      }
      // The table is still there and whole after the injection attempt.
      assert.equal((await list("size=100")).json["total_count"], 28);
    });
  });
}
