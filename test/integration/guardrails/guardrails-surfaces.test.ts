import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { createSwitchboardClient, ErrorDetailSchema, Role } from "../../../clients/typescript/src/index.js";
import { buildGuardrails, type RawGuardrailEntry } from "../../../src/config/guardrail-config.js";
import { createGuardrails } from "../../../src/guardrails/guardrail-engine.js";
import { type FakeOpenAIUpstream, startFakeOpenAI } from "../../helpers/fake-openai-upstream.js";
import { deployment } from "../../helpers/gateway.js";
import {
  createKey,
  MASTER_KEY,
  mockDeployments,
  startUsageGateway,
  type UsageGateway,
} from "../../helpers/usage-gateway.js";

// Guardrails on every surface that goes through ChatGateway: /v1/chat/completions, /v1/messages, /v1/responses
// and the Chat RPC, with real virtual keys (metadata.guardrails) and the real ledger (SQLite).

const EMAIL = "jane.doe@example.com";
const SECRET = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z";

const ENTRIES = [
  { guardrail_name: "pii-mask", litellm_params: { guardrail: "pii", mode: "pre_call" } },
  { guardrail_name: "pii-out", litellm_params: { guardrail: "pii", mode: "post_call" } },
  {
    guardrail_name: "secrets",
    litellm_params: { guardrail: "secret_detection", mode: "pre_call", default_on: true },
  },
  { guardrail_name: "schema", litellm_params: { guardrail: "json_schema", mode: "post_call" } },
];

describe("guardrails over REST and RPC", () => {
  let upstream: FakeOpenAIUpstream;
  let gateway: UsageGateway;
  let maskedKey: string;

  const post = (path: string, body: unknown, key = MASTER_KEY, extra: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...extra },
      body: JSON.stringify(body),
    });

  before(async () => {
    upstream = await startFakeOpenAI();
    const problems: string[] = [];
    const configs = buildGuardrails(ENTRIES as unknown as RawGuardrailEntry[], "/tmp", problems);
    assert.deepEqual(problems, []);
    gateway = await startUsageGateway({
      database: "sqlite",
      deployments: [
        ...mockDeployments(),
        deployment("fixture/*", "openai", "*", {
          apiBase: upstream.baseUrl,
          apiKey: "sk-upstream-canary-123456",
        }),
      ],
      app: { guardrails: await createGuardrails(configs) },
    });
    maskedKey = (await createKey(gateway.url, { metadata: { guardrails: ["pii-mask"] } })).key;
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("a key's guardrail masks the prompt before it goes upstream (chat completions)", async () => {
    const response = await post(
      "/v1/chat/completions",
      { model: "mock/echo", messages: [{ role: "user", content: `write to ${EMAIL}` }] },
      maskedKey,
    );
    assert.equal(response.status, 200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, "write to <EMAIL_ADDRESS>");
  });

  it("the key's guardrail cannot be turned off by the request", async () => {
    const response = await post(
      "/v1/chat/completions",
      { model: "mock/echo", messages: [{ role: "user", content: EMAIL }], guardrails: { "pii-mask": false } },
      maskedKey,
    );
    assert.equal(response.status, 403);
    const body = (await response.json()) as { error: { param: string; message: string } };
    assert.equal(body.error.param, "guardrails");
    assert.match(body.error.message, /pii-mask/);
  });

  it("a blocked request is a 400 guardrail_violation naming the guardrail, never the secret, and is in the ledger", async () => {
    const response = await post("/v1/chat/completions", {
      model: "mock/echo",
      messages: [{ role: "user", content: `my key is ${SECRET}` }],
    });
    assert.equal(response.status, 400);
    const text = await response.text();
    assert.ok(!text.includes("Ab3dEf6h"), text);
    const body = JSON.parse(text) as { error: { code: string; message: string; type: string } };
    assert.equal(body.error.code, "guardrail_violation");
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, /'secrets'/);
    const requestId = response.headers.get("x-request-id") ?? "";
    await gateway.usage.ledger.flush();
    let rows = (await gateway.usage.store.query({}, undefined, 1000)).filter(
      (row) => row.requestId === requestId,
    );
    for (let round = 0; round < 40 && rows.length === 0; round++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      await gateway.usage.ledger.flush();
      rows = (await gateway.usage.store.query({}, undefined, 1000)).filter(
        (row) => row.requestId === requestId,
      );
    }
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.status, "guardrail_violation");
    assert.equal(rows[0]?.deployment, "secrets");
    assert.equal(rows[0]?.provider, "guardrail");
    assert.equal(rows[0]?.totalTokens, 0);
    assert.ok(!JSON.stringify(rows).includes("Ab3dEf6h"));
  });

  it("post_call masks a stream whose card number arrives split over four chunks", async () => {
    const response = await post("/v1/chat/completions", {
      model: "mock/echo",
      stream: true,
      guardrails: ["pii-out"],
      messages: [{ role: "user", content: "card 4111 1111 1111 1111 thanks" }],
    });
    assert.equal(response.status, 200);
    const sse = await response.text();
    let content = "";
    let chunks = 0;
    for (const line of sse.split("\n")) {
      if (!line.startsWith("data: {")) continue;
      const delta = (JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]
        ?.delta;
      if (delta?.content !== undefined) {
        content += delta.content;
        chunks++;
      }
    }
    assert.equal(content, "card <CREDIT_CARD> thanks");
    assert.ok(!sse.includes("4111"));
    // The short answer was held whole (it is under the 256-character hold) and released at its finish.
    assert.ok(chunks >= 1);
  });

  it("the guardrails field is not forwarded upstream, and the upstream sees the masked prompt", async () => {
    const response = await post("/v1/chat/completions", {
      model: "fixture/chat-basic",
      guardrails: ["pii-mask"],
      messages: [{ role: "user", content: `mail ${EMAIL}` }],
    });
    assert.equal(response.status, 200);
    const sent = upstream.requests.at(-1);
    assert.equal(sent?.body["guardrails"], undefined);
    assert.ok(!JSON.stringify(sent?.body).includes(EMAIL));
    assert.match(JSON.stringify(sent?.body), /<EMAIL_ADDRESS>/);
  });

  it("an unknown guardrail in the request is a 400 naming the field", async () => {
    const response = await post("/v1/chat/completions", {
      model: "mock/echo",
      guardrails: ["no-such-guardrail"],
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { param: string } }).error.param, "guardrails");
  });

  it("JSON-schema validation of structured output blocks an answer that does not match", async () => {
    const response = await post("/v1/chat/completions", {
      model: "mock/echo",
      guardrails: ["schema"],
      messages: [{ role: "user", content: "not json at all" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "x",
          schema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
        },
      },
    });
    // The mock answers with an instance of the schema: it passes.
    assert.equal(response.status, 200, await response.clone().text());
    const echo = await post("/v1/chat/completions", {
      model: "mock/echo",
      guardrails: ["schema"],
      messages: [{ role: "user", content: "plain text" }],
      response_format: { type: "json_object" },
    });
    // json_object carries no schema: nothing to check against.
    assert.equal(echo.status, 200);
  });

  it("applies on /v1/messages (Anthropic error shape) and /v1/responses", async () => {
    const messages = await post(
      "/v1/messages",
      { model: "mock/echo", max_tokens: 50, messages: [{ role: "user", content: `key ${SECRET}` }] },
      MASTER_KEY,
      { "anthropic-version": "2023-06-01" },
    );
    assert.equal(messages.status, 400);
    const error = (await messages.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(error.error.type, "invalid_request_error");
    assert.match(error.error.message, /guardrail 'secrets'/);
    const masked = await post(
      "/v1/messages",
      {
        model: "mock/echo",
        max_tokens: 50,
        messages: [{ role: "user", content: `to ${EMAIL}` }],
        guardrails: ["pii-mask"],
      },
      MASTER_KEY,
      { "anthropic-version": "2023-06-01" },
    );
    assert.equal(masked.status, 200);
    assert.match(JSON.stringify(await masked.json()), /to <EMAIL_ADDRESS>/);
    const responses = await post("/v1/responses", {
      model: "mock/echo",
      input: `to ${EMAIL}`,
      guardrails: ["pii-mask"],
      store: false,
    });
    assert.equal(responses.status, 200);
    const output = JSON.stringify(await responses.json());
    assert.ok(!output.includes(EMAIL));
    assert.match(output, /<EMAIL_ADDRESS>/);
  });

  it("over RPC: a block is FailedPrecondition with kind guardrail_violation; the key's masking applies", async () => {
    const user = (text: string) => ({
      role: Role.USER,
      content: [{ part: { case: "text" as const, value: text } }],
    });
    const master = createSwitchboardClient({
      baseUrl: gateway.url,
      apiKey: MASTER_KEY,
      protocol: "connect",
    }).chat;
    await assert.rejects(
      master.complete({ request: { model: "mock/echo", messages: [user(`key ${SECRET}`)] } }),
      (error: unknown) => {
        assert.ok(error instanceof ConnectError);
        assert.equal(error.code, Code.FailedPrecondition);
        assert.equal(error.findDetails(ErrorDetailSchema)[0]?.kind, "guardrail_violation");
        assert.ok(!error.message.includes("Ab3dEf6h"));
        return true;
      },
    );
    const keyed = createSwitchboardClient({ baseUrl: gateway.url, apiKey: maskedKey, protocol: "grpc" }).chat;
    const answer = await keyed.complete({ request: { model: "mock/echo", messages: [user(`to ${EMAIL}`)] } });
    assert.equal(answer.choices[0]?.content, "to <EMAIL_ADDRESS>");
  });

  it("a team admin cannot lift the guardrails an admin set on a key of its team", async () => {
    const team = await post("/team/new", { team_id: "team-guard" });
    assert.equal(team.status, 200, await team.clone().text());
    const teamAdmin = await createKey(gateway.url, { team_id: "team-guard", role: "team_admin" });
    const member = await createKey(gateway.url, {
      team_id: "team-guard",
      metadata: { guardrails: ["pii-mask"] },
    });
    const lifted = await post("/key/update", { key: member.keyId, metadata: {} }, teamAdmin.key);
    assert.equal(lifted.status, 403, await lifted.clone().text());
    assert.match(await lifted.text(), /guardrails/);
    const relabelled = await post(
      "/key/update",
      { key: member.keyId, metadata: { guardrails: ["pii-mask"], owner: "ops" } },
      teamAdmin.key,
    );
    assert.equal(relabelled.status, 200, await relabelled.clone().text());
    const byAdmin = await post("/key/update", { key: member.keyId, metadata: {} });
    assert.equal(byAdmin.status, 200);
  });

  it("malformed metadata.guardrails is refused at key creation", async () => {
    const bad = await post("/key/generate", { metadata: { guardrails: "pii-mask" } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /metadata.guardrails/);
  });
});
