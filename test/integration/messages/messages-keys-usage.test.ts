/**
 * /v1/messages under the same key rules and the same ledger as chat: the same tokens cost the same and both
 * land in the ledger; a key limited to model A cannot reach B; a max_tokens whose worst case exceeds the budget
 * is refused before any upstream call; a viewer key may not call it. Real SQLite ledger, real key store.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import Anthropic from "@anthropic-ai/sdk";
import { chat, createKey, startUsageGateway, type UsageGateway } from "../../helpers/usage-gateway.js";

let gateway: UsageGateway;

async function settled(): Promise<void> {
  for (let round = 0; round < 200 && gateway.usage.limiter.inFlight() > 0; round++) await delay(25);
  await gateway.usage.ledger.flush();
}

async function rowsFor(requestId: string) {
  await settled();
  return (await gateway.usage.store.query({}, undefined, 1000)).filter((row) => row.requestId === requestId);
}

function sdk(key: string): Anthropic {
  return new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });
}

before(async () => {
  gateway = await startUsageGateway({ database: "sqlite" });
});

after(async () => {
  await gateway.close();
});

describe("/v1/messages: key rules and the ledger, exactly as for chat", () => {
  it("the same prompt costs the same through /v1/messages and /v1/chat/completions, and both are in the ledger", async () => {
    const { key, keyId } = await createKey(gateway.url, { models: ["mock-gpt"] });
    const viaChat = await chat(gateway.url, key, {
      model: "mock-gpt",
      max_tokens: 64,
      messages: [{ role: "user", content: "Say hello." }],
    });
    assert.equal(viaChat.status, 200);
    const chatRequestId = viaChat.headers.get("x-request-id") ?? "";

    const { data: message, response } = await sdk(key)
      .messages.create({
        model: "mock-gpt",
        max_tokens: 64,
        messages: [{ role: "user", content: "Say hello." }],
      })
      .withResponse();
    const messagesRequestId = response.headers.get("x-request-id") ?? "";
    const chatUsage = (
      JSON.parse(viaChat.text) as { usage: { prompt_tokens: number; completion_tokens: number } }
    ).usage;
    assert.deepEqual(
      [message.usage.input_tokens, message.usage.output_tokens],
      [chatUsage.prompt_tokens, chatUsage.completion_tokens],
    );
    assert.equal(
      response.headers.get("x-switchboard-cost-usd"),
      viaChat.headers.get("x-switchboard-cost-usd"),
    );

    const [chatRow] = await rowsFor(chatRequestId);
    const [messagesRow] = await rowsFor(messagesRequestId);
    assert.ok(chatRow !== undefined && messagesRow !== undefined, "both requests are in the ledger");
    assert.equal(messagesRow.keyId, keyId);
    assert.deepEqual(
      [messagesRow.promptTokens, messagesRow.completionTokens, messagesRow.costUsd, messagesRow.status],
      [chatRow.promptTokens, chatRow.completionTokens, chatRow.costUsd, "ok"],
    );
    assert.ok((messagesRow.costUsd ?? 0) > 0);
  });

  it("streams are billed too: the ledger row matches the usage in message_delta", async () => {
    const { key } = await createKey(gateway.url, { models: ["mock-gpt"] });
    const stream = sdk(key).messages.stream({
      model: "mock-gpt",
      max_tokens: 64,
      messages: [{ role: "user", content: "Stream it." }],
    });
    const message = await stream.finalMessage();
    const requestId = (await stream.withResponse()).response.headers.get("x-request-id") ?? "";
    const [row] = await rowsFor(requestId);
    assert.ok(row !== undefined);
    assert.equal(row.stream, true);
    assert.deepEqual(
      [row.promptTokens, row.completionTokens],
      [message.usage.input_tokens, message.usage.output_tokens],
    );
  });

  it("a key limited to model A cannot reach model B (403 permission_error), nor count its tokens", async () => {
    const { key } = await createKey(gateway.url, { models: ["mock-gpt"] });
    await assert.rejects(
      sdk(key).messages.create({
        model: "mock/other",
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.PermissionDeniedError &&
        (error.error as { error?: { type?: string } }).error?.type === "permission_error",
    );
    await assert.rejects(
      sdk(key).messages.countTokens({ model: "mock/other", messages: [{ role: "user", content: "hi" }] }),
      Anthropic.PermissionDeniedError,
    );
  });

  it("a huge max_tokens against a small budget is refused before the call, and says not to retry", async () => {
    const { key } = await createKey(gateway.url, { models: ["mock-gpt"], max_budget: 0.0001 });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({
        model: "mock-gpt",
        max_tokens: 5_000_000,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(response.status, 429);
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "rate_limit_error");
    assert.match(body.error.message, /budget/i);
    assert.equal(response.headers.get("x-should-retry"), "false");
  });

  it("a viewer key may not call /v1/messages (403), a missing key is 401, both in Anthropic's shape", async () => {
    const { key } = await createKey(gateway.url, { role: "viewer" });
    const viewer = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({
        model: "mock-gpt",
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    assert.equal(viewer.status, 403);
    assert.equal(((await viewer.json()) as { error: { type: string } }).error.type, "permission_error");
    const anonymous = await fetch(`${gateway.url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(anonymous.status, 401);
    assert.equal(
      ((await anonymous.json()) as { error: { type: string } }).error.type,
      "authentication_error",
    );
  });
});
