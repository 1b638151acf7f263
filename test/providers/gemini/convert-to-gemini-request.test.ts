import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest, FunctionTool, Message } from "../../../src/core/types/chat.js";
import { convertToGeminiBody } from "../../../src/providers/gemini/convert-to-gemini-request.js";
import { geminiProvider } from "../../../src/providers/gemini/index.js";
import { normalizeGeminiBody } from "../../helpers/gemini-normalize.js";
import { readCassette, readRecording, testDeployment } from "../../helpers/provider-fixtures.js";

type Body = Record<string, unknown>;

function body(request: Partial<ChatRequest> & { messages: Message[] }, model = "gemini-2.5-flash"): Body {
  return convertToGeminiBody({ model, ...request }, model, "gemini");
}

function recordedTools(recorded: Body): FunctionTool[] {
  const declarations = (recorded["tools"] as { functionDeclarations: Body[] }[])[0]!.functionDeclarations;
  return declarations.map((declaration) => ({
    name: declaration["name"] as string,
    description: declaration["description"] as string,
    parameters: normalizeGeminiBody(
      declaration["parameters"] ?? declaration["parameters_json_schema"],
    ) as Body,
  }));
}

describe("gemini request: recorded requests", () => {
  it("builds both turns of a tool round trip with no-argument calls (cassette-tool-roundtrip)", () => {
    const [first, second] = readCassette("gemini/cassette-tool-roundtrip.yaml");
    const recordedFirst = normalizeGeminiBody(first!.request.parsed_body) as Body;
    const recordedSecond = normalizeGeminiBody(second!.request.parsed_body) as Body;
    // pydantic-ai lists every tool in allowedFunctionNames for "required"; OpenAI's "required" is plain ANY.
    for (const recorded of [recordedFirst, recordedSecond]) {
      delete ((recorded["toolConfig"] as Body)["functionCallingConfig"] as Body)["allowedFunctionNames"];
    }
    const tools = recordedTools(recordedFirst);
    const question: Message = { role: "user", content: "What is the largest city in the user country?" };
    assert.deepEqual(
      body({ messages: [question], tools, toolChoice: { type: "required" } }, "gemini-2.0-flash"),
      recordedFirst,
    );

    const callId = "pyd_ai_3fa5644dae1d4aad997ae39c70006fbd";
    const messages: Message[] = [
      question,
      {
        role: "assistant",
        content: null,
        toolCalls: [{ id: callId, name: "get_user_country", arguments: "{}" }],
      },
      { role: "tool", toolCallId: callId, content: JSON.stringify({ return_value: "Mexico" }) },
    ];
    assert.deepEqual(
      body({ messages, tools, toolChoice: { type: "required" } }, "gemini-2.0-flash"),
      recordedSecond,
    );
  });

  it("sends thoughtSignature back on the function call part (cassette-stream-tool-call-thought-signature)", () => {
    const [, second] = readCassette("gemini/cassette-stream-tool-call-thought-signature.yaml");
    const recorded = normalizeGeminiBody(second!.request.parsed_body) as Body;
    const modelTurn = (recorded["contents"] as { parts: Body[] }[])[1]!.parts[0]!;
    const call = modelTurn["functionCall"] as Body;
    const messages: Message[] = [
      { role: "user", content: "What is the capital of the user country? Call the tool" },
      {
        role: "assistant",
        content: null,
        toolCalls: [
          {
            id: call["id"] as string,
            name: "get_country",
            arguments: "{}",
            providerOptions: { thoughtSignature: modelTurn["thoughtSignature"] },
          },
        ],
      },
      { role: "tool", toolCallId: call["id"] as string, content: '{"return_value":"Mexico"}' },
    ];
    const built = body(
      {
        messages,
        tools: recordedTools(recorded),
        providerOptions: { gemini: { generationConfig: { responseModalities: ["TEXT"] } } },
      },
      "gemini-3-pro-preview",
    );
    // The recorded tool schema had additionalProperties:false, which we strip for Gemini.
    const declaration = (recorded["tools"] as { functionDeclarations: Body[] }[])[0]!
      .functionDeclarations[0]!;
    delete (declaration["parameters"] as Body)["additionalProperties"];
    assert.deepEqual(built, recorded);
  });

  it("puts system text in systemInstruction and passes safetySettings (cassette-safety-block)", () => {
    const [interaction] = readCassette("gemini/cassette-safety-block.yaml");
    const recorded = normalizeGeminiBody(interaction!.request.parsed_body) as Body;
    const built = body(
      {
        messages: [
          { role: "system", content: "You hate the world!" },
          { role: "user", content: "Tell me a joke about a Brazilians." },
        ],
        providerOptions: { safetySettings: recorded["safetySettings"] },
      },
      "gemini-1.5-flash",
    );
    assert.deepEqual(built, recorded);
  });

  it("maps max_tokens and a zero thinking budget (cassette-max-tokens)", () => {
    const [interaction] = readCassette("gemini/cassette-max-tokens.yaml");
    const recorded = normalizeGeminiBody(interaction!.request.parsed_body) as Body;
    const built = body({
      messages: [
        { role: "system", content: "You are a helpful chatbot." },
        { role: "user", content: "What is the capital of France?" },
      ],
      maxTokens: 5,
      reasoningBudgetTokens: 0,
      providerOptions: { generationConfig: { responseModalities: ["TEXT"] } },
    });
    // We also say includeThoughts:false explicitly when the budget is zero.
    ((recorded["generationConfig"] as Body)["thinkingConfig"] as Body)["includeThoughts"] = false;
    assert.deepEqual(built, recorded);
  });

  it("replays a js-genai function-calling history (recording-function-calling-stream)", () => {
    const [, second] = readRecording("gemini/recording-function-calling-stream.json");
    const recorded = normalizeGeminiBody(second!.request.bodySegments[0]) as Body;
    const messages: Message[] = [
      { role: "user", content: "what is the result of 100/2" },
      {
        role: "assistant",
        content: null,
        toolCalls: [{ id: "call_1", name: "customDivide", arguments: '{"denominator":2,"numerator":100}' }],
      },
      { role: "user", content: "what is the result of 50/2?" },
    ];
    const built = body({ messages, tools: recordedTools(recorded) }, "gemini-2.0-flash");
    // js-genai sends no id on a replayed call; we send the caller's id (Gemini accepts and echoes it).
    const call = (built["contents"] as { parts: Body[] }[])[1]!.parts[0]!["functionCall"] as Body;
    assert.equal(call["id"], "call_1");
    delete call["id"];
    assert.deepEqual(built, recorded);
  });

  it("sends candidateCount for n and a system instruction (recording-stream-system-instruction)", () => {
    const [interaction] = readRecording("gemini/recording-stream-system-instruction.json");
    const recorded = normalizeGeminiBody(interaction!.request.bodySegments[0]) as Body;
    const built = body({
      messages: [
        { role: "system", content: "I say high you say low, and then tell me why is the sky blue." },
        { role: "user", content: "high" },
      ],
    });
    // js-genai sends candidateCount:1 explicitly; we send it only for n > 1 (1 is Gemini's default).
    delete (recorded["generationConfig"] as Body)["candidateCount"];
    assert.deepEqual(built, recorded);
    assert.equal(
      (body({ messages: [{ role: "user", content: "x" }], n: 3 })["generationConfig"] as Body)[
        "candidateCount"
      ],
      3,
    );
  });

  it("sends an image URL as fileData (cassette-vertex-file-uri-input)", () => {
    const [interaction] = readCassette("gemini/cassette-vertex-file-uri-input.yaml");
    const recorded = normalizeGeminiBody(interaction!.request.parsed_body) as Body;
    const built = body({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is the main content of this URL?" },
            {
              type: "image",
              url: "https://upload.wikimedia.org/wikipedia/commons/6/6a/Www.wikipedia_screenshot_%282021%29.png",
            },
          ],
        },
      ],
    });
    assert.deepEqual(built, recorded);
  });
});

describe("gemini request: translation rules", () => {
  it("puts the key in x-goog-api-key and never in the URL", async () => {
    const deployment = testDeployment("gemini", "gemini-2.5-flash", {
      params: { apiKey: "AIza-test-key", apiBase: "http://127.0.0.1:9", extra: {} },
    });
    const streamed = await geminiProvider.buildRequest(
      { model: "x", messages: [{ role: "user", content: "hi" }] },
      { deployment, stream: true, requestId: "r" },
    );
    assert.equal(
      streamed.url,
      "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    assert.equal(streamed.headers["x-goog-api-key"], "AIza-test-key");
    assert.ok(!streamed.url.includes("AIza"));
    const plain = await geminiProvider.buildRequest(
      { model: "x", messages: [{ role: "user", content: "hi" }] },
      { deployment, stream: false, requestId: "r" },
    );
    assert.equal(plain.url, "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:generateContent");
  });

  it("maps tool_choice to functionCallingConfig", () => {
    const tools = [{ name: "f", parameters: { type: "object", properties: { a: { type: "string" } } } }];
    const messages: Message[] = [{ role: "user", content: "hi" }];
    const config = (request: Partial<ChatRequest>) =>
      (body({ messages, tools, ...request })["toolConfig"] as Body)?.["functionCallingConfig"];
    assert.deepEqual(config({ toolChoice: { type: "auto" } }), { mode: "AUTO" });
    assert.deepEqual(config({ toolChoice: { type: "none" } }), { mode: "NONE" });
    assert.deepEqual(config({ toolChoice: { type: "required" } }), { mode: "ANY" });
    assert.deepEqual(config({ toolChoice: { type: "function", name: "f" } }), {
      mode: "ANY",
      allowedFunctionNames: ["f"],
    });
  });

  it("maps sampling parameters, JSON schema and reasoning effort", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: false,
      properties: { city: { type: "string", default: "Paris" } },
      required: ["city"],
    };
    const built = body({
      messages: [{ role: "user", content: "hi" }],
      temperature: 0.2,
      topP: 0.9,
      topK: 3,
      maxTokens: 100,
      stop: ["END"],
      seed: 7,
      responseFormat: { type: "json_schema", name: "c", schema },
      reasoningEffort: "low",
    });
    assert.deepEqual(built["generationConfig"], {
      temperature: 0.2,
      topP: 0.9,
      topK: 3,
      maxOutputTokens: 100,
      stopSequences: ["END"],
      seed: 7,
      responseMimeType: "application/json",
      responseSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
    const gemini3 = body(
      { messages: [{ role: "user", content: "hi" }], reasoningEffort: "high" },
      "gemini-3-pro-preview",
    );
    assert.deepEqual((gemini3["generationConfig"] as Body)["thinkingConfig"], {
      thinkingLevel: "high",
      includeThoughts: true,
    });
  });

  it("sends the text answer's signature back on the text part (reasoning round trip)", () => {
    const built = body({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "answer", reasoning: [{ text: "summary" }, { signature: "sig-text" }] },
        { role: "user", content: "more" },
      ],
    });
    assert.deepEqual(built["contents"], [
      { role: "user", parts: [{ text: "q" }] },
      { role: "model", parts: [{ text: "answer", thoughtSignature: "sig-text" }] },
      { role: "user", parts: [{ text: "more" }] },
    ]);
  });

  it("merges consecutive tool results into one user turn, naming each call", () => {
    const built = body({
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: null,
          toolCalls: [
            { id: "call_a", name: "weather", arguments: '{"city":"Paris"}' },
            { id: "call_b", name: "time", arguments: "" },
          ],
        },
        { role: "tool", toolCallId: "call_a", content: "sunny" },
        { role: "tool", toolCallId: "call_b", content: '{"hour":12}' },
      ],
    });
    assert.deepEqual((built["contents"] as unknown[])[2], {
      role: "user",
      parts: [
        { functionResponse: { id: "call_a", name: "weather", response: { content: "sunny" } } },
        { functionResponse: { id: "call_b", name: "time", response: { hour: 12 } } },
      ],
    });
  });

  it("rejects a tool result whose call is not in the history", () => {
    assert.throws(
      () => body({ messages: [{ role: "tool", toolCallId: "call_x", content: "r" }] }),
      (error: unknown) => error instanceof GatewayError && error.param === "messages[0].tool_call_id",
    );
  });

  it("converts data: URLs, bytes and audio to inlineData", () => {
    const built = body({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", url: "data:image/jpeg;base64,AAAA" },
            { type: "image", data: new Uint8Array([1, 2, 3]), mediaType: "image/png" },
            { type: "audio", data: new Uint8Array([1]), format: "wav" },
            {
              type: "file",
              fileId: "https://generativelanguage.googleapis.com/v1beta/files/abc",
              mediaType: "application/pdf",
            },
          ],
        },
      ],
    });
    assert.deepEqual((built["contents"] as { parts: unknown[] }[])[0]!.parts, [
      { inlineData: { mimeType: "image/jpeg", data: "AAAA" } },
      { inlineData: { mimeType: "image/png", data: "AQID" } },
      { inlineData: { mimeType: "audio/wav", data: "AQ==" } },
      {
        fileData: {
          mimeType: "application/pdf",
          fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc",
        },
      },
    ]);
  });

  it("rejects parameters Gemini cannot take, naming them, unless drop_params", () => {
    const messages: Message[] = [{ role: "user", content: "hi" }];
    const cases: [Partial<ChatRequest>, string][] = [
      [{ logprobs: true }, "logprobs"],
      [{ logitBias: { "1": 1 } }, "logit_bias"],
      [{ parallelToolCalls: false }, "parallel_tool_calls"],
      [{ passthrough: { prediction: {} } }, "prediction"],
    ];
    for (const [extra, param] of cases) {
      assert.throws(
        () => body({ messages, ...extra }),
        (error: unknown) =>
          error instanceof GatewayError && error.kind === "unsupported_parameter" && error.param === param,
      );
      assert.doesNotThrow(() => body({ messages, ...extra, dropParams: true }));
    }
  });
});
