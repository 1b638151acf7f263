import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { estimateTokens } from "../../../src/core/estimate/token-estimate.js";
import type { ChatEvent, Usage } from "../../../src/core/types/chat.js";
import { AnthropicStreamDecoder } from "../../../src/providers/anthropic/anthropic-stream-decoder.js";
import { mapAnthropicUsage } from "../../../src/providers/anthropic/map-anthropic-usage.js";
import { mapGeminiUsage } from "../../../src/providers/gemini/map-gemini-usage.js";
import { OpenAIStreamDecoder } from "../../../src/providers/openai/openai-stream-decoder.js";
import { parseOpenAIUsage } from "../../../src/providers/openai/parse-openai-response.js";
import { costOf } from "../../../src/usage/cost.js";
import { PriceTable } from "../../../src/usage/price-table.js";
import {
  hasConformance,
  readChunks,
  readConformance,
  readConformanceJson,
} from "../../helpers/conformance.js";
import { deployment } from "../../helpers/gateway.js";

const table = new PriceTable();
const near = (actual: number | undefined, expected: number) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `cost ${actual} ≠ ${expected}`);

function cost(provider: string, model: string, usage: Usage | undefined): number | undefined {
  assert.ok(usage, "the recording has usage");
  const price = table.lookup(provider, model);
  assert.ok(price, `${provider}/${model} is priced`);
  return costOf(usage, price).costUsd;
}

function cassetteBodies(file: string): Record<string, unknown>[] {
  const cassette = parseYaml(readConformance(file)) as {
    interactions: { response: { parsed_body?: unknown; body?: { string: string } } }[];
  };
  return cassette.interactions.map(
    (interaction) =>
      (interaction.response.parsed_body ?? JSON.parse(interaction.response.body?.string ?? "{}")) as Record<
        string,
        unknown
      >,
  );
}

const skipNoCorpus = hasConformance("README.md") ? false : "conformance corpus not found beside the repo";

/** Recorded usage (as each provider reports it, mapped by our adapters) × the shipped price table. */
describe("cost of recorded usage shapes", { skip: skipNoCorpus }, () => {
  it("openai: plain (gpt-4.1-nano, dated id resolves to the undated price)", () => {
    const body = readConformanceJson("openai/chat-basic.json") as { usage: unknown };
    near(cost("openai", "gpt-4.1-nano-2025-04-14", parseOpenAIUsage(body.usage)), 16 * 0.1e-6 + 363 * 0.4e-6);
  });

  it("openai: reasoning tokens are billed inside completion at the output price (o3-mini)", () => {
    const [body] = cassetteBodies("openai/cassette-chat-max-completion-tokens-o3-mini.yaml");
    const usage = parseOpenAIUsage(body?.["usage"]);
    assert.equal(usage?.reasoningTokens, 64);
    near(cost("openai", "o3-mini-2025-01-31", usage), 7 * 1.1e-6 + 87 * 4.4e-6);
  });

  it("anthropic: cache write at 1.25× and cache read at 0.1× the input price", () => {
    const [, second] = cassetteBodies("anthropic/cassette-prompt-cache.yaml");
    const usage = mapAnthropicUsage(second?.["usage"] as Parameters<typeof mapAnthropicUsage>[0]);
    assert.equal(usage.cacheWriteTokens, 418);
    assert.equal(usage.cachedPromptTokens, 1111);
    near(
      cost("anthropic", "claude-sonnet-4-5-20250929", usage),
      3 * 3e-6 + 418 * 3.75e-6 + 1111 * 0.3e-6 + 33 * 15e-6,
    );
  });

  it("gemini and vertex_ai: thoughts are completion tokens at the output price", () => {
    const body = readConformanceJson("gemini/generate-content-basic.json") as { usageMetadata: unknown };
    const usage = mapGeminiUsage(body.usageMetadata as Parameters<typeof mapGeminiUsage>[0]);
    const expected = 9 * 2e-6 + (28 + 244) * 12e-6;
    near(cost("gemini", "gemini-3-pro-preview", usage), expected);
    near(cost("vertex_ai", "gemini-3-pro-preview", usage), expected);
  });

  it("bedrock: Claude through a region inference profile, cache write and cache read", () => {
    const [write, read] = cassetteBodies("bedrock/cassette-converse-prompt-cache.yaml").map((body) => {
      const usage = body["usage"] as Record<string, number>;
      // Converse reports input without the cached parts (as Anthropic does).
      const prompt =
        (usage["inputTokens"] ?? 0) +
        (usage["cacheReadInputTokens"] ?? 0) +
        (usage["cacheWriteInputTokens"] ?? 0);
      return {
        promptTokens: prompt,
        completionTokens: usage["outputTokens"] ?? 0,
        totalTokens: prompt + (usage["outputTokens"] ?? 0),
        cachedPromptTokens: usage["cacheReadInputTokens"] ?? 0,
        cacheWriteTokens: usage["cacheWriteInputTokens"] ?? 0,
      } satisfies Usage;
    });
    const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    // The model catalog knows Bedrock's 10% premium on regional (geo-scoped) endpoints of Claude 4.5 models.
    near(cost("bedrock", model, write), 1.1 * (2 * 3e-6 + 1322 * 3.75e-6 + 5 * 15e-6));
    near(cost("bedrock", model, read), 1.1 * (2 * 3e-6 + 1322 * 0.3e-6 + 5 * 15e-6));
  });

  it("cohere: billed units (cached tokens are not discounted by Cohere)", () => {
    const [body] = cassetteBodies("cohere/cassette-chat-v2-cached-tokens.yaml");
    assert.ok(body);
    const billed = (body["usage"] as { billed_units: { input_tokens: number; output_tokens: number } })
      .billed_units;
    const usage: Usage = {
      promptTokens: billed.input_tokens,
      completionTokens: billed.output_tokens,
      totalTokens: billed.input_tokens + billed.output_tokens,
    };
    near(cost("cohere", "command-r7b-12-2024", usage), 2406 * 0.0375e-6 + 2 * 0.15e-6);
  });

  it("mistral and deepseek (OpenAI-shaped usage)", () => {
    const mistral = readConformanceJson("mistral/chat-basic.json") as { usage: unknown };
    near(
      cost("mistral", "mistral-small-latest", parseOpenAIUsage(mistral.usage)),
      13 * 0.1e-6 + 434 * 0.3e-6,
    );
    const deepseek = readConformanceJson("openai-compatible/deepseek-reasoning-content.json") as {
      usage: unknown;
    };
    near(
      cost("deepseek", "deepseek-reasoner", parseOpenAIUsage(deepseek.usage)),
      18 * 0.28e-6 + 345 * 0.42e-6,
    );
  });

  it("streams: the usage the decoder reports at the end (openai include_usage, anthropic message_delta)", () => {
    const openai = new OpenAIStreamDecoder("openai");
    const events: ChatEvent[] = [];
    for (const line of readChunks("openai/chat-stream-text.chunks.jsonl"))
      events.push(...openai.decode({ data: line }));
    events.push(...openai.end());
    const usage = events.findLast((event) => event.type === "usage");
    assert.ok(usage?.type === "usage");
    near(cost("openai", "gpt-4.1-nano-2025-04-14", usage.usage), 16 * 0.1e-6 + 300 * 0.4e-6);

    const anthropic = new AnthropicStreamDecoder();
    const anthropicEvents: ChatEvent[] = [];
    const lines = readChunks("anthropic/messages-stream-text.chunks.jsonl");
    for (const line of lines) {
      const type = (JSON.parse(line) as { type: string }).type;
      anthropicEvents.push(...anthropic.decode({ event: type, data: line }));
    }
    let merged: Usage | undefined;
    for (const event of anthropicEvents) if (event.type === "usage") merged = event.usage;
    const start = JSON.parse(lines[0] as string) as {
      message: { model: string; usage: { input_tokens: number } };
    };
    const delta = lines
      .map((line) => JSON.parse(line) as { type: string; usage?: { output_tokens: number } })
      .find((e) => e.type === "message_delta");
    near(
      cost("anthropic", start.message.model, merged),
      start.message.usage.input_tokens * table.lookup("anthropic", start.message.model)!.inputPerToken +
        (delta?.usage?.output_tokens ?? 0) * table.lookup("anthropic", start.message.model)!.outputPerToken,
    );
  });

  it("a partial stream without reported usage: the generated text is estimated with the tokenizer", async () => {
    const anthropic = new AnthropicStreamDecoder();
    const lines = readChunks("anthropic/messages-stream-text.chunks.jsonl");
    let text = "";
    const events: ChatEvent[] = [];
    // Cut before message_delta (which carries the output tokens): the client left mid-answer.
    for (const line of lines.slice(0, Math.ceil(lines.length / 2))) {
      const type = (JSON.parse(line) as { type: string }).type;
      for (const event of anthropic.decode({ event: type, data: line })) {
        events.push(event);
        if (event.type === "text-delta") text += event.text;
      }
    }
    assert.ok(text.length > 0);
    assert.equal(
      events.some((event) => event.type === "usage" && event.usage.completionTokens > 0),
      false,
    );
    const generated = await estimateTokens(text);
    assert.ok(generated > 0 && generated <= Buffer.byteLength(text), "an estimate bounded by the bytes");
    const start = JSON.parse(lines[0] as string) as { message: { model: string } };
    const price = table.lookup("anthropic", start.message.model);
    assert.ok(price);
    near(
      costOf({ promptTokens: 0, completionTokens: generated, totalTokens: generated }, price).costUsd,
      generated * price.outputPerToken,
    );
  });
});

describe("prices", () => {
  it("an unknown model is unpriced (no cost), never zero", () => {
    assert.equal(table.lookup("openai", "gpt-unknown-1"), undefined);
    assert.deepEqual(costOf({ promptTokens: 10, completionTokens: 10, totalTokens: 20 }, undefined), {
      costUsd: undefined,
      priced: false,
    });
  });

  it("every provider we route to has priced models", () => {
    for (const [provider, model] of [
      ["openai", "gpt-4o"],
      ["azure", "gpt-4o-mini"],
      ["anthropic", "claude-3-5-haiku-20241022"],
      ["gemini", "gemini-2.5-flash"],
      ["vertex_ai", "gemini-2.5-pro"],
      ["bedrock", "anthropic.claude-3-haiku-20240307-v1:0"],
      ["bedrock", "amazon.nova-pro-v1:0"],
      ["mistral", "mistral-large-latest"],
      ["cohere", "command-a-03-2025"],
      ["groq", "llama-3.3-70b-versatile"],
      ["deepseek", "deepseek-chat"],
      ["xai", "grok-3-mini"],
      ["perplexity", "sonar"],
      ["ollama", "llama3.2"],
    ] as const) {
      assert.ok(table.lookup(provider, model), `${provider}/${model}`);
    }
  });

  it("tiered prices apply above the threshold (gemini-2.5-pro over 200k prompt tokens)", () => {
    const price = table.lookup("gemini", "gemini-2.5-pro");
    near(
      costOf({ promptTokens: 250_000, completionTokens: 1_000, totalTokens: 251_000 }, price).costUsd,
      250_000 * 2.5e-6 + 1_000 * 15e-6,
    );
    near(
      costOf({ promptTokens: 1_000, completionTokens: 1_000, totalTokens: 2_000 }, price).costUsd,
      1_000 * 1.25e-6 + 1_000 * 10e-6,
    );
  });

  it("model_info overrides the table per deployment; base_model prices an Azure deployment name", () => {
    const custom = deployment("cheap", "openai", "gpt-4o");
    custom.info = { inputCostPerToken: 1e-7, extra: {} };
    const price = table.forDeployment(custom);
    assert.equal(price?.inputPerToken, 1e-7);
    assert.equal(price?.outputPerToken, 10e-6, "what the override does not name comes from the table");
    assert.equal(price?.source, "model_info");
    const azure = deployment("prod", "azure", "my-deployment-name");
    azure.info = { extra: { base_model: "azure/gpt-4o-mini" } };
    assert.equal(table.forDeployment(azure)?.inputPerToken, 0.15e-6);
    const unknown = deployment("x", "openai", "my-finetune");
    unknown.info = { extra: { cache_read_input_token_cost: 1e-9 } };
    assert.equal(table.forDeployment(unknown), undefined, "a cache price alone does not price a model");
  });

  it("a LiteLLM-format price file adds and overrides models", () => {
    const dir = mkdtempSync(join(tmpdir(), "prices-"));
    const file = join(dir, "prices.json");
    writeFileSync(
      file,
      JSON.stringify({
        "my-org/custom-model": {
          litellm_provider: "openai",
          input_cost_per_token: 3e-6,
          output_cost_per_token: 4e-6,
        },
        "gpt-4o": {
          litellm_provider: "openai",
          input_cost_per_token: 1e-6,
          output_cost_per_token: 2e-6,
          mode: "chat",
        },
        "text-embedding-3-small": {
          litellm_provider: "openai",
          input_cost_per_token: 2e-8,
          mode: "embedding",
        },
      }),
    );
    const loaded = PriceTable.fromFile(file);
    // Without the catalog (which prices embeddings itself), to see what the file's embedding entry does.
    const fileOnly = new PriceTable([JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>], {
      catalog: false,
    });
    assert.equal(loaded.lookup("openai", "my-org/custom-model")?.outputPerToken, 4e-6);
    assert.equal(loaded.lookup("openai", "gpt-4o")?.inputPerToken, 1e-6);
    // Embedding entries are priced too (issue 14: embeddings bill their input tokens), from the file alone as well.
    assert.equal(loaded.lookup("openai", "text-embedding-3-small")?.inputPerToken, 2e-8);
    assert.equal(fileOnly.lookup("openai", "text-embedding-3-small")?.inputPerToken, 2e-8);
  });
});
