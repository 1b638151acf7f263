import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deployment } from "../../helpers/gateway.js";
import { createKey, MASTER_KEY, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

/**
 * LiteLLM's `GET /model/info` and `/v2/model/info` (issue #15): the deployments in LiteLLM's shape, to admins
 * only, and never a credential — not the api_key, not extra headers, not provider credentials in
 * `litellm_params`, not user info or a query string hidden in `api_base`.
 */

const CANARY_KEY = "sk-canary-model-info-0123456789abcdef";
const CANARY_PASSWORD = "canary-password-4f2a9c";
const CANARY_QUERY = "canary-query-token-77b1";
const CANARY_HEADER = "canary-header-value-9d3e";
const CANARY_AWS = "canary-aws-secret-1a2b3c";
const CANARIES = [CANARY_KEY, CANARY_PASSWORD, CANARY_QUERY, CANARY_HEADER, CANARY_AWS];

type Json = Record<string, unknown>;

describe("GET /model/info and /v2/model/info", () => {
  let gateway: UsageGateway;
  before(async () => {
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        {
          ...deployment("mock-gpt", "mock", "fixed", {
            apiKey: CANARY_KEY,
            apiBase: `https://proxy-user:${CANARY_PASSWORD}@llm.example.com/v1?key=${CANARY_QUERY}`,
            apiVersion: "2024-10-21",
            extraHeaders: { "x-api-key": CANARY_HEADER },
            rpm: 60,
            timeoutMs: 30_000,
            extra: { aws_secret_access_key: CANARY_AWS },
          }),
          info: { id: "mock-gpt#mock", maxOutputTokens: 4096, inputCostPerToken: 1e-6, extra: {} },
        },
        deployment("mock/*", "mock", "*"),
      ],
    });
  });
  after(async () => gateway?.close());

  async function get(
    path: string,
    token = MASTER_KEY,
  ): Promise<{ status: number; json: Json; text: string }> {
    const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text) as Json, text };
  }

  it("lists every deployment in LiteLLM's shape, with no credential anywhere in the body", async () => {
    for (const path of ["/model/info", "/v2/model/info"]) {
      const listed = await get(path);
      assert.equal(listed.status, 200, listed.text);
      const data = listed.json["data"] as Json[];
      assert.deepEqual(
        data.map((entry) => entry["model_name"]),
        ["mock-gpt", "mock/*"],
      );
      const first = data[0] as { litellm_params: Json; model_info: Json };
      assert.deepEqual(first.litellm_params, {
        model: "mock/fixed",
        custom_llm_provider: "mock",
        api_base: "https://llm.example.com/v1",
        api_version: "2024-10-21",
        rpm: 60,
        timeout: 30,
      });
      assert.deepEqual(first.model_info, {
        id: "mock-gpt#mock",
        db_model: false,
        max_output_tokens: 4096,
        input_cost_per_token: 1e-6,
      });
      for (const canary of CANARIES) assert.ok(!listed.text.includes(canary), `${path} leaks ${canary}`);
      assert.ok(!listed.text.includes("proxy-user"), "no user info from api_base");
    }
  });

  it("filters by deployment id and model name, and refuses a malformed filter naming it", async () => {
    const byId = await get(`/model/info?litellm_model_id=${encodeURIComponent("mock/*#mock")}`);
    assert.deepEqual(
      (byId.json["data"] as Json[]).map((entry) => entry["model_name"]),
      ["mock/*"],
    );
    const byName = await get("/v2/model/info?model=mock-gpt");
    assert.equal((byName.json["data"] as Json[]).length, 1);
    const none = await get("/model/info?model=no-such-model");
    assert.deepEqual(none.json["data"], []);
    const bad = await get(`/model/info?litellm_model_id=${encodeURIComponent("a b\u0000")}`);
    assert.equal(bad.status, 400);
    assert.equal((bad.json["error"] as Json)["param"], "litellm_model_id");
  });

  it("is refused to a key that is not an admin's, and to no key at all", async () => {
    const user = await createKey(gateway.url, {});
    for (const path of ["/model/info", "/v2/model/info"]) {
      const refused = await get(path, user.key);
      assert.equal(refused.status, 403, refused.text);
      for (const canary of CANARIES) assert.ok(!refused.text.includes(canary));
      const anonymous = await fetch(`${gateway.url}${path}`);
      assert.equal(anonymous.status, 401);
    }
  });
});
