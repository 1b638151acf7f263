import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createLogger } from "../../../src/logging/logger.js";
import { chat, MASTER_KEY, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

// LiteLLM's admin scripts send these fields to /key/generate and /key/update (docs.litellm.ai, virtual keys):
// each one is implemented, accepted and inert with a warning, or refused naming the field (issue #15).
const INERT_KEY_FIELDS: Record<string, unknown> = {
  aliases: { "my-gpt": "mock-gpt" },
  config: { temperature: 0.2 },
  permissions: { pii_masking: true },
  allowed_cache_controls: ["no-cache"],
  enforced_params: ["user"],
  send_invite_email: true,
  organization_id: "org-1",
  object_permission: { mcp_servers: ["a"] },
  prompts: ["p1"],
  router_settings: { num_retries: 2 },
  access_group_ids: ["g1"],
  allowed_passthrough_routes: ["/x"],
  rpm_limit_type: "guaranteed_throughput",
  tpm_limit_type: "best_effort_throughput",
  auto_rotate: true,
  rotation_interval: "30d",
  temp_budget_increase: 10,
  temp_budget_expiry: "2030-01-01T00:00:00Z",
};

const REFUSED_KEY_FIELDS: Record<string, unknown> = {
  allowed_routes: ["/chat/completions"],
  guardrails: ["pii-mask"],
  budget_id: "budget-1",
  spend: 5,
  key: "sk-chosen-by-the-caller-0000000000",
};

let lines: string[] = [];

async function admin(
  gateway: UsageGateway,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  bearer = MASTER_KEY,
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown>, text };
}

describe("LiteLLM admin fields on /key/* and /team/* (issue #15)", () => {
  let gateway: UsageGateway;
  before(async () => {
    gateway = await startUsageGateway({
      database: "sqlite",
      app: { logger: createLogger("info", { write: (line: string) => lines.push(line) }) },
    });
  });
  after(async () => {
    await gateway.close();
  });

  it("/key/generate accepts every LiteLLM field: implemented ones work, inert ones warn", async () => {
    const created = await admin(gateway, "POST", "/key/generate", {
      key_alias: "litellm-script",
      duration: null,
      models: ["mock-gpt"],
      max_budget: 10,
      budget_duration: "30d",
      soft_budget: 5,
      tpm_limit: 100_000,
      rpm_limit: 100,
      max_parallel_requests: 5,
      model_max_budget: { "mock-gpt": { budget_limit: 1, time_period: "1d" } },
      model_rpm_limit: { "mock-gpt": 50 },
      model_tpm_limit: { "mock-gpt": 50_000 },
      metadata: { owner: "data-team" },
      tags: ["prod"],
      blocked: false,
      key_type: "llm_api",
      // Empty values of refused fields restrict nothing: accepted.
      allowed_routes: [],
      guardrails: [],
      spend: 0,
      ...INERT_KEY_FIELDS,
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json["key_alias"], "litellm-script");
    assert.equal(created.json["expires"], null);
    assert.equal(created.json["max_budget"], 10);
    assert.deepEqual(created.json["model_rpm_limit"], { "mock-gpt": 50 });
    const warnings = created.json["warnings"] as string[];
    for (const field of Object.keys(INERT_KEY_FIELDS)) {
      assert.ok(
        warnings.some((warning) => warning.startsWith(`'${field}'`)),
        `a warning names ${field}: ${warnings.join(" | ")}`,
      );
    }
    assert.equal(warnings.length, Object.keys(INERT_KEY_FIELDS).length);
    const answer = await chat(gateway.url, created.json["key"] as string, {
      model: "mock-gpt",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(answer.status, 200, answer.text);
  });

  it("refuses, naming the field, what would restrict nothing if accepted", async () => {
    for (const [field, fieldValue] of Object.entries(REFUSED_KEY_FIELDS)) {
      const refused = await admin(gateway, "POST", "/key/generate", { [field]: fieldValue });
      assert.equal(refused.status, 400, `${field}: ${refused.text}`);
      const error = refused.json["error"] as { param: string; message: string };
      assert.equal(error.param, field);
      assert.match(error.message, new RegExp(`'${field}' is not supported here`));
      assert.ok(!refused.text.includes("sk-chosen-by-the-caller"), "a caller's secret is never echoed");
    }
    const management = await admin(gateway, "POST", "/key/generate", { key_type: "management" });
    assert.equal(management.status, 400);
    assert.equal((management.json["error"] as { param: string }).param, "key_type");
    const unknown = await admin(gateway, "POST", "/key/generate", { not_a_litellm_field: 1 });
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json["error"] as { param: string }).param, "not_a_litellm_field");
  });

  it("key_type read_only makes a viewer key; blocked on generate and update blocks and unblocks", async () => {
    const viewer = await admin(gateway, "POST", "/key/generate", { key_type: "read_only" });
    assert.equal(viewer.json["role"], "viewer");
    const blocked = await admin(gateway, "POST", "/key/generate", { blocked: true, duration: "1h" });
    assert.equal(blocked.status, 200, blocked.text);
    assert.equal(blocked.json["blocked"], true);
    assert.ok(typeof blocked.json["expires"] === "string");
    const secret = blocked.json["key"] as string;
    const request = { model: "mock-gpt", messages: [{ role: "user", content: "hi" }] };
    const refused = await chat(gateway.url, secret, request);
    assert.ok(refused.status === 401 || refused.status === 403, refused.text);
    const unblocked = await admin(gateway, "POST", "/key/update", { key: secret, blocked: false });
    assert.equal(unblocked.status, 200, unblocked.text);
    assert.equal(unblocked.json["blocked"], false);
    // Unblocking propagates through the key cache's invalidation; retry for the propagation window.
    let status = 0;
    for (let round = 0; round < 50 && status !== 200; round++) {
      status = (await chat(gateway.url, secret, request)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, 200);
    const updated = await admin(gateway, "POST", "/key/update", {
      key: secret,
      duration: null,
      aliases: { a: "mock-gpt" },
      guardrails: ["x"],
    });
    assert.equal(updated.status, 400);
    assert.equal((updated.json["error"] as { param: string }).param, "guardrails");
  });

  it("20 concurrent /key/generate with LiteLLM's fields each get their own key", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        admin(gateway, "POST", "/key/generate", {
          key_alias: `batch-${index}`,
          max_budget: 1,
          aliases: { fast: "mock-gpt" },
          send_invite_email: false,
          metadata: { index },
        }),
      ),
    );
    assert.deepEqual(
      results.map((result) => result.status),
      results.map(() => 200),
    );
    assert.equal(new Set(results.map((result) => result.json["key"])).size, 20);
    assert.equal(new Set(results.map((result) => result.json["token"])).size, 20);
  });

  it("nothing created exceeds its creator: a team admin's LiteLLM-shaped key stays within its team", async () => {
    const team = await admin(gateway, "POST", "/team/new", {
      team_alias: "small",
      max_budget: 1,
      models: ["mock-gpt"],
      model_aliases: { fast: "mock-gpt" },
    });
    assert.equal(team.status, 200, team.text);
    assert.ok((team.json["warnings"] as string[]).some((warning) => warning.startsWith("'model_aliases'")));
    const teamId = team.json["team_id"] as string;
    const teamAdmin = await admin(gateway, "POST", "/key/generate", { team_id: teamId, role: "team_admin" });
    assert.equal(teamAdmin.status, 200, teamAdmin.text);
    const bearer = teamAdmin.json["key"] as string;
    const overBudget = await admin(
      gateway,
      "POST",
      "/key/generate",
      { max_budget: 50, aliases: { fast: "mock-gpt" }, send_invite_email: true },
      bearer,
    );
    assert.ok(overBudget.status >= 400 && overBudget.status < 500, overBudget.text);
    const otherModel = await admin(gateway, "POST", "/key/generate", { models: ["mock/echo"] }, bearer);
    assert.ok(otherModel.status >= 400 && otherModel.status < 500, otherModel.text);
    const management = await admin(gateway, "POST", "/key/generate", { key_type: "management" }, bearer);
    assert.equal(management.status, 400);
    const within = await admin(gateway, "POST", "/key/generate", { max_budget: 0.5, tags: ["x"] }, bearer);
    assert.equal(within.status, 200, within.text);
    for (const [field, fieldValue] of Object.entries({
      team_member_budget: 5,
      team_member_rpm_limit: 10,
      blocked: true,
      guardrails: ["g"],
    })) {
      const refused = await admin(gateway, "POST", "/team/update", { team_id: teamId, [field]: fieldValue });
      assert.equal(refused.status, 400, `${field}: ${refused.text}`);
      assert.equal((refused.json["error"] as { param: string }).param, field);
    }
    const updated = await admin(gateway, "POST", "/team/update", {
      team_id: teamId,
      max_budget: 2,
      blocked: false,
      organization_id: "org",
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json["max_budget"], 2);
    assert.ok(
      (updated.json["warnings"] as string[]).some((warning) => warning.startsWith("'organization_id'")),
    );
  });

  it("GET /key/info?key=sk-… (LiteLLM's call) looks the key up by hash; the secret reaches no log line", async () => {
    const created = await admin(gateway, "POST", "/key/generate", { key_alias: "by-secret", max_budget: 3 });
    const secret = created.json["key"] as string;
    lines = [];
    const bySecret = await admin(gateway, "GET", `/key/info?key=${encodeURIComponent(secret)}`);
    assert.equal(bySecret.status, 200, bySecret.text);
    const info = bySecret.json["info"] as Record<string, unknown>;
    assert.equal(info["key_id"], created.json["token"]);
    assert.equal(info["max_budget"], 3);
    assert.ok(!bySecret.text.includes(secret), "the response never echoes the secret");
    // The key itself may ask about itself by its own secret.
    const own = await admin(gateway, "GET", `/key/info?key=${encodeURIComponent(secret)}`, undefined, secret);
    assert.equal(own.status, 200, own.text);
    // By id (token), as before.
    const byId = await admin(gateway, "GET", `/key/info?key=${created.json["token"] as string}`);
    assert.equal(byId.status, 200);
    // A secret that matches nothing: 404, never echoed.
    const forged = `sk-sb-${"f".repeat(43)}`;
    const missing = await admin(gateway, "GET", `/key/info?key=${forged}`);
    assert.equal(missing.status, 404, missing.text);
    assert.ok(!missing.text.includes(forged));
    // Another key's secret does not let a user key read it.
    const other = await admin(gateway, "POST", "/key/generate", {});
    const denied = await admin(
      gateway,
      "GET",
      `/key/info?key=${encodeURIComponent(secret)}`,
      undefined,
      other.json["key"] as string,
    );
    assert.ok(denied.status === 403 || denied.status === 404, denied.text);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logged = lines.join("\n");
    assert.ok(
      lines.some((line) => line.includes('"route":"/key/info"')),
      "the access log has the route",
    );
    for (const planted of [secret, forged, secret.slice(3, 30)])
      assert.ok(!logged.includes(planted), "no secret in any log line");
  });
  it("/team/info carries the team's spend from the ledger, equal to its keys' spend", async () => {
    const team = await admin(gateway, "POST", "/team/new", { team_alias: "spenders", max_budget: 1 });
    const teamId = team.json["team_id"] as string;
    const first = await admin(gateway, "POST", "/key/generate", { team_id: teamId });
    const second = await admin(gateway, "POST", "/key/generate", { team_id: teamId });
    const request = { model: "mock-gpt", messages: [{ role: "user", content: "hi" }] };
    for (const key of [first.json["key"], second.json["key"], first.json["key"]]) {
      const answer = await chat(gateway.url, key as string, request);
      assert.equal(answer.status, 200, answer.text);
    }
    const keySpend = async (token: unknown) => {
      const info = await admin(gateway, "GET", `/key/info?key=${token as string}`);
      return (info.json["info"] as { spend: number }).spend;
    };
    type TeamInfo = { spend: number; total_spend: number; remaining_budget: number };
    // The ledger is written off the request path: read until all three rows are in (three requests' spend).
    let keysTotal = 0;
    let teamInfo: TeamInfo = { spend: 0, total_spend: 0, remaining_budget: 0 };
    for (let round = 0; round < 100; round++) {
      keysTotal = (await keySpend(first.json["token"])) + (await keySpend(second.json["token"]));
      const info = await admin(gateway, "GET", `/team/info?team_id=${teamId}`);
      assert.equal(info.status, 200, info.text);
      teamInfo = info.json["team_info"] as TeamInfo;
      const again = (await keySpend(first.json["token"])) + (await keySpend(second.json["token"]));
      if (again === keysTotal && Math.abs(teamInfo.spend - keysTotal) < 1e-9) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(teamInfo.spend > 0);
    assert.ok(Math.abs(teamInfo.spend - keysTotal) < 1e-9, `team ${teamInfo.spend} vs keys ${keysTotal}`);
    assert.ok(Math.abs(teamInfo.remaining_budget - (1 - teamInfo.spend)) < 1e-9);
  });
});
