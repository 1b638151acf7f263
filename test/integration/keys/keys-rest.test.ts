import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../../../src/logging/logger.js";
import {
  databaseTargets,
  type KeysGateway,
  MASTER_KEY,
  startKeysGateway,
} from "../../helpers/keys-gateway.js";

const targets = await databaseTargets();

type Json = Record<string, unknown>;

for (const target of targets) {
  describe(`LiteLLM-compatible /key and /team routes, and the canary sweep (${target.name})`, {
    skip: target.skip,
  }, () => {
    let gateway: KeysGateway;
    const logLines: string[] = [];
    /** Every response body the gateway sent in this suite, for the canary sweep. */
    const bodies: string[] = [];
    /** Every secret that entered the gateway in this suite. */
    const secrets: string[] = [MASTER_KEY];

    before(async () => {
      const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) });
      gateway = await startKeysGateway(target, {}, {}, logger);
    });
    after(async () => gateway?.close());

    async function call(
      method: string,
      path: string,
      body?: unknown,
      token = MASTER_KEY,
    ): Promise<{ status: number; json: Json }> {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      bodies.push(text);
      return { status: response.status, json: text === "" ? {} : (JSON.parse(text) as Json) };
    }

    async function chat(token: string, model = "mock-gpt"): Promise<number> {
      const { status } = await call(
        "POST",
        "/v1/chat/completions",
        { model, messages: [{ role: "user", content: "hi" }] },
        token,
      );
      return status;
    }

    it("generates, reads, lists, updates, blocks, regenerates and deletes keys in LiteLLM's shapes", async () => {
      const team = await call("POST", "/team/new", {
        team_alias: "Platform",
        models: ["mock-gpt", "mock/*"],
        max_budget: 100,
        budget_duration: "30d",
        rpm_limit: 100,
        members_with_roles: [{ user_id: "ops@example.com", role: "admin" }],
      });
      assert.equal(team.status, 200);
      const teamId = team.json["team_id"] as string;
      assert.deepEqual(team.json["members_with_roles"], [{ user_id: "ops@example.com", role: "admin" }]);

      const generated = await call("POST", "/key/generate", {
        key_alias: "billing-svc",
        team_id: teamId,
        models: ["mock-gpt"],
        max_budget: 10,
        budget_duration: "30d",
        rpm_limit: 10,
        tpm_limit: 1000,
        max_parallel_requests: 2,
        model_rpm_limit: { "mock-gpt": 5 },
        duration: "7d",
        metadata: { owner: "billing" },
        tags: ["team:billing"],
      });
      assert.equal(generated.status, 200, JSON.stringify(generated.json));
      const secret = generated.json["key"] as string;
      secrets.push(secret);
      const keyId = generated.json["token"] as string;
      assert.match(secret, /^sk-sb-/);
      assert.equal(generated.json["key_name"], `sk-sb-…${secret.slice(-4)}`);
      assert.deepEqual(generated.json["model_rpm_limit"], { "mock-gpt": 5 });
      assert.equal(generated.json["max_parallel_requests"], 2);
      assert.equal(await chat(secret), 200);

      const info = await call("GET", `/key/info?key=${keyId}`);
      assert.equal((info.json["info"] as Json)["key_alias"], "billing-svc");
      assert.equal(JSON.stringify(info.json).includes(secret), false);
      const own = await call("GET", "/key/info", undefined, secret);
      assert.equal(own.json["key"], keyId);

      const listed = await call("GET", `/key/list?team_id=${teamId}&return_full_object=true`);
      assert.deepEqual(
        (listed.json["keys"] as Json[]).map((key) => key["token"]),
        [keyId],
      );

      // LiteLLM clients name keys by their secret in bodies; that works, and is never echoed back.
      const updated = await call("POST", "/key/update", {
        key: secret,
        key_alias: "billing",
        rpm_limit: null,
        etag: (info.json["info"] as Json)["etag"],
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.json));
      assert.equal(updated.json["key_alias"], "billing");
      assert.equal(updated.json["rpm_limit"], null);
      assert.equal(updated.json["tpm_limit"], 1000);
      const stale = await call("POST", "/key/update", {
        key: keyId,
        key_alias: "x",
        etag: (info.json["info"] as Json)["etag"],
      });
      assert.equal(stale.status, 409);
      assert.equal((stale.json["error"] as Json)["param"], "etag");

      assert.equal((await call("POST", "/key/block", { key: keyId })).json["blocked"], true);
      assert.equal(await chat(secret), 401);
      assert.equal((await call("POST", "/key/unblock", { key: keyId })).json["state"], "active");
      assert.equal(await chat(secret), 200);

      const regenerated = await call("POST", "/key/regenerate", { key: keyId, grace_period: "1h" });
      const newSecret = regenerated.json["key"] as string;
      secrets.push(newSecret);
      assert.notEqual(newSecret, secret);
      assert.equal(await chat(secret), 200);
      assert.equal(await chat(newSecret), 200);

      const deleted = await call("POST", "/key/delete", { keys: [keyId] });
      assert.deepEqual(deleted.json["deleted_keys"], [keyId]);
      assert.equal(await chat(newSecret), 401);
      assert.equal(await chat(secret), 401);

      const teamInfo = await call("GET", `/team/info?team_id=${teamId}`);
      assert.equal((teamInfo.json["team_info"] as Json)["team_alias"], "Platform");
      const teamUpdated = await call("POST", "/team/update", { team_id: teamId, rpm_limit: 200 });
      assert.equal(teamUpdated.json["rpm_limit"], 200);
      await call("POST", "/team/member_add", { team_id: teamId, member: [{ user_id: "dev@example.com" }] });
      const removed = await call("POST", "/team/member_delete", {
        team_id: teamId,
        user_id: "ops@example.com",
      });
      assert.deepEqual(removed.json["members_with_roles"], [{ user_id: "dev@example.com", role: "user" }]);
      const teams = await call("GET", "/team/list");
      assert.ok((teams.json["teams"] as Json[]).some((item) => item["team_id"] === teamId));
      assert.deepEqual((await call("POST", "/team/delete", { team_ids: [teamId] })).json["deleted_teams"], [
        teamId,
      ]);
    });

    it("answers bad input with OpenAI-style JSON naming the field", async () => {
      const cases: [string, string, unknown, number, string][] = [
        ["POST", "/key/generate", { max_budget: -1 }, 400, "max_budget"],
        ["POST", "/key/generate", { rpm_limit: 1.5 }, 400, "rpm_limit"],
        ["POST", "/key/generate", { spend: 100 }, 400, "spend"],
        ["POST", "/key/generate", { key: "sk-sb-chosen-by-client" }, 400, "key"],
        ["POST", "/key/generate", { api_base: "http://evil.example" }, 400, "api_base"],
        ["POST", "/key/generate", { budget_duration: "monthly" }, 400, "budget_duration"],
        ["POST", "/key/generate", { expires: "2001-01-01T00:00:00Z" }, 400, "duration"],
        ["POST", "/key/generate", { soft_budget: 5, max_budget: 1 }, 400, "soft_budget"],
        ["POST", "/key/generate", { team_id: "no-such-team" }, 400, "team_id"],
        ["POST", "/key/update", { key: "key_nope", models: ["x"] }, 404, "key"],
        ["POST", "/team/new", { team_alias: "x", team_member_budget: 5 }, 400, "team_member_budget"],
        ["GET", "/key/list?page_token=forged", undefined, 400, "page_token"],
        // LiteLLM's documented call: a secret in the query is looked up by hash; one matching nothing is a 404.
        ["GET", "/key/info?key=sk-sb-secret-in-url", undefined, 404, "key"],
      ];
      for (const [method, path, body, status, param] of cases) {
        const response = await call(method, path, body);
        assert.equal(
          response.status,
          status,
          `${path} ${JSON.stringify(body)}: ${JSON.stringify(response.json)}`,
        );
        const error = response.json["error"] as Json;
        assert.equal(error["param"], param, JSON.stringify(error));
        assert.equal(typeof error["message"], "string");
        assert.equal(typeof error["type"], "string");
      }
      const notJson = await call("POST", "/key/generate", "{not json");
      assert.equal(notJson.status, 400);
    });

    it("refuses hostile keys with exactly the body of any wrong key", async () => {
      const wrong = await call("GET", "/v1/models", undefined, "sk-sb-wrong-key-0000000000000000000000000");
      assert.equal(wrong.status, 401);
      const hostile = [
        "' OR '1'='1",
        "sk-sb-'; DROP TABLE sb_keys; --",
        "sk-sb-\\u0000",
        `sk-sb-${"A".repeat(8_000)}`,
        MASTER_KEY.slice(0, -1),
      ];
      for (const token of hostile) {
        const response = await call("GET", "/v1/models", undefined, token);
        assert.equal(response.status, 401, token.slice(0, 40));
        assert.deepEqual(response.json, wrong.json);
      }
      const none = await fetch(`${gateway.url}/v1/models`);
      assert.equal(none.status, 401);
      assert.deepEqual(await none.json(), wrong.json);
      // A NUL byte cannot travel in an HTTP header: Node's parser refuses the request before any handler.
      const raw = await new Promise<string>((resolve, reject) => {
        const url = new URL(gateway.url);
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.end(`GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-sb-\u0000abc\r\n\r\n`);
        });
        let data = "";
        socket.on("data", (chunk) => {
          data += chunk.toString("latin1");
        });
        socket.on("end", () => resolve(data));
        socket.on("error", reject);
      });
      assert.match(raw, /^HTTP\/1\.1 400/);
      // The tables are intact.
      assert.equal((await call("GET", "/key/list")).status, 200);
    });

    it("leaves no secret in any log line, response body or stored row", async () => {
      // Plant canaries where a secret can enter: headers, bodies, a failed lookup by secret, a wrong key.
      const { json } = await call("POST", "/key/generate", { key_alias: "canary" });
      const canary = json["key"] as string;
      secrets.push(canary);
      await chat(canary);
      await call("POST", "/key/update", { key: canary, tags: ["t"] });
      await call("POST", "/key/block", { key: `${canary.slice(0, -2)}zz` });
      await call("GET", "/v1/models", undefined, `${canary}x`);
      await call("POST", "/key/regenerate", { key: canary, grace_period: "1m" }).then((response) => {
        secrets.push(response.json["key"] as string);
      });
      const rows: unknown[] = [];
      const db = gateway.keys.database.db;
      rows.push(
        await db.selectFrom("sb_keys").selectAll().execute(),
        await db.selectFrom("sb_key_secrets").selectAll().execute(),
        await db.selectFrom("sb_teams").selectAll().execute(),
        await db.selectFrom("sb_team_members").selectAll().execute(),
      );
      const stored = JSON.stringify(rows);
      const logs = logLines.join("");
      assert.ok(logLines.length > 10, "the gateway logged requests");
      const found: string[] = [];
      for (const secret of secrets) {
        const needles = [secret, secret.slice(6, -4)];
        for (const needle of needles) {
          if (logs.includes(needle)) found.push(`log: ${needle.slice(0, 10)}…`);
          if (stored.includes(needle)) found.push(`row: ${needle.slice(0, 10)}…`);
          // Responses may carry a secret only where it is issued (generate/regenerate); count those out.
          const leaks = bodies.filter((body) => body.includes(needle) && !/"key":"sk-sb-/.test(body));
          if (leaks.length > 0) found.push(`body: ${needle.slice(0, 10)}…`);
        }
      }
      assert.deepEqual(found, [], "canary secrets found in a sink");
    });
  });
}
