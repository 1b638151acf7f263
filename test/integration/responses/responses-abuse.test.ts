/**
 * The Responses surface against hostile and careless callers, with virtual keys, metering and the ledger as
 * main.ts wires them, and the response store on SQLite and on PostgreSQL: bad input is a 400 naming the field in
 * OpenAI's error shape; a key limited to one model cannot reach another; another key cannot read, list, delete or
 * continue a stored response; a token limit beyond the budget is refused; egress fields are refused; usage and
 * cost in the ledger equal those of chat for the same tokens.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SqlResponseStore } from "../../../src/responses/sql-response-store.js";
import { type GatewayDatabase, openDatabase } from "../../../src/store/database.js";
import { postgresSkip } from "../../helpers/keys-gateway.js";
import {
  chat,
  createKey,
  MASTER_KEY,
  POSTGRES_URL,
  startUsageGateway,
  type UsageGateway,
  uniqueName,
} from "../../helpers/usage-gateway.js";

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: Record<string, unknown>,
): Promise<Reply> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

function errorOf(reply: Reply): { message: string; type: string; param: string | null; code: string | null } {
  const error = reply.body["error"] as {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
  assert.ok(error !== undefined, JSON.stringify(reply.body));
  assert.deepEqual(Object.keys(error).sort(), ["code", "message", "param", "type"]);
  return error;
}

async function withGateway(
  database: "sqlite" | "postgres",
  run: (gateway: UsageGateway) => Promise<void>,
): Promise<void> {
  const schema = database === "postgres" ? uniqueName("responses") : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "switchboard-responses-"));
  let storeDatabase: GatewayDatabase | undefined;
  storeDatabase = await openDatabase(
    database === "postgres"
      ? { url: POSTGRES_URL, postgresSchema: schema }
      : { sqlitePath: join(dataDir, "responses.sqlite") },
  );
  const gateway = await startUsageGateway({
    database,
    ...(schema !== undefined ? { postgresSchema: schema } : {}),
    dataDir,
    app: { responses: { store: new SqlResponseStore(storeDatabase.db) } },
  });
  try {
    await run(gateway);
  } finally {
    await gateway.close();
    await storeDatabase.close();
    storeDatabase = undefined;
  }
}

const BAD_INPUT: { name: string; body: Record<string, unknown>; param: string }[] = [
  { name: "an egress field at the top level", body: { api_base: "http://evil.example" }, param: "api_base" },
  { name: "an unknown field", body: { frobnicate: true }, param: "frobnicate" },
  { name: "input of the wrong type", body: { input: 42 }, param: "input" },
  {
    name: "an item type the gateway does not model",
    body: { input: [{ type: "item_reference", id: "msg_1" }] },
    param: "input[0].type",
  },
  {
    name: "an unknown content part",
    body: { input: [{ role: "user", content: [{ type: "input_video", url: "x" }] }] },
    param: "input[0].content[0].type",
  },
  {
    name: "an egress field inside an item",
    body: { input: [{ role: "user", content: "hi", base_url: "http://evil.example" }] },
    param: "input[0].base_url",
  },
  {
    name: "a hosted tool",
    body: { tools: [{ type: "web_search" }] },
    param: "tools[0].type",
  },
  {
    name: "a hosted tool choice",
    body: { tool_choice: { type: "file_search" } },
    param: "tool_choice.type",
  },
  {
    name: "an image by file id",
    body: { input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] },
    param: "input[0].content[0].file_id",
  },
  { name: "a bad format type", body: { text: { format: { type: "yaml" } } }, param: "text.format.type" },
  { name: "a negative token limit", body: { max_output_tokens: -1 }, param: "max_output_tokens" },
  { name: "a token limit over the cap", body: { max_output_tokens: 1e12 }, param: "max_output_tokens" },
  { name: "a bad reasoning effort", body: { reasoning: { effort: "extreme" } }, param: "reasoning.effort" },
  { name: "background mode", body: { background: true }, param: "background" },
  { name: "an unknown include", body: { include: ["file_search_call.results"] }, param: "include[0]" },
  {
    name: "a function_call_output without call_id",
    body: { input: [{ type: "function_call_output", output: "x" }] },
    param: "input[0].call_id",
  },
  { name: "no input at all", body: { input: [] }, param: "input" },
];

for (const database of ["sqlite", "postgres"] as const) {
  describe(`Responses abuse and state (${database})`, async () => {
    const skip = database === "postgres" ? await postgresSkip() : false;

    it("bad input is a 400 naming the field, in OpenAI's error shape", { skip }, async () => {
      await withGateway(database, async (gateway) => {
        for (const { name, body, param } of BAD_INPUT) {
          const reply = await call(gateway.url, MASTER_KEY, "POST", "/v1/responses", {
            model: "mock-gpt",
            input: "hi",
            ...body,
          });
          assert.equal(reply.status, 400, `${name}: ${JSON.stringify(reply.body)}`);
          const error = errorOf(reply);
          assert.equal(error.param, param, `${name}: ${error.message}`);
          assert.equal(error.type, "invalid_request_error");
          assert.ok(!error.message.includes("evil.example") || param.includes("base"), name);
        }
        const notJson = await fetch(`${gateway.url}/v1/responses`, {
          method: "POST",
          headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
          body: "{not json",
        });
        assert.equal(notJson.status, 400);
      });
    });

    it("keys: model lists, stored responses scoped to their key, budgets", { skip }, async () => {
      await withGateway(database, async (gateway) => {
        const limited = await createKey(gateway.url, { models: ["mock-gpt"] });
        const owner = await createKey(gateway.url, {});
        const poor = await createKey(gateway.url, { max_budget: 0.0001 });

        // A key limited to model A cannot reach B, through either Responses route that names a model.
        const denied = await call(gateway.url, limited.key, "POST", "/v1/responses", {
          model: "mock/other",
          input: "hi",
        });
        assert.equal(denied.status, 403);
        assert.equal(errorOf(denied).param, "model");
        const deniedCount = await call(gateway.url, limited.key, "POST", "/v1/responses/input_tokens", {
          model: "mock/other",
          input: "hi",
        });
        assert.equal(deniedCount.status, 403);
        const allowed = await call(gateway.url, limited.key, "POST", "/v1/responses", {
          model: "mock-gpt",
          input: "hi",
        });
        assert.equal(allowed.status, 200);

        // The owner's stored response is invisible to every other key, the master key included.
        const created = await call(gateway.url, owner.key, "POST", "/v1/responses", {
          model: "mock-gpt",
          input: "remember me",
        });
        assert.equal(created.status, 200);
        const id = String(created.body["id"]);
        for (const stranger of [limited.key, MASTER_KEY]) {
          for (const [method, path] of [
            ["GET", `/v1/responses/${id}`],
            ["GET", `/v1/responses/${id}/input_items`],
            ["DELETE", `/v1/responses/${id}`],
          ] as const) {
            const reply = await call(gateway.url, stranger, method, path);
            assert.equal(reply.status, 404, `${method} ${path}`);
            assert.equal(errorOf(reply).code, "not_found");
          }
          const continued = await call(gateway.url, stranger, "POST", "/v1/responses", {
            model: "mock-gpt",
            input: "and?",
            previous_response_id: id,
          });
          assert.equal(continued.status, 404);
          assert.equal(errorOf(continued).param, "previous_response_id");
          const counted = await call(gateway.url, stranger, "POST", "/v1/responses/input_tokens", {
            model: "mock-gpt",
            input: "and?",
            previous_response_id: id,
          });
          assert.equal(counted.status, 404);
        }
        const own = await call(gateway.url, owner.key, "GET", `/v1/responses/${id}`);
        assert.equal(own.status, 200);
        assert.deepEqual(own.body, created.body);
        const second = await call(gateway.url, owner.key, "POST", "/v1/responses", {
          model: "mock/echo",
          input: "what did I say?",
          previous_response_id: id,
        });
        assert.equal(second.status, 200, JSON.stringify(second.body));
        // Guessed and malformed ids are 404 too, without a database read.
        for (const guess of ["resp_0000", "not-an-id", "resp_../../etc"]) {
          const reply = await call(
            gateway.url,
            owner.key,
            "GET",
            `/v1/responses/${encodeURIComponent(guess)}`,
          );
          assert.equal(reply.status, 404, guess);
        }
        const deleted = await call(gateway.url, owner.key, "DELETE", `/v1/responses/${id}`);
        assert.deepEqual(deleted.body, { id, object: "response", deleted: true });
        assert.equal((await call(gateway.url, owner.key, "GET", `/v1/responses/${id}`)).status, 404);

        // A token limit whose worst-case cost is beyond the key's budget is refused before any upstream call.
        const expensive = await call(gateway.url, poor.key, "POST", "/v1/responses", {
          model: "mock-gpt",
          input: "hi",
          max_output_tokens: 1_000_000,
        });
        assert.equal(expensive.status, 429, JSON.stringify(expensive.body));
        assert.equal(errorOf(expensive).type, "insufficient_quota");
      });
    });

    it("usage and cost in the ledger equal chat's for the same tokens", { skip }, async () => {
      await withGateway(database, async (gateway) => {
        const key = await createKey(gateway.url, {});
        const viaChat = await chat(gateway.url, key.key, {
          model: "mock-gpt",
          messages: [{ role: "user", content: "count these tokens" }],
          max_tokens: 50,
        });
        assert.equal(viaChat.status, 200);
        const viaResponses = await call(gateway.url, key.key, "POST", "/v1/responses", {
          model: "mock-gpt",
          input: [{ role: "user", content: "count these tokens" }],
          max_output_tokens: 50,
        });
        assert.equal(viaResponses.status, 200);
        const chatUsage = (
          JSON.parse(viaChat.text) as { usage: { prompt_tokens: number; completion_tokens: number } }
        ).usage;
        const responsesUsage = viaResponses.body["usage"] as { input_tokens: number; output_tokens: number };
        assert.equal(responsesUsage.input_tokens, chatUsage.prompt_tokens);
        assert.equal(responsesUsage.output_tokens, chatUsage.completion_tokens);
        let rows: { spend: number; prompt_tokens: number; completion_tokens: number }[] = [];
        for (let attempt = 0; attempt < 100 && rows.length < 2; attempt++) {
          const logs = await fetch(`${gateway.url}/spend/logs`, {
            headers: { authorization: `Bearer ${key.key}` },
          });
          rows = (await logs.json()) as typeof rows;
          if (rows.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(rows.length, 2);
        const [first, second] = rows as [(typeof rows)[number], (typeof rows)[number]];
        assert.equal(first.prompt_tokens, second.prompt_tokens);
        assert.equal(first.completion_tokens, second.completion_tokens);
        assert.ok(first.spend > 0);
        assert.equal(first.spend, second.spend);
      });
    });
  });
}
