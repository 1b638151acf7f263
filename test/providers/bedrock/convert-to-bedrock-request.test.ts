import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest, FunctionTool } from "../../../src/core/types/chat.js";
import { convertToBedrockRequest } from "../../../src/providers/bedrock/convert-to-bedrock-request.js";
import { buildBedrockRequest } from "../../../src/providers/bedrock/index.js";
import { cassetteRequestBody, readCassette } from "../support/conformance.js";
import { makeContext, makeDeployment } from "../support/deployment.js";

const NOVA = "us.amazon.nova-micro-v1:0";
const ENV = {
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

/** pydantic-ai always sends `system: []` and `inferenceConfig: {}`; we omit empty fields. */
function withoutEmpty(body: unknown): unknown {
  const copy = { ...(body as Record<string, unknown>) };
  for (const key of ["system", "inferenceConfig"]) {
    const value = copy[key];
    if (
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === "object" && value !== null && Object.keys(value).length === 0)
    ) {
      delete copy[key];
    }
  }
  return copy;
}

function isKind(kind: string, param?: string) {
  return (error: unknown) =>
    error instanceof GatewayError && error.kind === kind && (param === undefined || error.param === param);
}

const capitalTools: FunctionTool[] = [
  {
    name: "get_capital",
    description: "Get the capital of a country.",
    parameters: {
      properties: { country: { description: "The country name.", title: "Country", type: "string" } },
      required: ["country"],
      type: "object",
      additionalProperties: false,
    },
  },
  {
    name: "get_temperature",
    description: "Get the temperature in a city.",
    parameters: {
      properties: { city: { description: "The city name.", title: "City", type: "string" } },
      required: ["city"],
      type: "object",
      additionalProperties: false,
    },
  },
];

describe("convertToBedrockRequest against recorded requests", () => {
  it("system prompt + maxTokens (cassette-converse-max-tokens) and the recorded URL", async () => {
    const [interaction] = readCassette("bedrock", "cassette-converse-max-tokens.yaml");
    assert.ok(interaction);
    const request: ChatRequest = {
      model: "bedrock/us.amazon.nova-micro-v1:0",
      messages: [
        { role: "system", content: "You are a helpful chatbot." },
        { role: "user", content: "What is the capital of France?" },
      ],
      maxTokens: 5,
    };
    const deployment = makeDeployment("bedrock", NOVA, { extra: { aws_region_name: "us-east-1" } });
    const upstream = await buildBedrockRequest(request, makeContext(deployment), ENV);
    assert.equal(upstream.url, interaction.request.uri);
    assert.deepEqual(JSON.parse(upstream.body as string), cassetteRequestBody(interaction));
  });

  it("tools and a tool round trip (cassette-converse-iter-stream, both turns)", async () => {
    const interactions = readCassette("bedrock", "cassette-converse-iter-stream.yaml");
    const first: ChatRequest = {
      model: "m",
      messages: [
        { role: "system", content: "You are a helpful chatbot." },
        { role: "user", content: "What is the temperature of the capital of France?" },
      ],
      topP: 0.5,
      tools: capitalTools,
    };
    const deployment = makeDeployment("bedrock", NOVA, { extra: { aws_region_name: "us-east-1" } });
    const upstream = await buildBedrockRequest(first, makeContext(deployment, true), ENV);
    assert.equal(upstream.url, interactions[0]?.request.uri);
    assert.deepEqual(JSON.parse(upstream.body as string), cassetteRequestBody(interactions[0]!));
    const second: ChatRequest = {
      ...first,
      messages: [
        ...first.messages,
        {
          role: "assistant",
          content:
            '<thinking> To find the temperature of the capital of France, I need to first determine the capital of France and then get the current temperature in that city. The capital of France is Paris. I will use the "get_temperature" tool to find the current temperature in Paris.</thinking>\n',
          toolCalls: [
            { id: "tooluse_lAG_zP8QRHmSYOwZzzaCqA", name: "get_temperature", arguments: '{"city": "Paris"}' },
          ],
        },
        { role: "tool", toolCallId: "tooluse_lAG_zP8QRHmSYOwZzzaCqA", content: "30°C" },
      ],
    };
    // pydantic-ai adds toolResult.status "success"; OpenAI tool messages carry no status, so we send none
    // (Bedrock documents the field as optional and Claude-only).
    const recorded = cassetteRequestBody(interactions[1]!) as {
      messages: { content: Record<string, unknown>[] }[];
    };
    const result = recorded.messages[2]?.content[0]?.toolResult as Record<string, unknown>;
    assert.equal(result.status, "success");
    delete result.status;
    assert.deepEqual(convertToBedrockRequest(second, NOVA), recorded);
  });

  it("thinking budget goes to additionalModelRequestFields (cassette-converse-thinking-part-stream)", () => {
    const [interaction] = readCassette("bedrock", "cassette-converse-thinking-part-stream.yaml");
    const body = convertToBedrockRequest(
      { model: "m", messages: [{ role: "user", content: "Hello" }], reasoningBudgetTokens: 1024 },
      "us.anthropic.claude-sonnet-4-20250514-v1:0",
    );
    assert.deepEqual(body, withoutEmpty(cassetteRequestBody(interaction!)));
    const byEffort = convertToBedrockRequest(
      { model: "m", messages: [{ role: "user", content: "Hello" }], reasoningEffort: "low" },
      "us.anthropic.claude-sonnet-4-20250514-v1:0",
    );
    assert.deepEqual(byEffort.additionalModelRequestFields, {
      thinking: { type: "enabled", budget_tokens: 1024 },
    });
    assert.throws(
      () =>
        convertToBedrockRequest(
          { model: "m", messages: [{ role: "user", content: "Hi" }], reasoningEffort: "high" },
          NOVA,
        ),
      isKind("unsupported_parameter", "reasoning_effort"),
    );
  });

  it("documents, cache points on system, parts and tools, toolChoice auto (cassette-converse-prompt-cache)", () => {
    const [interaction] = readCassette("bedrock", "cassette-converse-prompt-cache.yaml");
    const recorded = cassetteRequestBody(interaction!) as {
      messages: { content: { text?: string }[] }[];
      system: { text?: string }[];
    };
    const longText = recorded.messages[0]?.content[0]?.text as string;
    const systemText = recorded.system[0]?.text as string;
    const cache = { cache_control: { type: "ephemeral" } };
    const emptyObject = { additionalProperties: false, properties: {}, type: "object" };
    const body = convertToBedrockRequest(
      {
        model: "m",
        messages: [
          { role: "system", content: systemText, providerOptions: cache },
          {
            role: "user",
            content: [
              { type: "text", text: longText },
              {
                type: "file",
                data: new TextEncoder().encode("You are a great mathematician"),
                mediaType: "text/plain",
                filename: "Document 1",
              },
              { type: "text", text: "\n", providerOptions: cache },
              { type: "text", text: "What is 10 + 11?", providerOptions: cache },
            ],
          },
        ],
        tools: [
          { name: "catalog_lookup", parameters: emptyObject },
          { name: "diagnostics", parameters: emptyObject, providerOptions: cache },
        ],
        toolChoice: { type: "auto" },
      },
      "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    );
    assert.deepEqual(body, withoutEmpty(recorded));
  });
});

describe("convertToBedrockRequest rules", () => {
  it("puts parallel tool results and the next user text into one user message", () => {
    const body = convertToBedrockRequest(
      {
        model: "m",
        messages: [
          { role: "user", content: "Weather in Paris and Rome?" },
          {
            role: "assistant",
            content: null,
            toolCalls: [
              { id: "a", name: "weather", arguments: '{"city":"Paris"}' },
              { id: "b", name: "weather", arguments: "" },
            ],
          },
          { role: "tool", toolCallId: "a", content: "20C" },
          { role: "tool", toolCallId: "b", content: "25C" },
          { role: "user", content: "And tomorrow?" },
        ],
      },
      NOVA,
    );
    assert.deepEqual(body.messages, [
      { role: "user", content: [{ text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "a", name: "weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "b", name: "weather", input: {} } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "a", content: [{ text: "20C" }] } },
          { toolResult: { toolUseId: "b", content: [{ text: "25C" }] } },
          { text: "And tomorrow?" },
        ],
      },
    ]);
    // No tools declared but the history has tool blocks: Bedrock needs a toolConfig anyway.
    assert.deepEqual(body.toolConfig, {
      tools: [{ toolSpec: { name: "weather", inputSchema: { json: { type: "object", properties: {} } } } }],
    });
  });

  it("sends images as bytes and refuses http image URLs", () => {
    const body = convertToBedrockRequest(
      {
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" },
              { type: "text", text: "What is it?" },
            ],
          },
        ],
      },
      NOVA,
    );
    assert.deepEqual(body.messages[0]?.content[0], {
      image: { format: "png", source: { bytes: "iVBORw0KGgo=" } },
    });
    assert.throws(
      () =>
        convertToBedrockRequest(
          {
            model: "m",
            messages: [{ role: "user", content: [{ type: "image", url: "https://example.com/a.png" }] }],
          },
          NOVA,
        ),
      isKind("invalid_request", "messages[0].content[0].image_url"),
    );
  });

  it("sends reasoning back with its signature and redacted reasoning as redactedContent", () => {
    const body = convertToBedrockRequest(
      {
        model: "m",
        messages: [
          { role: "user", content: "Hi" },
          {
            role: "assistant",
            content: "Hello",
            reasoning: [{ text: "thinking", signature: "sig" }, { redactedData: "b64data" }],
          },
          { role: "user", content: "Again" },
        ],
      },
      "anthropic.claude-3-7-sonnet-20250219-v1:0",
    );
    assert.deepEqual(body.messages[1]?.content, [
      { reasoningContent: { reasoningText: { text: "thinking", signature: "sig" } } },
      { reasoningContent: { redactedContent: "b64data" } },
      { text: "Hello" },
    ]);
  });

  it("maps tool_choice required/function and stop sequences", () => {
    const required = convertToBedrockRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        tools: capitalTools,
        toolChoice: { type: "required" },
        stop: ["END"],
      },
      NOVA,
    );
    assert.deepEqual(required.toolConfig?.toolChoice, { any: {} });
    assert.deepEqual(required.inferenceConfig, { stopSequences: ["END"] });
    const named = convertToBedrockRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        tools: capitalTools,
        toolChoice: { type: "function", name: "get_capital" },
      },
      NOVA,
    );
    assert.deepEqual(named.toolConfig?.toolChoice, { tool: { name: "get_capital" } });
    const none = convertToBedrockRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        tools: capitalTools,
        toolChoice: { type: "none" },
      },
      NOVA,
    );
    assert.equal(none.toolConfig, undefined);
  });

  it("rejects parameters Bedrock cannot take, unless drop_params", () => {
    const base: ChatRequest = { model: "m", messages: [{ role: "user", content: "x" }] };
    assert.throws(
      () => convertToBedrockRequest({ ...base, presencePenalty: 1 }, NOVA),
      isKind("unsupported_parameter", "presence_penalty"),
    );
    assert.throws(
      () => convertToBedrockRequest({ ...base, seed: 3 }, NOVA),
      isKind("unsupported_parameter", "seed"),
    );
    assert.throws(
      () => convertToBedrockRequest({ ...base, n: 2 }, NOVA),
      isKind("unsupported_parameter", "n"),
    );
    assert.throws(
      () => convertToBedrockRequest({ ...base, passthrough: { service_tier: "flex" } }, NOVA),
      isKind("unsupported_parameter", "service_tier"),
    );
    assert.throws(
      () => convertToBedrockRequest({ ...base, topK: 5 }, NOVA),
      isKind("unsupported_parameter", "top_k"),
    );
    const dropped = convertToBedrockRequest(
      {
        ...base,
        presencePenalty: 1,
        seed: 3,
        passthrough: { service_tier: "flex" },
        topK: 5,
        dropParams: true,
        temperature: 0.2,
      },
      NOVA,
    );
    assert.deepEqual(dropped, {
      messages: [{ role: "user", content: [{ text: "x" }] }],
      inferenceConfig: { temperature: 0.2 },
    });
    const claude = convertToBedrockRequest({ ...base, topK: 5 }, "anthropic.claude-3-haiku-20240307-v1:0");
    assert.deepEqual(claude.additionalModelRequestFields, { top_k: 5 });
  });

  it("merges allow-listed Converse fields from providerOptions (metadata, additional fields)", () => {
    const body = convertToBedrockRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        topK: 3,
        providerOptions: {
          bedrock: {
            requestMetadata: { team: "t1" },
            additionalModelRequestFields: { anthropic_beta: ["x"] },
          },
        },
      },
      "anthropic.claude-3-haiku-20240307-v1:0",
    );
    assert.deepEqual(body.requestMetadata, { team: "t1" });
    assert.deepEqual(body.additionalModelRequestFields, { top_k: 3, anthropic_beta: ["x"] });
  });

  it("refuses Converse fields that change the price or what the gateway set (GUARDS 8b)", () => {
    const base = { model: "m", messages: [{ role: "user" as const, content: "x" }], maxTokens: 10 };
    for (const [options, param] of [
      [
        { bedrock: { guardrailConfig: { guardrailIdentifier: "g1" } } },
        "provider_options.bedrock.guardrailConfig",
      ],
      [{ performanceConfig: { latency: "optimized" } }, "provider_options.performanceConfig"],
      [{ inferenceConfig: { maxTokens: 99999 } }, "provider_options.inferenceConfig"],
      [
        { bedrock: { additionalModelRequestFields: { max_tokens: 99999 } } },
        "provider_options.bedrock.additionalModelRequestFields.max_tokens",
      ],
      [
        { additionalModelRequestFields: { anthropic_beta: ["context-1m-2025-08-07"] } },
        "provider_options.additionalModelRequestFields.anthropic_beta",
      ],
    ] as const) {
      assert.throws(
        () =>
          convertToBedrockRequest(
            { ...base, providerOptions: options },
            "anthropic.claude-3-haiku-20240307-v1:0",
          ),
        (error: unknown) => error instanceof GatewayError && error.param === param,
        param,
      );
    }
  });
});

describe("JSON mode emulated with a forced tool", () => {
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
  it("json_schema becomes one forced tool with the schema; with thinking the choice is auto", () => {
    const body = convertToBedrockRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        responseFormat: { type: "json_schema", name: "city", schema },
      },
      NOVA,
    );
    assert.deepEqual(body.toolConfig, {
      tools: [
        {
          toolSpec: {
            name: "switchboard_json_response",
            description: "Respond with a JSON object that matches this schema.",
            inputSchema: { json: schema },
          },
        },
      ],
      toolChoice: { tool: { name: "switchboard_json_response" } },
    });
    const thinking = convertToBedrockRequest(
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        responseFormat: { type: "json_object" },
        reasoningBudgetTokens: 1024,
      },
      "anthropic.claude-sonnet-4",
    );
    assert.deepEqual(thinking.toolConfig?.toolChoice, { auto: {} });
  });

  it("with the caller's own tools it is refused unless drop_params", () => {
    const request: ChatRequest = {
      model: "m",
      messages: [{ role: "user", content: "x" }],
      tools: capitalTools,
      responseFormat: { type: "json_object" },
    };
    assert.throws(
      () => convertToBedrockRequest(request, NOVA),
      isKind("unsupported_parameter", "response_format"),
    );
    const dropped = convertToBedrockRequest({ ...request, dropParams: true }, NOVA);
    assert.equal(dropped.toolConfig?.tools.length, 2);
  });
});

describe("buildBedrockRequest transport", () => {
  const request: ChatRequest = { model: "m", messages: [{ role: "user", content: "hello" }] };

  it("signs with deployment credentials (session token included) for the bedrock service", async () => {
    const deployment = makeDeployment("bedrock", "converse/us.anthropic.claude-sonnet-4-6", {
      extra: {
        aws_access_key_id: "AKIDDEPLOY",
        aws_secret_access_key: "secret",
        aws_session_token: "token-1",
        aws_region_name: "eu-central-1",
      },
    });
    const upstream = await buildBedrockRequest(
      request,
      makeContext(deployment, true),
      ENV,
      new Date("2025-01-02T03:04:05Z"),
    );
    assert.equal(
      upstream.url,
      "https://bedrock-runtime.eu-central-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-6/converse-stream",
    );
    assert.match(
      upstream.headers.authorization ?? "",
      /^AWS4-HMAC-SHA256 Credential=AKIDDEPLOY\/20250102\/eu-central-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    assert.equal(upstream.headers["x-amz-security-token"], "token-1");
    assert.equal(upstream.headers.accept, "application/vnd.amazon.eventstream");
  });

  it("uses a Bedrock API key as a bearer token and honours api_base", async () => {
    const deployment = makeDeployment("bedrock", NOVA, {
      apiKey: "bedrock-api-key",
      apiBase: "http://127.0.0.1:9/",
    });
    const upstream = await buildBedrockRequest(request, makeContext(deployment), {});
    assert.equal(upstream.url, "http://127.0.0.1:9/model/us.amazon.nova-micro-v1%3A0/converse");
    assert.equal(upstream.headers.authorization, "Bearer bedrock-api-key");
  });

  it("fails with upstream_auth, naming no secret, when there are no credentials", async () => {
    const deployment = makeDeployment("bedrock", NOVA);
    await assert.rejects(buildBedrockRequest(request, makeContext(deployment), {}), isKind("upstream_auth"));
  });
});

describe("deployment-level drop_params", () => {
  it("a deployment with drop_params: true drops what Bedrock cannot take", async () => {
    const deployment = makeDeployment("bedrock", NOVA, {
      apiKey: "k",
      extra: { drop_params: true, region_name: "eu-west-1" },
    });
    const upstream = await buildBedrockRequest(
      { model: "m", messages: [{ role: "user", content: "x" }], presencePenalty: 1 },
      makeContext(deployment),
      {},
    );
    assert.equal(
      upstream.url,
      "https://bedrock-runtime.eu-west-1.amazonaws.com/model/us.amazon.nova-micro-v1%3A0/converse",
    );
    assert.deepEqual(JSON.parse(upstream.body as string), {
      messages: [{ role: "user", content: [{ text: "x" }] }],
    });
  });
});
