import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  chat,
  createKey,
  MASTER_KEY,
  startUsageGateway,
  type UsageGateway,
} from "../../helpers/usage-gateway.js";

/**
 * Issue 11: a team admin reading another team's `/spend/logs?api_key=…` got 200 with 0 rows where docs/usage.md
 * promises PermissionDenied (403). A key outside the caller's team is refused on REST and on the Usage service.
 */
describe("guards: a team admin may name only its own team's keys in usage reads", () => {
  let gateway: UsageGateway;
  let teamAdmin: string;
  let ownKeyId: string;
  let otherKeyId: string;

  async function team(alias: string): Promise<string> {
    const response = await fetch(`${gateway.url}/team/new`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ team_alias: alias, models: ["mock-gpt", "mock/*"] }),
    });
    const body = (await response.json()) as { team_id: string };
    assert.equal(response.status, 200);
    return body.team_id;
  }

  before(async () => {
    gateway = await startUsageGateway({ database: "sqlite" });
    const teamA = await team("A");
    const teamB = await team("B");
    teamAdmin = (await createKey(gateway.url, { team_id: teamA, role: "team_admin", key_alias: "a-admin" }))
      .key;
    const own = await createKey(gateway.url, { team_id: teamA, key_alias: "a-user" });
    const other = await createKey(gateway.url, { team_id: teamB, key_alias: "b-user" });
    ownKeyId = own.keyId;
    otherKeyId = other.keyId;
    for (const key of [own.key, other.key]) {
      const result = await chat(gateway.url, key, {
        model: "mock-gpt",
        messages: [{ role: "user", content: "hi" }],
      });
      assert.equal(result.status, 200, result.text);
    }
  });

  after(async () => {
    await gateway?.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${gateway.url}${path}`, {
      headers: { authorization: `Bearer ${teamAdmin}` },
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it("REST: another team's key (or an unknown one) is 403 with an OpenAI error, on logs and reports", async () => {
    for (const path of [
      `/spend/logs?api_key=${otherKeyId}`,
      `/spend/logs?key_id=${otherKeyId}`,
      `/global/spend/report?group_by=model&api_key=${otherKeyId}`,
      "/spend/logs?api_key=key_that_does_not_exist",
    ]) {
      const { status, body } = await get(path);
      assert.equal(status, 403, path);
      const error = (body as { error: Record<string, unknown> }).error;
      assert.equal(typeof error["message"], "string");
      assert.ok("type" in error && "param" in error && "code" in error, `OpenAI error shape for ${path}`);
      assert.equal(error["param"], "key_id");
    }
  });

  it("REST: a key of the team admin's own team is readable", async () => {
    const { status, body } = await get(`/spend/logs?api_key=${ownKeyId}`);
    assert.equal(status, 200);
    assert.ok(Array.isArray(body) && body.length >= 1, "the team's key has rows");
    const report = await get(`/global/spend/report?group_by=model&api_key=${ownKeyId}`);
    assert.equal(report.status, 200);
  });

  it("Connect: QueryUsage and SummarizeUsage naming another team's key are PermissionDenied", async () => {
    const rpc = (method: string, body: unknown) =>
      fetch(`${gateway.url}/switchboard.v1.UsageService/${method}`, {
        method: "POST",
        headers: { authorization: `Bearer ${teamAdmin}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    for (const method of ["QueryUsage", "SummarizeUsage"]) {
      const denied = await rpc(method, { filter: { keyId: otherKeyId } });
      assert.equal(denied.status, 403, method);
      assert.equal(((await denied.json()) as { code: string }).code, "permission_denied");
      const allowed = await rpc(method, { filter: { keyId: ownKeyId } });
      assert.equal(allowed.status, 200, method);
    }
  });
});
