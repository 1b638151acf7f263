import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import { findFamily, OPENAI_COMPATIBLE_FAMILIES } from "../../../src/providers/openai-compatible/families.js";
import { createFamilyAdapter } from "../../../src/providers/openai-compatible/index.js";
import { type Collected, collect, decodeAll, onlyChoice } from "../support/collect-events.js";
import {
  cassetteRequestBody,
  readCassette,
  readCorpusJson,
  readCorpusLines,
  readCorpusText,
  SPLIT_SEEDS,
} from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";
import { parseSse, sseBytes } from "../support/framing.js";

function adapter(prefix: string, env: Record<string, string> = {}) {
  const family = findFamily(prefix);
  assert.ok(family, prefix);
  return createFamilyAdapter(family, env);
}

function replay(prefix: string, bytes: Uint8Array): Collected {
  let first: Collected | undefined;
  for (const seed of [undefined, ...SPLIT_SEEDS]) {
    const decoder = adapter(prefix).createStreamDecoder(
      { model: "m", messages: [] },
      makeContext(makeDeployment(prefix, "m"), true),
    );
    const result = collect(decodeAll(decoder, parseSse(bytes, seed)));
    if (first === undefined) first = result;
    else assert.deepEqual(result.choices, first.choices);
  }
  return first as Collected;
}

const hello: ChatRequest = { model: "x", messages: [{ role: "user", content: "hello" }] };

describe("OpenAI-compatible families table", () => {
  it("has the prefixes the issue names, each with a base URL or api_base required, and key variables", () => {
    for (const prefix of [
      "groq",
      "deepseek",
      "xai",
      "openrouter",
      "together_ai",
      "fireworks_ai",
      "perplexity",
      "hosted_vllm",
      "lm_studio",
    ]) {
      assert.ok(findFamily(prefix), prefix);
    }
    for (const family of OPENAI_COMPATIBLE_FAMILIES) {
      assert.ok(family.keyEnv.length > 0, family.prefix);
      if (family.defaultBase !== undefined) assert.match(family.defaultBase, /^https?:\/\//);
    }
  });

  it("default base URL + key from the environment, Bearer auth", async () => {
    const upstream = await adapter("groq", { GROQ_API_KEY: "gsk-env" }).buildRequest(
      hello,
      makeContext(makeDeployment("groq", "llama-3.3-70b-versatile")),
    );
    assert.equal(upstream.url, "https://api.groq.com/openai/v1/chat/completions");
    assert.equal(upstream.headers.authorization, "Bearer gsk-env");
    assert.equal(JSON.parse(upstream.body as string).model, "llama-3.3-70b-versatile");
    const deepseek = await adapter("deepseek").buildRequest(
      hello,
      makeContext(makeDeployment("deepseek", "deepseek-chat", { apiKey: "sk-d" })),
    );
    assert.equal(deepseek.url, "https://api.deepseek.com/v1/chat/completions");
    assert.equal(deepseek.headers.authorization, "Bearer sk-d");
  });

  it("hosted_vllm requires api_base; local servers need no key; hosted APIs do", async () => {
    assert.throws(
      () => adapter("hosted_vllm").buildRequest(hello, makeContext(makeDeployment("hosted_vllm", "m"))),
      (error: unknown) => error instanceof GatewayError && error.reason === "missing_api_base",
    );
    const vllm = await adapter("hosted_vllm").buildRequest(
      { ...hello, topK: 20 },
      makeContext(makeDeployment("hosted_vllm", "Qwen/Qwen3-8B", { apiBase: "http://127.0.0.1:8000/v1" })),
    );
    assert.equal(vllm.url, "http://127.0.0.1:8000/v1/chat/completions");
    assert.equal(vllm.headers.authorization, undefined);
    assert.equal(JSON.parse(vllm.body as string).top_k, 20);
    const lmStudio = await adapter("lm_studio").buildRequest(
      hello,
      makeContext(makeDeployment("lm_studio", "qwen")),
    );
    assert.equal(lmStudio.url, "http://localhost:1234/v1/chat/completions");
    assert.throws(
      () => adapter("xai").buildRequest(hello, makeContext(makeDeployment("xai", "grok-3"))),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_auth",
    );
  });

  it("rejects what a host cannot take (perplexity tools), unless drop_params", async () => {
    const withTools: ChatRequest = { ...hello, tools: [{ name: "t" }] };
    const context = makeContext(makeDeployment("perplexity", "sonar", { apiKey: "pplx" }));
    assert.throws(
      () => adapter("perplexity").buildRequest(withTools, context),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "unsupported_parameter" && error.param === "tools",
    );
    const dropped = await adapter("perplexity").buildRequest({ ...withTools, dropParams: true }, context);
    assert.equal(JSON.parse(dropped.body as string).tools, undefined);
    assert.ok(!adapter("perplexity").capabilities.includes("tools"));
  });
});

describe("OpenAI-compatible quirks from the recordings", () => {
  it("DeepSeek reasoning_content and cache-hit usage (deepseek-reasoning-content.json)", () => {
    const response = adapter("deepseek").parseResponse(
      readCorpusJson("openai-compatible", "deepseek-reasoning-content.json"),
      makeContext(makeDeployment("deepseek", "deepseek-reasoner")),
    );
    assert.match(response.choices[0]?.message.reasoning?.[0]?.text ?? "", /^We are asked/);
    assert.match(response.choices[0]?.message.content ?? "", /three instances/);
    assert.equal(response.usage?.reasoningTokens, 315);
    assert.equal(response.usage?.cachedPromptTokens, 0);
  });

  it("Groq: whole tool call in one delta, usage under x_groq", () => {
    const result = replay(
      "groq",
      sseBytes(readCorpusLines("openai-compatible", "groq-stream-tool-call.chunks.jsonl"), { done: true }),
    );
    const choice = onlyChoice(result);
    assert.deepEqual(choice.toolCalls, [{ id: "tk85n1k4m", name: "weather", arguments: "{}" }]);
    assert.equal(choice.finish, "tool_calls");
    assert.equal(result.usage?.promptTokens, 210);
    assert.equal(result.usage?.totalTokens, 225);
  });

  it("tool-call index starting at 1 (anthropic-compat-irregular-tool-index.sse)", () => {
    const bytes = new TextEncoder().encode(
      readCorpusText("openai-compatible", "anthropic-compat-irregular-tool-index.sse"),
    );
    const result = replay("openrouter", bytes);
    const choice = onlyChoice(result);
    assert.equal(choice.text, "Reading it.");
    assert.deepEqual(choice.toolCalls, [
      { id: "toolu_sanitized", name: "read_file", arguments: '{"path": "a.txt"}' },
    ]);
    const start = result.events.find((event) => event.type === "tool-call-start");
    assert.equal(start?.type === "tool-call-start" && start.index, 0, "our indexes start at 0");
  });

  it("xAI: reasoning_content deltas and a tool call", () => {
    const result = replay(
      "xai",
      sseBytes(readCorpusLines("openai-compatible", "xai-stream-tool-call.chunks.jsonl"), { done: true }),
    );
    const choice = onlyChoice(result);
    assert.ok(choice.reasoning.length > 0);
    assert.equal(choice.toolCalls.length, 1);
    assert.equal(choice.finish, "tool_calls");
  });

  it("Gemini's compatible endpoint: tool call with id '' gets an id; request body as recorded", async () => {
    const [first, second] = readCassette("openai-compatible", "gemini-openai-compat-tool-calls.yaml");
    const deployment = makeDeployment("hosted_vllm", "gemini-2.5-pro-preview-05-06", {
      apiBase: "https://generativelanguage.googleapis.com/v1beta/openai",
      apiKey: "g",
    });
    const family = adapter("hosted_vllm");
    const tools = [
      {
        name: "get_current_time",
        description: "Get the current time.",
        parameters: { additionalProperties: false, properties: {}, type: "object" },
      },
    ];
    const upstream = await family.buildRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "What is the current time?" }],
        tools,
        toolChoice: { type: "auto" },
      },
      makeContext(deployment),
    );
    assert.equal(upstream.url, first?.request.uri);
    const recorded = cassetteRequestBody(first!) as Record<string, unknown>;
    delete recorded.stream;
    assert.deepEqual(JSON.parse(upstream.body as string), recorded);
    const response = family.parseResponse(first?.response.parsed_body, makeContext(deployment));
    const call = response.choices[0]?.message.toolCalls?.[0];
    assert.ok(call && call.id.length > 0, "an id was synthesised");
    assert.equal(call?.arguments, "{}");
    const answer = family.parseResponse(second?.response.parsed_body, makeContext(deployment));
    assert.equal(answer.choices[0]?.message.content, "The current time is Noon.");
  });

  it("Ollama's compatible endpoint: message.reasoning (ollama-openai-compat-reasoning.yaml)", () => {
    const [first] = readCassette("openai-compatible", "ollama-openai-compat-reasoning.yaml");
    const response = adapter("hosted_vllm").parseResponse(
      first?.response.parsed_body,
      makeContext(makeDeployment("hosted_vllm", "gpt-oss:20b")),
    );
    assert.equal(response.choices[0]?.message.content, "Paris.");
    assert.match(response.choices[0]?.message.reasoning?.[0]?.text ?? "", /capital of France/);
  });
});
