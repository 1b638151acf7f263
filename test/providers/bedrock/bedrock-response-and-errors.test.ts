import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBedrockError } from "../../../src/providers/bedrock/bedrock-error.js";
import { mapBedrockFinishReason } from "../../../src/providers/bedrock/map-bedrock-finish-reason.js";
import { parseBedrockResponse } from "../../../src/providers/bedrock/parse-bedrock-response.js";
import { readCassette, readCorpusJson, readCorpusText } from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";

const context = makeContext(makeDeployment("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"));

describe("parseBedrockResponse", () => {
  it("converse-basic.json: text, end_turn, usage", () => {
    const response = parseBedrockResponse(readCorpusJson("bedrock", "converse-basic.json"), context);
    assert.equal(response.choices.length, 1);
    assert.match(response.choices[0]?.message.content ?? "", /There are \*\*3\*\*/);
    assert.equal(response.choices[0]?.finishReason, "stop");
    assert.deepEqual(response.usage, {
      promptTokens: 22,
      completionTokens: 57,
      totalTokens: 79,
      cachedPromptTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it("converse-reasoning.json: reasoning text with signature before the answer", () => {
    const response = parseBedrockResponse(readCorpusJson("bedrock", "converse-reasoning.json"), context);
    const message = response.choices[0]?.message;
    assert.equal(message?.reasoning?.length, 1);
    assert.match(message?.reasoning?.[0]?.text ?? "", /^Let me count the r's/);
    assert.match(message?.reasoning?.[0]?.signature ?? "", /^EvYBCkgICxABGAIq/);
    assert.match(message?.content ?? "", /^There are \*\*3\*\*/);
  });

  it("max_tokens → length (cassette-converse-max-tokens)", () => {
    const [interaction] = readCassette("bedrock", "cassette-converse-max-tokens.yaml");
    const response = parseBedrockResponse(interaction?.response.parsed_body, context);
    assert.equal(response.choices[0]?.finishReason, "length");
    assert.equal(response.choices[0]?.providerFinishReason, "max_tokens");
    assert.equal(response.choices[0]?.message.content, "The capital of France is");
    assert.deepEqual(response.usage, { promptTokens: 13, completionTokens: 5, totalTokens: 18 });
  });

  it("prompt cache usage: inputTokens excludes cache writes and reads (cassette-converse-prompt-cache)", () => {
    const [write, read] = readCassette("bedrock", "cassette-converse-prompt-cache.yaml");
    const written = parseBedrockResponse(write?.response.parsed_body, context).usage;
    assert.deepEqual(written, {
      promptTokens: 1324,
      completionTokens: 5,
      totalTokens: 1329,
      cachedPromptTokens: 0,
      cacheWriteTokens: 1322,
    });
    const cached = parseBedrockResponse(read?.response.parsed_body, context).usage;
    assert.ok(cached);
    assert.ok((cached.cachedPromptTokens ?? 0) > 0);
    assert.equal(cached.totalTokens, cached.promptTokens + cached.completionTokens);
  });

  it("toolUse blocks become tool calls with JSON arguments", () => {
    const response = parseBedrockResponse(
      {
        output: {
          message: {
            role: "assistant",
            content: [{ toolUse: { toolUseId: "tooluse_x", name: "get_weather", input: { city: "Paris" } } }],
          },
        },
        stopReason: "tool_use",
        usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
      },
      context,
    );
    assert.deepEqual(response.choices[0]?.message.toolCalls, [
      { id: "tooluse_x", name: "get_weather", arguments: '{"city":"Paris"}' },
    ]);
    assert.equal(response.choices[0]?.message.content, null);
    assert.equal(response.choices[0]?.finishReason, "tool_calls");
  });

  it("the emulated JSON tool's input becomes the content, finish stop", () => {
    const response = parseBedrockResponse(
      {
        output: {
          message: {
            role: "assistant",
            content: [
              { toolUse: { toolUseId: "t", name: "switchboard_json_response", input: { city: "Paris" } } },
            ],
          },
        },
        stopReason: "tool_use",
      },
      context,
    );
    assert.equal(response.choices[0]?.message.content, '{"city":"Paris"}');
    assert.equal(response.choices[0]?.message.toolCalls, undefined);
    assert.equal(response.choices[0]?.finishReason, "stop");
  });

  it("maps every documented stop reason", () => {
    assert.equal(mapBedrockFinishReason("end_turn"), "stop");
    assert.equal(mapBedrockFinishReason("stop_sequence"), "stop");
    assert.equal(mapBedrockFinishReason("tool_use"), "tool_calls");
    assert.equal(mapBedrockFinishReason("max_tokens"), "length");
    assert.equal(mapBedrockFinishReason("model_context_window_exceeded"), "length");
    assert.equal(mapBedrockFinishReason("guardrail_intervened"), "content_filter");
    assert.equal(mapBedrockFinishReason("content_filtered"), "content_filter");
  });
});

describe("parseBedrockError", () => {
  it("reads the class from x-amzn-ErrorType (suffix stripped)", () => {
    const recorded = readCorpusJson("errors", "bedrock-400-validation-with-headers.json") as {
      status: number;
      headers: Record<string, string>;
      body: unknown;
    };
    const error = parseBedrockError(recorded.status, JSON.stringify(recorded.body), recorded.headers);
    assert.equal(error.kind, "upstream_bad_request");
    assert.equal(error.reason, "validationexception");
    assert.equal(error.upstreamStatus, 400);
    assert.match(error.message, /content field in the Message object at messages\.1 is empty/);
  });

  it("maps the other recorded bodies", () => {
    const constraint = parseBedrockError(
      400,
      readCorpusText("errors", "bedrock-400-constraint-validation.json"),
      {
        "x-amzn-errortype": "ValidationException",
      },
    );
    assert.equal(constraint.kind, "upstream_bad_request");
    const modelErrors = parseBedrockError(
      400,
      readCorpusText("errors", "bedrock-400-model-returned-errors.json"),
      {},
    );
    assert.equal(modelErrors.kind, "upstream_bad_request");
    const unknownOperation = parseBedrockError(
      404,
      readCorpusText("errors", "bedrock-unknown-operation.json"),
      {},
    );
    assert.equal(unknownOperation.kind, "upstream_bad_request");
    assert.equal(unknownOperation.reason, "unknownoperationexception");
    const [invalidModel] = readCassette("errors", "bedrock-400-invalid-model.cassette.yaml");
    const notFound = parseBedrockError(400, JSON.stringify(invalidModel?.response.parsed_body), {});
    assert.equal(notFound.kind, "model_not_found");
  });

  it("status and class table: throttling, auth, overload, timeout, context window", () => {
    const table: [number, string, string, string][] = [
      [
        429,
        "ThrottlingException",
        "Too many requests, please wait before trying again.",
        "upstream_rate_limited",
      ],
      [403, "AccessDeniedException", "You don't have access to the model.", "upstream_auth"],
      [
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        "upstream_auth",
      ],
      [503, "ServiceUnavailableException", "Service unavailable.", "upstream_unavailable"],
      [424, "ModelErrorException", "The model failed.", "upstream_unavailable"],
      [408, "ModelTimeoutException", "Model timed out.", "timeout"],
      [500, "InternalServerException", "Internal.", "upstream_unavailable"],
      [404, "ResourceNotFoundException", "Model not found.", "model_not_found"],
      [400, "ValidationException", "Input is too long for requested model.", "context_window_exceeded"],
    ];
    for (const [status, type, message, kind] of table) {
      const error = parseBedrockError(status, JSON.stringify({ message }), {
        "X-Amzn-ErrorType": `${type}:http://internal.amazon.com/coral/`,
      });
      assert.equal(error.kind, kind, type);
      assert.equal(error.provider, "bedrock");
    }
    const throttled = parseBedrockError(429, '{"message":"slow down"}', { "retry-after": "3" });
    assert.equal(throttled.kind, "upstream_rate_limited");
    assert.equal(throttled.retryAfterMs, 3000);
  });

  it("survives a non-JSON body", () => {
    const error = parseBedrockError(502, "<html>Bad Gateway</html>", {});
    assert.equal(error.kind, "upstream_unavailable");
  });
});

describe("credential hygiene", () => {
  it("an upstream auth failure does not repeat the upstream text (it may echo the credential)", () => {
    const error = parseBedrockError(403, '{"message":"The security token AKIAEXAMPLESECRET is invalid."}', {
      "x-amzn-errortype": "UnrecognizedClientException",
    });
    assert.equal(error.kind, "upstream_auth");
    assert.ok(!error.message.includes("AKIAEXAMPLESECRET"));
  });
});
