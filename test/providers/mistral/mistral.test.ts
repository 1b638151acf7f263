import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import { toMistralToolCallId } from "../../../src/providers/mistral/convert-to-mistral-request.js";
import { mistralAdapter } from "../../../src/providers/mistral/index.js";
import { MistralStreamDecoder } from "../../../src/providers/mistral/mistral-stream-decoder.js";
import { type Collected, collect, decodeAll, onlyChoice } from "../support/collect-events.js";
import {
  cassetteRequestBody,
  readCassette,
  readCorpusJson,
  readCorpusLines,
  SPLIT_SEEDS,
} from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";
import { parseSse, sseBytes } from "../support/framing.js";

const deployment = makeDeployment("mistral", "mistral-large-latest", { apiKey: "mistral-key" });

function replay(file: string): Collected {
  const bytes = sseBytes(readCorpusLines("mistral", file), { done: true });
  let first: Collected | undefined;
  for (const seed of [undefined, ...SPLIT_SEEDS]) {
    const decoder = new MistralStreamDecoder();
    const result = collect(decodeAll(decoder, parseSse(bytes, seed)));
    assert.equal(decoder.done, true);
    if (first === undefined) first = result;
    else assert.deepEqual(result.choices, first.choices);
  }
  return first as Collected;
}

async function body(
  request: ChatRequest,
  stream = false,
  model = "mistral-large-latest",
): Promise<Record<string, unknown>> {
  const upstream = await mistralAdapter.buildRequest(
    request,
    makeContext(makeDeployment("mistral", model, { apiKey: "k" }), stream),
  );
  return JSON.parse(upstream.body as string) as Record<string, unknown>;
}

describe("mistral request", () => {
  it("matches the recorded request (cassette-chat-penalties)", async () => {
    const [interaction] = readCassette("mistral", "cassette-chat-penalties.yaml");
    const upstream = await mistralAdapter.buildRequest(
      {
        model: "mistral/mistral-large-latest",
        messages: [{ role: "user", content: "hello" }],
        frequencyPenalty: 0.25,
        presencePenalty: 0.5,
        topP: 1,
        n: 1,
      },
      makeContext(deployment),
    );
    assert.equal(upstream.url, interaction?.request.uri);
    assert.equal(upstream.headers.authorization, "Bearer mistral-key");
    const recorded = cassetteRequestBody(interaction!) as Record<string, unknown>;
    // pydantic-ai sends stream:false explicitly; OpenAI's translator omits it for non-streaming calls.
    delete recorded.stream;
    assert.deepEqual(JSON.parse(upstream.body as string), recorded);
  });

  it("9-character tool-call ids, tool name on results, random_seed, any, no stream_options", async () => {
    const sent = await body(
      {
        model: "m",
        messages: [
          { role: "user", content: "weather?" },
          {
            role: "assistant",
            content: null,
            toolCalls: [{ id: "call_abc123_long", name: "weather", arguments: "{}" }],
          },
          { role: "tool", toolCallId: "call_abc123_long", content: "sunny" },
          {
            role: "assistant",
            content: null,
            toolCalls: [{ id: "gSIMJiOkT", name: "weather", arguments: "{}" }],
          },
          { role: "tool", toolCallId: "gSIMJiOkT", content: "rain" },
        ],
        tools: [{ name: "weather", parameters: { type: "object", properties: {} } }],
        toolChoice: { type: "required" },
        seed: 42,
        maxTokens: 10,
        maxTokensField: "max_completion_tokens",
      },
      true,
    );
    const mapped = toMistralToolCallId("call_abc123_long");
    assert.match(mapped, /^[A-Za-z0-9]{9}$/);
    assert.equal(toMistralToolCallId("call_abc123_long"), mapped, "stable");
    const messages = sent.messages as Record<string, unknown>[];
    assert.equal((messages[1]?.tool_calls as { id: string }[] | undefined)?.[0]?.id, mapped);
    assert.equal(messages[1]?.content, "");
    assert.deepEqual(messages[2], { role: "tool", content: "sunny", tool_call_id: mapped, name: "weather" });
    assert.equal(
      (messages[3]?.tool_calls as { id: string }[] | undefined)?.[0]?.id,
      "gSIMJiOkT",
      "valid ids pass unchanged",
    );
    assert.equal(sent.random_seed, 42);
    assert.equal(sent.seed, undefined);
    assert.equal(sent.max_tokens, 10);
    assert.equal(sent.tool_choice, "any");
    assert.equal(sent.stream, true);
    assert.equal(sent.stream_options, undefined);
  });

  it("reasoning_effort → prompt_mode for Magistral; unsupported elsewhere; unknown params rejected", async () => {
    const magistral = await body(
      { model: "m", messages: [{ role: "user", content: "x" }], reasoningEffort: "high" },
      false,
      "magistral-medium-2507",
    );
    assert.equal(magistral.prompt_mode, "reasoning");
    assert.equal(magistral.reasoning_effort, undefined);
    await assert.rejects(
      async () => body({ model: "m", messages: [{ role: "user", content: "x" }], reasoningEffort: "high" }),
      (error: unknown) => error instanceof GatewayError && error.kind === "unsupported_parameter",
    );
    await assert.rejects(
      async () => body({ model: "m", messages: [{ role: "user", content: "x" }], logitBias: { "1": 2 } }),
      (error: unknown) => error instanceof GatewayError && error.param === "logit_bias",
    );
    await assert.rejects(
      async () =>
        body({ model: "m", messages: [{ role: "user", content: "x" }], passthrough: { safe_mode: true } }),
      (error: unknown) => error instanceof GatewayError && error.param === "safe_mode",
    );
  });
});

describe("mistral request hygiene", () => {
  it("drops cache_control markers and other providers' options (Mistral rejects unknown fields)", async () => {
    const sent = await body({
      model: "m",
      messages: [
        { role: "system", content: "be brief", providerOptions: { cache_control: { type: "ephemeral" } } },
        {
          role: "user",
          content: [{ type: "text", text: "hi", providerOptions: { cache_control: { type: "ephemeral" } } }],
        },
      ],
      tools: [
        {
          name: "t",
          parameters: { type: "object" },
          providerOptions: { cache_control: { type: "ephemeral" } },
        },
      ],
      providerOptions: {
        safe_prompt: true,
        bedrock: { guardrailConfig: {} },
        mistral: { prompt_mode: "reasoning" },
      },
    });
    assert.deepEqual(sent.messages, [
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "hi" }] },
    ]);
    assert.deepEqual(sent.tools, [
      { type: "function", function: { name: "t", parameters: { type: "object" } } },
    ]);
    assert.equal(sent.safe_prompt, true);
    assert.equal(sent.prompt_mode, "reasoning");
    assert.equal(sent.bedrock, undefined);
  });
});

describe("mistral responses and streams", () => {
  it("chat-basic.json and chat-tool-call.json", () => {
    const text = mistralAdapter.parseResponse(
      readCorpusJson("mistral", "chat-basic.json"),
      makeContext(deployment),
    );
    assert.match(text.choices[0]?.message.content ?? "", /World Kindness Day/);
    assert.equal(text.usage?.totalTokens, 447);
    const tool = mistralAdapter.parseResponse(
      readCorpusJson("mistral", "chat-tool-call.json"),
      makeContext(deployment),
    );
    assert.deepEqual(tool.choices[0]?.message.toolCalls, [
      { id: "gSIMJiOkT", name: "weather", arguments: '{"location": "San Francisco"}' },
    ]);
    assert.equal(tool.choices[0]?.finishReason, "tool_calls");
  });

  it("text stream: usage in the last chunk without stream_options", () => {
    const result = replay("chat-stream-text.chunks.jsonl");
    assert.ok(onlyChoice(result).text.endsWith(" response."));
    assert.deepEqual(result.usage, { promptTokens: 13, completionTokens: 8, totalTokens: 21 });
  });

  it("tool call without index, finish and usage in the same chunk", () => {
    const result = replay("chat-stream-tool-call.chunks.jsonl");
    const choice = onlyChoice(result);
    assert.deepEqual(choice.toolCalls, [
      { id: "gSIMJiOkT", name: "weather", arguments: '{"location": "San Francisco"}' },
    ]);
    assert.equal(choice.finish, "tool_calls");
    assert.equal(result.usage?.totalTokens, 146);
  });

  it("Magistral content chunk arrays: thinking → reasoning, text → text", () => {
    const result = replay("chat-stream-reasoning.chunks.jsonl");
    const choice = onlyChoice(result);
    assert.equal(choice.reasoning, "The user is asking for 2+2. This is basic arithmetic. 2+2=4.");
    assert.equal(choice.text, "2 + 2 = 4");
    const response = mistralAdapter.parseResponse(
      {
        id: "x",
        model: "magistral-medium-2507",
        created: 1,
        choices: [
          {
            index: 0,
            finish_reason: "model_length",
            message: {
              role: "assistant",
              content: [
                { type: "thinking", thinking: [{ type: "text", text: "hmm" }] },
                { type: "text", text: "4" },
              ],
            },
          },
        ],
      },
      makeContext(deployment),
    );
    assert.equal(response.choices[0]?.message.content, "4");
    assert.deepEqual(response.choices[0]?.message.reasoning, [{ text: "hmm" }]);
    assert.equal(response.choices[0]?.finishReason, "length");
  });

  it("errors: OpenAI envelope, flat message, 422 detail list", () => {
    assert.equal(
      mistralAdapter.parseError(401, '{"message":"Unauthorized","request_id":"r"}', {}).kind,
      "upstream_auth",
    );
    const validation = mistralAdapter.parseError(
      422,
      '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","foo"],"msg":"Extra inputs are not permitted"}]},"type":"invalid_request_error"}',
      {},
    );
    assert.equal(validation.kind, "upstream_bad_request");
    const detail = mistralAdapter.parseError(
      422,
      '{"detail":[{"msg":"Extra inputs are not permitted"}]}',
      {},
    );
    assert.match(detail.message, /Extra inputs are not permitted/);
    assert.equal(
      mistralAdapter.parseError(429, '{"message":"Requests rate limit exceeded"}', {}).kind,
      "upstream_rate_limited",
    );
  });
});
