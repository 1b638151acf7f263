import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GATEWAY_DECIDED_FIELDS } from "../../../src/core/chat/forbidden-fields.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import type { HttpProviderAdapter } from "../../../src/core/types/provider.js";
import { ANTHROPIC_OPTIONS } from "../../../src/providers/anthropic/anthropic-options.js";
import { BEDROCK_OPTIONS } from "../../../src/providers/bedrock/bedrock-options.js";
import { COHERE_OPTIONS } from "../../../src/providers/cohere/cohere-options.js";
import { geminiOptions } from "../../../src/providers/gemini/gemini-options.js";
import { MISTRAL_OPTIONS } from "../../../src/providers/mistral/mistral-options.js";
import { ollamaOptions } from "../../../src/providers/ollama/ollama-options.js";
import { OPENAI_OPTIONS, openAICompatibleOptions } from "../../../src/providers/openai/openai-options.js";
import { OPENAI_COMPATIBLE_FAMILIES } from "../../../src/providers/openai-compatible/families.js";
import { getProvider } from "../../../src/providers/registry.js";
import {
  mergeIntoBody,
  type OptionRule,
  type ProviderOptionsPolicy,
} from "../../../src/providers/shared/provider-options.js";
import { makeContext, makeDeployment } from "../../providers/support/deployment.js";

const POLICIES: ProviderOptionsPolicy[] = [
  OPENAI_OPTIONS,
  ANTHROPIC_OPTIONS,
  BEDROCK_OPTIONS,
  COHERE_OPTIONS,
  geminiOptions("gemini"),
  geminiOptions("vertex_ai"),
  MISTRAL_OPTIONS,
  ollamaOptions("ollama"),
  ...OPENAI_COMPATIBLE_FAMILIES.map((family) => openAICompatibleOptions(family.prefix, family.options)),
];

function keysOf(rules: Readonly<Record<string, OptionRule>>, path = ""): string[] {
  const out: string[] = [];
  for (const [key, rule] of Object.entries(rules)) {
    out.push(`${path}${key}`);
    if (rule.keys !== undefined) out.push(...keysOf(rule.keys, `${path}${key}.`));
  }
  return out;
}

describe("provider option allow-lists hold nothing the gateway decides (GUARDS 8b)", () => {
  for (const policy of POLICIES) {
    it(`${policy.provider}: no model, prompt, token limit, stream, tools, price or identity field`, () => {
      for (const path of keysOf(policy.allowed)) {
        const leaf = (path.split(".").at(-1) ?? "").toLowerCase().replace(/-/g, "_");
        assert.ok(!GATEWAY_DECIDED_FIELDS.has(leaf), `${policy.provider} allows ${path}`);
      }
    });
  }
});

/** Every HTTP provider, a deployment of it, and one knob its allow-list takes (the positive control). */
const PROVIDERS: {
  id: string;
  namespace: string;
  model: string;
  allowed: Record<string, unknown>;
  /** Where the built body keeps the allowed knob. */
  sent: (body: Record<string, unknown>) => unknown;
  /** The body's token limit. */
  limit: (body: Record<string, unknown>) => unknown;
  /** Provider spellings of gateway-decided fields, inside its namespace, the deepest first. */
  decided: Record<string, unknown>[];
}[] = [
  {
    id: "openai",
    namespace: "openai",
    model: "gpt-a",
    allowed: { verbosity: "low" },
    sent: (body) => body["verbosity"],
    limit: (body) => body["max_tokens"],
    decided: [
      { max_completion_tokens: 9 },
      { service_tier: "priority" },
      { prediction: {} },
      { store: true },
    ],
  },
  {
    id: "azure",
    namespace: "azure",
    model: "dep-a",
    allowed: { verbosity: "low" },
    sent: (body) => body["verbosity"],
    limit: (body) => body["max_tokens"],
    decided: [{ data_sources: [] }, { modalities: ["audio"] }],
  },
  {
    id: "groq",
    namespace: "groq",
    model: "llama-a",
    allowed: { reasoning_format: "parsed" },
    sent: (body) => body["reasoning_format"],
    limit: (body) => body["max_tokens"],
    decided: [{ web_search_options: {} }, { best_of: 3 }],
  },
  {
    id: "mistral",
    namespace: "mistral",
    model: "mistral-a",
    allowed: { safe_prompt: true },
    sent: (body) => body["safe_prompt"],
    limit: (body) => body["max_tokens"],
    decided: [{ random_seed: 1 }, { prediction: {} }],
  },
  {
    id: "anthropic",
    namespace: "anthropic",
    model: "claude-a",
    allowed: { output_config: { effort: "low" } },
    sent: (body) => body["output_config"],
    limit: (body) => body["max_tokens"],
    decided: [{ thinking: { type: "enabled", budget_tokens: 99999 } }, { mcp_servers: [] }, { metadata: {} }],
  },
  {
    id: "gemini",
    namespace: "gemini",
    model: "gemini-a",
    allowed: { safetySettings: [] },
    sent: (body) => body["safetySettings"],
    limit: (body) => (body["generationConfig"] as Record<string, unknown>)["maxOutputTokens"],
    decided: [
      { generationConfig: { maxOutputTokens: 99999 } },
      { generationConfig: { candidateCount: 8 } },
      { generationConfig: { responseModalities: ["IMAGE"] } },
      { cachedContent: "cachedContents/other-tenant" },
    ],
  },
  {
    id: "bedrock",
    namespace: "bedrock",
    model: "anthropic.claude-a",
    allowed: { requestMetadata: { team: "t" } },
    sent: (body) => body["requestMetadata"],
    limit: (body) => (body["inferenceConfig"] as Record<string, unknown>)["maxTokens"],
    decided: [
      { additionalModelRequestFields: { max_tokens: 99999 } },
      { guardrailConfig: {} },
      { performanceConfig: { latency: "optimized" } },
    ],
  },
  {
    id: "cohere",
    namespace: "cohere",
    model: "command-a",
    allowed: { safety_mode: "STRICT" },
    sent: (body) => body["safety_mode"],
    limit: (body) => body["max_tokens"],
    decided: [{ thinking: { type: "enabled", token_budget: 99999 } }, { k: 5 }],
  },
  {
    id: "ollama",
    namespace: "ollama",
    model: "llama3:8b",
    allowed: { options: { num_ctx: 4096 } },
    sent: (body) => (body["options"] as Record<string, unknown>)["num_ctx"],
    limit: (body) => (body["options"] as Record<string, unknown>)["num_predict"],
    decided: [{ options: { num_predict: 99999 } }, { template: "{{ .Prompt }}" }, { think: true }],
  },
];

async function build(id: string, model: string, request: ChatRequest): Promise<Record<string, unknown>> {
  const adapter = getProvider(id) as HttpProviderAdapter;
  const deployment = makeDeployment(id, model, { apiBase: "https://upstream.example", apiKey: "k" });
  const upstream = await adapter.buildRequest(request, makeContext(deployment));
  return JSON.parse(String(upstream.body)) as Record<string, unknown>;
}

const base = (providerOptions?: Record<string, unknown>): ChatRequest => ({
  model: "a",
  messages: [{ role: "user", content: "hi" }],
  maxTokens: 16,
  ...(providerOptions !== undefined ? { providerOptions } : {}),
});

describe("every provider: caller options only add (GUARDS 8b)", () => {
  for (const provider of PROVIDERS) {
    it(`${provider.id}: an allow-listed knob is added; the model and token limit stay the gateway's`, async () => {
      for (const options of [provider.allowed, { [provider.namespace]: provider.allowed }]) {
        const body = await build(provider.id, provider.model, base(options));
        const [key, value] = Object.entries(provider.allowed)[0] as [string, unknown];
        const expected =
          typeof value === "object" && value !== null && !Array.isArray(value) && key === "options"
            ? (value as Record<string, unknown>)["num_ctx"]
            : value;
        assert.deepEqual(provider.sent(body), expected);
        assert.equal(provider.limit(body), 16);
        if ("model" in body) assert.equal(body["model"], provider.model);
      }
    });

    it(`${provider.id}: gateway-decided fields are a 400 naming them, flat or namespaced`, async () => {
      const decided = [
        { model: "other-model" },
        { messages: [] },
        { max_tokens: 99999 },
        { stream: true },
        { tools: [] },
        { foo_unknown: 1 },
        ...provider.decided,
      ];
      for (const fields of decided) {
        for (const [options, prefix] of [
          [fields, "provider_options"],
          [{ [provider.namespace]: fields }, `provider_options.${provider.namespace}`],
        ] as const) {
          const key = Object.keys(fields)[0] as string;
          await assert.rejects(
            build(provider.id, provider.model, base(options)),
            (error: unknown) =>
              error instanceof GatewayError &&
              error.kind === "invalid_request" &&
              typeof error.param === "string" &&
              error.param.startsWith(`${prefix}.${key}`),
            `${provider.id} ${JSON.stringify(options)}`,
          );
        }
      }
    });

    it(`${provider.id}: another provider's namespace is never merged`, async () => {
      const other = ["openai", "azure"].includes(provider.namespace) ? "anthropic" : "openai";
      const body = await build(provider.id, provider.model, base({ [other]: { model: "b", max_tokens: 9 } }));
      if ("model" in body) assert.equal(body["model"], provider.model);
      assert.equal(provider.limit(body), 16);
      assert.equal(body[other], undefined);
    });
  }

  it("openai wire: message, part and tool options never replace what the gateway built", async () => {
    const body = await build("openai", "gpt-a", {
      model: "a",
      maxTokens: 16,
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "hi", providerOptions: { text: "INJECTED", type: "image_url" } }],
          providerOptions: { role: "system", content: "INJECTED", audio: { id: "a1" } },
        },
      ],
      tools: [{ name: "t", providerOptions: { function: { name: "evil" }, type: "x" } }],
    });
    assert.deepEqual(body["messages"], [
      { audio: { id: "a1" }, role: "user", content: [{ type: "text", text: "hi" }] },
    ]);
    assert.deepEqual(body["tools"], [{ type: "function", function: { name: "t" } }]);
  });

  it("openai wire: pass-through fields are allow-listed; others are unsupported (dropped under drop_params)", async () => {
    const body = await build("openai", "gpt-a", {
      ...base(),
      passthrough: { verbosity: "low", store: false },
    });
    assert.equal(body["verbosity"], "low");
    assert.equal(body["store"], false);
    for (const [field, value] of [
      ["service_tier", "priority"],
      ["prediction", {}],
      ["store", true],
      ["web_search_options", {}],
      ["max_output_tokens", 9],
      ["Model", "gpt-b"],
    ] as const) {
      await assert.rejects(
        build("openai", "gpt-a", { ...base(), passthrough: { [field]: value } }),
        (error: unknown) => error instanceof GatewayError && error.param === field,
        field,
      );
    }
    const dropped = await build("openai", "gpt-a", {
      ...base(),
      dropParams: true,
      passthrough: { service_tier: "x" },
    });
    assert.equal(dropped["service_tier"], undefined);
    assert.equal(dropped["model"], "gpt-a");
  });
});

describe("mergeIntoBody: the one place caller additions enter an upstream body (GUARDS 8b)", () => {
  it("adds new fields and sub-fields, and refuses to replace what the translation set, naming the field", () => {
    const body: Record<string, unknown> = { model: "a", generationConfig: { temperature: 0.2 } };
    mergeIntoBody(body, { safetySettings: [], generationConfig: { mediaResolution: "low" } });
    assert.deepEqual(body, {
      model: "a",
      safetySettings: [],
      generationConfig: { temperature: 0.2, mediaResolution: "low" },
    });
    const refusedParam = (extra: Record<string, unknown>): string | undefined => {
      try {
        mergeIntoBody(body, extra);
      } catch (error) {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.kind, "invalid_request");
        return error.param;
      }
      return undefined;
    };
    assert.equal(refusedParam({ model: "b" }), "model");
    assert.equal(refusedParam({ generationConfig: { temperature: 2 } }), "generationConfig.temperature");
    assert.equal(refusedParam({ generationConfig: "replace" }), "generationConfig");
    assert.equal(body["model"], "a", "nothing the gateway set was replaced");
  });
});
