import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { postgresSkip } from "../../helpers/keys-gateway.js";
import { createKey, MASTER_KEY, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

/**
 * Issue #15 item 4: LiteLLM users look a request's usage up by the id of the response they got
 * (`/spend/logs?request_id=chatcmpl-…`). The ledger stores that id beside the request id and the filter applies in
 * the query (not to one page after paging), on SQLite and PostgreSQL.
 */

interface SpendLog {
  request_id: string;
  response_id: string | null;
  api_key: string;
  spend: number;
  total_tokens: number;
}

async function logs(
  gateway: UsageGateway,
  bearer: string,
  query: string,
): Promise<{ status: number; rows: SpendLog[]; body: unknown; next: string | null }> {
  const response = await fetch(`${gateway.url}/spend/logs?${query}`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  const body = (await response.json()) as unknown;
  return {
    status: response.status,
    rows: Array.isArray(body) ? (body as SpendLog[]) : [],
    body,
    next: response.headers.get("x-next-page-token"),
  };
}

const MESSAGE = [{ role: "user" as const, content: "hi" }];

for (const database of ["sqlite", "postgres"] as const) {
  describe(`/spend/logs?request_id= by the response's id (${database})`, () => {
    let postgresDown: string | false = false;
    before(async () => {
      postgresDown = await postgresSkip();
    });

    it("finds the row of a chat completion, a stream, a Message and a Response by the id the SDK returned", async (t) => {
      if (database === "postgres" && postgresDown) return t.skip(postgresDown);
      const gateway = await startUsageGateway({ database });
      try {
        const mine = await createKey(gateway.url, {});
        const openai = new OpenAI({ apiKey: mine.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

        const completion = await openai.chat.completions.create({ model: "mock-gpt", messages: MESSAGE });
        assert.match(completion.id, /^chatcmpl-/);

        let streamedId = "";
        const stream = await openai.chat.completions.create({
          model: "mock-gpt",
          messages: MESSAGE,
          stream: true,
        });
        for await (const chunk of stream) streamedId = chunk.id;
        assert.match(streamedId, /^chatcmpl-/);

        const anthropic = new Anthropic({ apiKey: mine.key, baseURL: gateway.url, maxRetries: 0 });
        const message = await anthropic.messages.create({
          model: "mock-gpt",
          max_tokens: 32,
          messages: MESSAGE,
        });
        assert.match(message.id, /^msg_/);

        const response = await openai.responses.create({ model: "mock-gpt", input: "hi" });
        assert.match(response.id, /^resp_/);

        // Ten more rows, so that a filter applied after paging (page_size 2) would miss the ones asked for.
        for (let index = 0; index < 10; index++) {
          await openai.chat.completions.create({ model: "mock-gpt", messages: MESSAGE });
        }

        for (const id of [completion.id, streamedId, message.id, response.id]) {
          const found = await logs(gateway, mine.key, `request_id=${encodeURIComponent(id)}&page_size=2`);
          assert.equal(found.status, 200, JSON.stringify(found.body));
          assert.equal(found.rows.length, 1, `${id}: ${JSON.stringify(found.body)}`);
          const row = found.rows[0] as SpendLog;
          assert.equal(row.response_id, id);
          assert.equal(row.api_key, mine.keyId);
          assert.ok(row.spend > 0 && row.total_tokens > 0);
          assert.equal(found.next, null, "one row: no further page");
        }

        // The chat id is `chatcmpl-<request id>`: the request id finds the same row.
        const byRequestId = await logs(
          gateway,
          mine.key,
          `request_id=${encodeURIComponent(completion.id.slice("chatcmpl-".length))}`,
        );
        assert.deepEqual(
          byRequestId.rows.map((row) => row.response_id),
          [completion.id],
        );

        // The logs' spend for the four ids is exactly what the ledger holds for them.
        const all = await logs(gateway, mine.key, "page_size=100");
        assert.equal(all.rows.length, 14);
        const ids = new Set([completion.id, streamedId, message.id, response.id]);
        const fromAll = all.rows.filter((row) => ids.has(row.response_id ?? ""));
        assert.equal(fromAll.length, 4);
      } finally {
        await gateway.close();
      }
    });

    it("never shows another key's row by its id, and refuses a malformed id naming the field", async (t) => {
      if (database === "postgres" && postgresDown) return t.skip(postgresDown);
      const gateway = await startUsageGateway({ database });
      try {
        const mine = await createKey(gateway.url, {});
        const other = await createKey(gateway.url, {});
        const openai = new OpenAI({ apiKey: other.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
        const theirs = await openai.chat.completions.create({ model: "mock-gpt", messages: MESSAGE });

        const mineLooking = await logs(gateway, mine.key, `request_id=${encodeURIComponent(theirs.id)}`);
        assert.equal(mineLooking.status, 200);
        assert.deepEqual(mineLooking.rows, [], "another key's row is outside this key's scope");

        const adminLooking = await logs(gateway, MASTER_KEY, `request_id=${encodeURIComponent(theirs.id)}`);
        assert.equal(adminLooking.status, 200);
        assert.deepEqual(
          adminLooking.rows.map((row) => [row.response_id, row.api_key]),
          [[theirs.id, other.keyId]],
        );

        for (const bad of ["x".repeat(161), "chatcmpl-a b", "a'or'1'='1", "%00"]) {
          const refused = await logs(gateway, mine.key, `request_id=${encodeURIComponent(bad)}`);
          assert.equal(refused.status, 400, bad);
          assert.equal((refused.body as { error: { param: string } }).error.param, "request_id");
        }
      } finally {
        await gateway.close();
      }
    });
  });
}
