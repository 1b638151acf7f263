import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { textCompletionRequest } from "../../../src/core/completions/text-completion.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import { openaiProvider } from "../../../src/providers/openai/index.js";
import { OpenAICompletionStreamDecoder } from "../../../src/providers/openai/openai-completion-stream-decoder.js";
import { parseOpenAICompletionResponse } from "../../../src/providers/openai/parse-openai-completion-response.js";
import { readChunks, readConformanceJson } from "../../helpers/conformance.js";
import { decodeSseBody, summarize, testDeployment } from "../../helpers/provider-fixtures.js";

const RECORDED_STREAM = readChunks("openai/completions-stream.chunks.jsonl");
const SSE_BODY = `${RECORDED_STREAM.map((line) => `data: ${line}\n\n`).join("")}data: [DONE]\n\n`;

describe("OpenAI legacy completions: translation from the recordings", () => {
  it("decodes the recorded stream (any read split): text, one finish 'length', the final usage", () => {
    const expectedText = RECORDED_STREAM.map((line) =>
      (JSON.parse(line) as { choices: { text: string }[] }).choices.map((c) => c.text).join(""),
    ).join("");
    for (const seed of [1, 2, 3, 7, 11]) {
      const decoder = new OpenAICompletionStreamDecoder("openai");
      const summary = summarize(decodeSseBody(SSE_BODY, decoder, seed));
      assert.equal(summary.text, expectedText);
      assert.deepEqual(
        summary.finish.map((finish) => [finish.choice, finish.reason]),
        [[0, "length"]],
      );
      assert.deepEqual(summary.usage, [{ promptTokens: 14, completionTokens: 16, totalTokens: 30 }]);
      assert.equal(summary.start?.model, "gpt-3.5-turbo-instruct:20230824-v2");
      assert.equal(decoder.done, true);
    }
  });

  it("an {error} chunk mid-stream is a GatewayError, not text", () => {
    const decoder = new OpenAICompletionStreamDecoder("openai");
    assert.throws(
      () =>
        decoder.decode({ data: JSON.stringify({ error: { message: "overloaded", type: "server_error" } }) }),
      (error: Error & { kind?: string }) => error.kind !== undefined,
    );
  });

  it("parses the recorded unary answer", () => {
    const response = parseOpenAICompletionResponse(
      "openai",
      readConformanceJson("openai/completions-basic.json"),
    );
    assert.equal(response.id, "cmpl-D8ZFHlGItjM5Nghki1LmZIRscBz2P");
    assert.equal(response.choices[0]?.message.content?.startsWith("The new holiday"), true);
    assert.equal(response.choices[0]?.finishReason, "length");
    assert.deepEqual(response.usage, { promptTokens: 14, completionTokens: 16, totalTokens: 30 });
  });

  it("an answer without choices is upstream_protocol", () => {
    assert.throws(
      () => parseOpenAICompletionResponse("openai", { id: "x" }),
      (error: Error & { kind?: string }) => error.kind === "upstream_protocol",
    );
  });

  it("builds /completions with the deployment's model and key; caller additions never replace a field", async () => {
    const completions = openaiProvider.completions;
    assert.ok(completions !== undefined);
    const deployment = testDeployment("openai", "gpt-3.5-turbo-instruct", {
      params: { apiKey: "sk-x", extra: {} },
    });
    const request = textCompletionRequest("instruct", { prompts: ["hi"], n: 1 }, { maxTokens: 5 });
    const built = await completions.buildRequest(request, { deployment, stream: true, requestId: "r" });
    assert.equal(built.url, "https://api.openai.com/v1/completions");
    assert.equal(built.headers["authorization"], "Bearer sk-x");
    assert.deepEqual(JSON.parse(String(built.body)), {
      model: "gpt-3.5-turbo-instruct",
      prompt: "hi",
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    const hostile: ChatRequest = { ...request, passthrough: { prompt: "other" } };
    assert.throws(() => completions.buildRequest(hostile, { deployment, stream: false, requestId: "r" }));
  });

  it("a chat request never reaches the completions translator (and vice versa is the invoker's job)", () => {
    const completions = openaiProvider.completions;
    assert.ok(completions !== undefined);
    const deployment = testDeployment("openai", "gpt-3.5-turbo-instruct", {
      params: { apiKey: "sk-x", extra: {} },
    });
    assert.throws(() =>
      completions.buildRequest(
        { model: "m", messages: [{ role: "user", content: "x" }] },
        { deployment, stream: false, requestId: "r" },
      ),
    );
  });
});
