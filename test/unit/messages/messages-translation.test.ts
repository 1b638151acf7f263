/**
 * Pure tables for the Messages surface: canonical events → Anthropic's event order (checked against the SDK's
 * own accumulator), every ErrorKind → Anthropic status and type, the native-only rule per provider, and the
 * inbound translation of the blocks the canonical model spells differently.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_KINDS, type ErrorKind } from "../../../src/core/errors/error-kind.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatEvent } from "../../../src/core/types/chat.js";
import { forDeploymentProvider } from "../../../src/providers/native-only.js";
import { renderAnthropicError } from "../../../src/rest/anthropic-messages/anthropic-error.js";
import { AnthropicSseWriter } from "../../../src/rest/anthropic-messages/anthropic-sse-writer.js";
import { fromAnthropicMessages } from "../../../src/rest/anthropic-messages/from-anthropic-messages.js";
import { deployment } from "../../helpers/gateway.js";

function parseSse(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const [eventLine, dataLine] = frame.split("\n");
      const event = eventLine?.replace(/^event: /, "") ?? "";
      const data = JSON.parse(dataLine?.replace(/^data: /, "") ?? "{}") as Record<string, unknown>;
      assert.equal(data["type"], event, "data.type equals the event name");
      return { event, data };
    });
}

describe("AnthropicSseWriter", () => {
  it("rebuilds blocks: thinking (+signature), redacted, text, two tool calls, then message_delta and message_stop", () => {
    const writer = new AnthropicSseWriter("req-1", "fallback-model");
    const batches: ChatEvent[][] = [
      [{ type: "response-start", id: "chatcmpl-9", model: "gpt-4o", created: 1 }],
      [{ type: "reasoning-delta", choice: 0, text: "Let me think" }],
      [
        { type: "reasoning-delta", choice: 0, text: " more." },
        { type: "reasoning-delta", choice: 0, signature: "sig==" },
      ],
      [{ type: "reasoning-delta", choice: 0, redactedData: "opaque" }],
      [{ type: "text-delta", choice: 0, text: "Hello" }],
      [{ type: "tool-call-start", choice: 0, index: 0, id: "call_a", name: "read" }],
      [{ type: "tool-call-delta", choice: 0, index: 0, argumentsDelta: '{"path":' }],
      [
        { type: "tool-call-delta", choice: 0, index: 0, argumentsDelta: '"/x"}' },
        { type: "tool-call-end", choice: 0, index: 0 },
      ],
      [
        { type: "tool-call-start", choice: 0, index: 1, id: "toolu_b", name: "ls" },
        { type: "tool-call-delta", choice: 0, index: 1, argumentsDelta: "{}" },
        { type: "tool-call-end", choice: 0, index: 1 },
      ],
      [{ type: "finish", choice: 0, reason: "tool_calls" }],
      [
        {
          type: "usage",
          usage: {
            promptTokens: 100,
            completionTokens: 20,
            totalTokens: 120,
            cachedPromptTokens: 60,
            cacheWriteTokens: 10,
          },
        },
      ],
    ];
    const events = parseSse(batches.map((batch) => writer.write(batch)).join(""));
    assert.deepEqual(
      events.map((item) => item.event + ("index" in item.data ? `#${String(item.data["index"])}` : "")),
      [
        "message_start",
        "ping",
        "content_block_start#0",
        "content_block_delta#0",
        "content_block_delta#0",
        "content_block_delta#0",
        "content_block_stop#0",
        "content_block_start#1",
        "content_block_stop#1",
        "content_block_start#2",
        "content_block_delta#2",
        "content_block_stop#2",
        "content_block_start#3",
        "content_block_delta#3",
        "content_block_delta#3",
        "content_block_stop#3",
        "content_block_start#4",
        "content_block_delta#4",
        "content_block_stop#4",
        "message_delta",
        "message_stop",
      ],
    );
    const start = events[0]?.data["message"] as Record<string, unknown>;
    assert.match(String(start["id"]), /^msg_req1$/);
    assert.equal(start["model"], "gpt-4o");
    assert.deepEqual(events[5]?.data["delta"], { type: "signature_delta", signature: "sig==" });
    assert.deepEqual(
      (events[12]?.data["content_block"] as Record<string, unknown> | undefined)?.["id"],
      "toolu_call_a",
    );
    const delta = events.at(-2)?.data as { delta: Record<string, unknown>; usage: Record<string, unknown> };
    assert.deepEqual(delta.delta, { stop_reason: "tool_use", stop_sequence: null });
    assert.deepEqual(delta.usage, {
      input_tokens: 30,
      output_tokens: 20,
      cache_creation_input_tokens: 10,
      cache_read_input_tokens: 60,
    });
    assert.equal(writer.complete, true);
  });

  it("keeps an Anthropic upstream's own stop reason (stop_sequence, pause_turn) and ignores other choices", () => {
    const writer = new AnthropicSseWriter("r", "m");
    const text = writer.write([
      { type: "response-start", id: "msg_1", model: "claude", created: 1 },
      { type: "text-delta", choice: 1, text: "other choice" },
      { type: "text-delta", choice: 0, text: "done" },
      { type: "finish", choice: 0, reason: "stop", providerReason: "stop_sequence" },
      { type: "usage", usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } },
    ]);
    assert.ok(!text.includes("other choice"));
    const events = parseSse(text);
    // The id is the gateway's (the ledger stores it), not the upstream's msg_1.
    assert.equal((events[0]?.data["message"] as Record<string, unknown> | undefined)?.["id"], "msg_r");
    assert.equal(
      (events.at(-2)?.data["delta"] as Record<string, unknown> | undefined)?.["stop_reason"],
      "stop_sequence",
    );
  });
});

describe("renderAnthropicError", () => {
  const expected: Record<ErrorKind, [number, string]> = {
    invalid_request: [400, "invalid_request_error"],
    unsupported_parameter: [400, "invalid_request_error"],
    authentication: [401, "authentication_error"],
    permission_denied: [403, "permission_error"],
    not_found: [404, "not_found_error"],
    model_not_found: [404, "not_found_error"],
    payload_too_large: [413, "request_too_large"],
    rate_limited: [429, "rate_limit_error"],
    budget_exceeded: [429, "rate_limit_error"],
    conflict: [409, "invalid_request_error"],
    upstream_rate_limited: [429, "rate_limit_error"],
    upstream_auth: [502, "api_error"],
    upstream_bad_request: [400, "invalid_request_error"],
    context_window_exceeded: [400, "invalid_request_error"],
    content_policy: [400, "invalid_request_error"],
    guardrail_violation: [400, "invalid_request_error"],
    upstream_unavailable: [529, "overloaded_error"],
    timeout: [504, "timeout_error"],
    connection_error: [502, "api_error"],
    upstream_protocol: [502, "api_error"],
    unavailable: [529, "overloaded_error"],
    cancelled: [499, "api_error"],
    internal: [500, "api_error"],
  };
  for (const kind of ERROR_KINDS) {
    it(`${kind} → ${expected[kind].join(" ")}`, () => {
      const rendered = renderAnthropicError(new GatewayError(kind, "message"), "req-9");
      assert.deepEqual([rendered.status, rendered.body.error.type], expected[kind]);
      assert.equal(rendered.body.type, "error");
      assert.equal(rendered.body.request_id, "req-9");
    });
  }
  it("a context-window error says 'prompt is too long' (Claude Code compacts on it)", () => {
    const rendered = renderAnthropicError(
      new GatewayError("context_window_exceeded", "too many tokens"),
      "r",
    );
    assert.match(rendered.body.error.message, /^prompt is too long/);
  });
});

describe("native-only fields per provider", () => {
  const base = { model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] };

  it("Anthropic gets the values and the betas; others refuse the field, or drop it with drop_params", () => {
    const { request } = fromAnthropicMessages(
      {
        ...base,
        cache_control: { type: "ephemeral" },
        service_tier: "auto",
        thinking: { type: "adaptive" },
      },
      { betas: ["b-1"] },
    );
    assert.deepEqual(request.providerOptions, { anthropic: { cache_control: { type: "ephemeral" } } });
    assert.equal(request.adaptiveReasoning, true);
    assert.throws(
      () => fromAnthropicMessages({ ...base, service_tier: "standard_only" }, { betas: [] }),
      (error: unknown) => error instanceof GatewayError && error.param === "service_tier",
    );
    const anthropic = forDeploymentProvider(request, deployment("m", "anthropic", "claude"));
    assert.deepEqual(anthropic.upstreamHeaders, { "anthropic-beta": "b-1" });
    assert.throws(
      () => forDeploymentProvider(request, deployment("m", "gemini", "gemini-2.5-pro")),
      (error: unknown) => error instanceof GatewayError && error.param === "cache_control",
    );
    const dropped = forDeploymentProvider(
      { ...request, dropParams: true },
      deployment("m", "openai", "gpt-4o"),
    );
    assert.equal(dropped.upstreamHeaders, undefined);
    const perDeployment = forDeploymentProvider(request, {
      ...deployment("m", "openai", "gpt-4o"),
      params: { extra: { drop_params: true } },
    });
    assert.equal(perDeployment.dropParams, true);
  });

  it("service_tier 'auto' and adaptive thinking alone are hints: no provider refuses them", () => {
    const { request } = fromAnthropicMessages(
      { ...base, service_tier: "auto", thinking: { type: "adaptive" } },
      { betas: [] },
    );
    assert.doesNotThrow(() => forDeploymentProvider(request, deployment("m", "openai", "gpt-4o")));
  });
});

describe("fromAnthropicMessages", () => {
  it("documents, images, tool results with is_error, thinking with signatures, tool_choice", () => {
    const { request, stream } = fromAnthropicMessages(
      {
        model: "m",
        max_tokens: 2048,
        stream: true,
        system: [{ type: "text", text: "sys", cache_control: { type: "ephemeral", ttl: "1h" } }],
        messages: [
          {
            role: "user",
            content: [
              {
                type: "document",
                source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
                title: "a.pdf",
              },
              { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "hmm", signature: "s1" },
              { type: "redacted_thinking", data: "r1" },
              { type: "tool_use", id: "toolu_1", name: "f", input: {} },
            ],
          },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "boom", is_error: true }],
          },
        ],
        tools: [{ name: "f", input_schema: { type: "object" } }],
        tool_choice: { type: "tool", name: "f", disable_parallel_tool_use: true },
        thinking: { type: "enabled", budget_tokens: 1024 },
        stop_sequences: ["STOP"],
        metadata: { user_id: "u1" },
      },
      { betas: [] },
    );
    assert.equal(stream, true);
    assert.deepEqual(request.messages[0], {
      role: "system",
      content: [
        { type: "text", text: "sys", providerOptions: { cache_control: { type: "ephemeral", ttl: "1h" } } },
      ],
    });
    const user = request.messages[1]?.content as {
      type: string;
      mediaType?: string;
      filename?: string;
      url?: string;
    }[];
    assert.deepEqual(
      [user[0]?.type, user[0]?.mediaType, user[0]?.filename],
      ["file", "application/pdf", "a.pdf"],
    );
    assert.deepEqual([user[1]?.type, user[1]?.url], ["image", "https://example.com/a.png"]);
    assert.deepEqual(request.messages[2]?.reasoning, [
      { text: "hmm", signature: "s1" },
      { redactedData: "r1" },
    ]);
    assert.deepEqual(request.messages[2]?.toolCalls, [{ id: "toolu_1", name: "f", arguments: "{}" }]);
    assert.deepEqual(request.messages[3], {
      role: "tool",
      toolCallId: "toolu_1",
      content: "boom",
      providerOptions: { anthropic: { is_error: true } },
    });
    assert.deepEqual(request.toolChoice, { type: "function", name: "f" });
    assert.equal(request.parallelToolCalls, false);
    assert.equal(request.reasoningBudgetTokens, 1024);
    assert.deepEqual(request.stop, ["STOP"]);
    assert.equal(request.user, "u1");
    assert.equal(request.maxTokens, 2048);
  });
});
