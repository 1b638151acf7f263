/**
 * Responses request → canonical ChatRequest: string and item input, the folding of reasoning, text and function
 * calls into one assistant turn, tool results, parts, instructions, and the fields that map to chat knobs.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import { parseResponsesRequest, toChatRequest } from "../../../src/rest/responses/from-responses-request.js";
import { encodeReasoningState } from "../../../src/rest/responses/reasoning-state.js";

function translate(body: Record<string, unknown>) {
  return toChatRequest(parseResponsesRequest({ model: "m", ...body }), []);
}

describe("from-responses-request", () => {
  it("a string input is one user message; instructions come first as a system message", () => {
    const request = translate({ input: "hi", instructions: "be kind" });
    assert.deepEqual(request.messages, [
      { role: "system", content: "be kind" },
      { role: "user", content: [{ type: "text", text: "hi" }] },
    ]);
  });

  it("reasoning, text and function calls of one turn fold into one assistant message", () => {
    const state = encodeReasoningState([{ text: "think", signature: "sig" }]);
    const request = translate({
      input: [
        { role: "user", content: "weather?" },
        {
          type: "reasoning",
          id: "rs_1",
          summary: [{ type: "summary_text", text: "think" }],
          encrypted_content: state,
        },
        {
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "Checking.", annotations: [] }],
        },
        { type: "function_call", call_id: "call_1", name: "get", arguments: '{"q":1}' },
        { type: "function_call", call_id: "call_2", name: "get", arguments: "" },
        { type: "function_call_output", call_id: "call_1", output: "sunny" },
        {
          type: "function_call_output",
          call_id: "call_2",
          output: [{ type: "input_text", text: "rainy" }],
        },
        { role: "assistant", content: "Mixed." },
      ],
    });
    assert.deepEqual(request.messages, [
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        content: "Checking.",
        reasoning: [{ text: "think", signature: "sig" }],
        toolCalls: [
          { id: "call_1", name: "get", arguments: '{"q":1}' },
          { id: "call_2", name: "get", arguments: "{}" },
        ],
      },
      { role: "tool", toolCallId: "call_1", content: "sunny" },
      { role: "tool", toolCallId: "call_2", content: [{ type: "text", text: "rainy" }] },
      { role: "assistant", content: "Mixed." },
    ]);
  });

  it("tool-call provider data in the reasoning state returns on its call (Gemini thought signatures)", () => {
    const state = encodeReasoningState([], new Map([["call_g", { thoughtSignature: "sig-g" }]]));
    const request = translate({
      input: [
        { role: "user", content: "q" },
        { type: "reasoning", summary: [], encrypted_content: state },
        { type: "function_call", call_id: "call_g", name: "f", arguments: "{}" },
        { type: "function_call", call_id: "call_h", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "call_g", output: "1" },
        { type: "function_call_output", call_id: "call_h", output: "2" },
      ],
    });
    assert.deepEqual(request.messages[1]?.toolCalls, [
      { id: "call_g", name: "f", arguments: "{}", providerOptions: { thoughtSignature: "sig-g" } },
      { id: "call_h", name: "f", arguments: "{}" },
    ]);
    assert.equal(request.messages[1]?.reasoning, undefined);
  });

  it("reasoning from another service (not the gateway's state) keeps its summary text only", () => {
    const request = translate({
      input: [
        { role: "user", content: "q" },
        {
          type: "reasoning",
          summary: [{ type: "summary_text", text: "s" }],
          encrypted_content: "gAAAA-openai",
        },
        { type: "function_call", call_id: "c", name: "f", arguments: "{}" },
      ],
    });
    assert.deepEqual(request.messages[1]?.reasoning, [{ text: "s" }]);
  });

  it("images and files become parts; knobs map to chat fields; pass-through fields are named", () => {
    const request = translate({
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "look" },
            { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
            { type: "input_file", file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" },
          ],
        },
      ],
      tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: true }],
      tool_choice: { type: "function", name: "f" },
      parallel_tool_calls: false,
      max_output_tokens: 100,
      reasoning: { effort: "high", summary: "auto" },
      text: { format: { type: "json_object" }, verbosity: "low" },
      temperature: 0.5,
      top_p: 0.9,
      user: "u1",
      service_tier: "flex",
      metadata: { a: "b" },
      store: false,
    });
    const parts = request.messages[0]?.content as { type: string }[];
    assert.deepEqual(
      parts.map((part) => part.type),
      ["text", "image", "file"],
    );
    assert.equal((parts[2] as { mediaType?: string }).mediaType, "application/pdf");
    assert.deepEqual(request.tools, [{ name: "f", parameters: { type: "object" }, strict: true }]);
    assert.deepEqual(request.toolChoice, { type: "function", name: "f" });
    assert.equal(request.parallelToolCalls, false);
    assert.equal(request.maxTokens, 100);
    assert.equal(request.maxTokensField, "max_completion_tokens");
    assert.equal(request.reasoningEffort, "high");
    assert.deepEqual(request.responseFormat, { type: "json_object" });
    assert.equal(request.temperature, 0.5);
    assert.equal(request.topP, 0.9);
    assert.equal(request.user, "u1");
    assert.deepEqual(request.passthrough, { service_tier: "flex", verbosity: "low" });
    assert.equal(request.metadata, undefined, "metadata is not sent upstream");
  });

  it("history from a stored conversation comes before the new input", () => {
    const parsed = parseResponsesRequest({ model: "m", input: "again", previous_response_id: "resp_1" });
    const request = toChatRequest(parsed, [
      { type: "message", role: "user", content: [{ type: "input_text", text: "first" }] },
      {
        type: "message",
        id: "msg_1",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: "answer", annotations: [], logprobs: [] }],
      },
    ]);
    assert.deepEqual(
      request.messages.map((message) => message.role),
      ["user", "assistant", "user"],
    );
  });

  it("refusals name the field", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ input: [{ type: "web_search_call", id: "x" }] }, "input[0].type"],
      [{ input: "x", tools: [{ type: "computer_use_preview" }] }, "tools[0].type"],
      [{ input: "x", tools: [{ type: "function", name: "f", api_base: "http://x" }] }, "tools[0].api_base"],
      [
        { input: [{ role: "user", content: [{ type: "input_file", file_url: "https://x" }] }] },
        "input[0].content[0].file_url",
      ],
      [
        { input: [{ role: "user", content: [{ type: "input_file", file_data: "not-a-data-url" }] }] },
        "input[0].content[0].file_data",
      ],
      [{ input: "x", text: { format: { type: "json_schema", name: "n" } } }, "text.format.schema"],
      [{ input: "x", reasoning: { effort: "low", budget: 1 } }, "reasoning.budget"],
      [{ input: "x", tool_choice: "sometimes" }, "tool_choice"],
    ];
    for (const [body, param] of cases) {
      assert.throws(
        () => translate(body),
        (error: unknown) =>
          error instanceof GatewayError && error.kind === "invalid_request" && error.param === param,
        param,
      );
    }
  });
});
