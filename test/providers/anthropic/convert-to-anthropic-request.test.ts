import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest, Message } from "../../../src/core/types/chat.js";
import {
  ANTHROPIC_JSON_TOOL_NAME,
  anthropicMessagesUrl,
  convertToAnthropicBody,
} from "../../../src/providers/anthropic/convert-to-anthropic-request.js";
import { anthropicProvider } from "../../../src/providers/anthropic/index.js";
import { readCassette, testDeployment } from "../../helpers/provider-fixtures.js";

type Body = Record<string, unknown>;

function body(
  request: Partial<ChatRequest> & { messages: Message[] },
  model = "claude-sonnet-4-5",
  stream = false,
): Body {
  return convertToAnthropicBody({ model, ...request }, testDeployment("anthropic", model), stream);
}

/** Text blocks of a recorded user turn, as our converter builds them from a plain string. */
function textOf(message: unknown): string {
  const content = (message as { content: { text: string }[] }).content;
  return content.map((block) => block.text).join("");
}

describe("anthropic request: recorded requests", () => {
  it("hoists the system prompt to the top-level field (cassette-system-top-level)", () => {
    const [interaction] = readCassette("anthropic/cassette-system-top-level.yaml");
    const recorded = interaction!.request.parsed_body!;
    const built = body(
      {
        messages: [
          { role: "system", content: recorded["system"] as string },
          { role: "user", content: "What is the capital of France?" },
        ],
      },
      "claude-3-opus-latest",
    );
    // max_tokens 4096 here is our per-model default for the claude-3-opus family, not a caller value.
    assert.deepEqual(built, recorded);
  });

  it("sends an http image as a URL source (cassette-image-url-input)", () => {
    const [interaction] = readCassette("anthropic/cassette-image-url-input.yaml");
    const recorded = interaction!.request.parsed_body!;
    const built = body(
      {
        maxTokens: 4096,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this vegetable?" },
              {
                type: "image",
                url: "https://t3.ftcdn.net/jpg/00/85/79/92/360_F_85799278_0BBGV9OAdQDTLnKwAPBCcg1J7QtiieJY.jpg",
              },
            ],
          },
        ],
      },
      "claude-haiku-4-5",
    );
    assert.deepEqual(built, recorded);
  });

  it("builds both turns of a parallel tool round trip (cassette-parallel-tool-calls)", () => {
    const [first, second] = readCassette("anthropic/cassette-parallel-tool-calls.yaml");
    const recordedFirst = first!.request.parsed_body!;
    const recordedSecond = second!.request.parsed_body!;
    const recordedTool = (recordedFirst["tools"] as Body[])[0]!;
    const tools: ChatRequest["tools"] = [
      {
        name: "retrieve_entity_info",
        description: recordedTool["description"] as string,
        parameters: recordedTool["input_schema"] as Body,
      },
    ];
    const system = recordedFirst["system"] as string;
    const question = textOf((recordedFirst["messages"] as unknown[])[0]);
    const base = { maxTokens: 4096, tools, toolChoice: { type: "auto" } as const };
    assert.deepEqual(
      body(
        {
          ...base,
          messages: [
            { role: "system", content: system },
            { role: "user", content: question },
          ],
        },
        "claude-haiku-4-5",
      ),
      recordedFirst,
    );

    const assistantBlocks = (recordedSecond["messages"] as { content: Body[] }[])[1]!.content;
    const resultBlocks = (recordedSecond["messages"] as { content: Body[] }[])[2]!.content;
    const messages: Message[] = [
      { role: "system", content: system },
      { role: "user", content: question },
      {
        role: "assistant",
        content: assistantBlocks[0]!["text"] as string,
        toolCalls: assistantBlocks.slice(1).map((block) => ({
          id: block["id"] as string,
          name: block["name"] as string,
          arguments: JSON.stringify(block["input"]),
        })),
      },
      ...resultBlocks.map(
        (block): Message => ({
          role: "tool",
          toolCallId: block["tool_use_id"] as string,
          content: block["content"] as string,
        }),
      ),
    ];
    // pydantic-ai writes `is_error: false` on every result; we send is_error only when it is true.
    for (const block of resultBlocks) delete block["is_error"];
    assert.deepEqual(body({ ...base, messages }, "claude-haiku-4-5"), recordedSecond);
  });

  it("sends a thinking budget with stream:true (cassette-stream-thinking, cassette-stream-redacted-thinking)", () => {
    for (const [file, model] of [
      ["anthropic/cassette-stream-thinking.yaml", "claude-sonnet-4-0"],
      ["anthropic/cassette-stream-redacted-thinking.yaml", "claude-sonnet-4-5-20250929"],
    ] as const) {
      const [interaction] = readCassette(file);
      const recorded = interaction!.request.parsed_body!;
      const built = body(
        {
          maxTokens: 4096,
          reasoningBudgetTokens: 1024,
          messages: [{ role: "user", content: textOf((recorded["messages"] as unknown[])[0]) }],
        },
        model,
        true,
      );
      assert.deepEqual(built, recorded, file);
    }
  });

  it("passes request-level cache_control through providerOptions (cassette-prompt-cache)", () => {
    for (const interaction of readCassette("anthropic/cassette-prompt-cache.yaml")) {
      const recorded = interaction.request.parsed_body!;
      const turns = recorded["messages"] as { role: "user" | "assistant"; content: { text: string }[] }[];
      const built = body(
        {
          maxTokens: 4096,
          providerOptions: { anthropic: { cache_control: { type: "ephemeral", ttl: "5m" } } },
          messages: [
            { role: "system", content: recorded["system"] as string },
            ...turns.map((turn): Message => ({ role: turn.role, content: textOf(turn) })),
          ],
        },
        "claude-sonnet-4-5",
      );
      // Recorded assistant/user follow-up blocks carry no `type` in this cassette's YAML; compare the text.
      assert.deepEqual(
        (built["messages"] as { role: string; content: { text: string }[] }[]).map((turn) => [
          turn.role,
          textOf(turn),
        ]),
        turns.map((turn) => [turn.role, textOf(turn)]),
      );
      const { messages: _builtMessages, ...builtRest } = built;
      const { messages: _recordedMessages, ...recordedRest } = recorded;
      assert.deepEqual(builtRest, recordedRest);
    }
  });

  it("passes unknown top-level knobs from providerOptions (errors/anthropic-400-invalid-request.cassette)", () => {
    const [interaction] = readCassette("errors/anthropic-400-invalid-request.cassette.yaml");
    const recorded = interaction!.request.parsed_body!;
    const built = body(
      {
        maxTokens: 4096,
        providerOptions: { output_config: { effort: "xhigh" } },
        messages: [{ role: "user", content: "What is 2+2?" }],
      },
      "claude-opus-4-6",
    );
    assert.deepEqual(built, recorded);
  });
});

describe("anthropic request: translation rules", () => {
  it("sets version, key and beta headers and never puts the key in the URL", async () => {
    const deployment = testDeployment("anthropic", "claude-sonnet-4-5", {
      params: { apiKey: "sk-ant-test", apiBase: "http://127.0.0.1:9/v1", extra: {} },
    });
    const upstream = await anthropicProvider.buildRequest(
      {
        model: "x",
        messages: [{ role: "user", content: "hi" }],
        upstreamHeaders: { "anthropic-beta": "files-api-2025-04-14" },
      },
      { deployment, stream: true, requestId: "r1" },
    );
    assert.equal(upstream.url, "http://127.0.0.1:9/v1/messages");
    assert.equal(upstream.headers["x-api-key"], "sk-ant-test");
    assert.equal(upstream.headers["anthropic-version"], "2023-06-01");
    assert.equal(upstream.headers["anthropic-beta"], "files-api-2025-04-14");
    assert.ok(!upstream.url.includes("sk-ant-test"));
    assert.equal((JSON.parse(upstream.body as string) as Body)["stream"], true);
  });

  it("resolves api_base forms to the messages URL", () => {
    assert.equal(anthropicMessagesUrl(undefined), "https://api.anthropic.com/v1/messages");
    assert.equal(anthropicMessagesUrl("https://proxy.example/"), "https://proxy.example/v1/messages");
    assert.equal(
      anthropicMessagesUrl("https://proxy.example/v1/messages"),
      "https://proxy.example/v1/messages",
    );
  });

  it("refuses to build a request without a configured key (our configuration problem)", () => {
    const deployment = testDeployment("anthropic", "claude-sonnet-4-5", { params: { extra: {} } });
    assert.throws(
      () =>
        anthropicProvider.buildRequest(
          { model: "x", messages: [] },
          { deployment, stream: false, requestId: "r" },
        ),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_auth",
    );
  });

  it("defaults max_tokens per model family and from model_info", () => {
    const messages: Message[] = [{ role: "user", content: "hi" }];
    assert.equal(body({ messages }, "claude-3-5-haiku-20241022")["max_tokens"], 8192);
    assert.equal(body({ messages }, "claude-opus-4-1-20250805")["max_tokens"], 32000);
    assert.equal(body({ messages }, "claude-sonnet-4-5")["max_tokens"], 64000);
    assert.equal(body({ messages }, "some-future-model")["max_tokens"], 4096);
    const withInfo = convertToAnthropicBody(
      { model: "x", messages },
      testDeployment("anthropic", "claude-sonnet-4-5", { info: { maxOutputTokens: 1234, extra: {} } }),
      false,
    );
    assert.equal(withInfo["max_tokens"], 1234);
    assert.equal(body({ messages, maxTokens: 10 })["max_tokens"], 10);
  });

  it("merges several system messages in order, keeping cache_control as blocks", () => {
    const built = body({
      messages: [
        { role: "system", content: "one" },
        { role: "developer", content: "two", providerOptions: { cache_control: { type: "ephemeral" } } },
        { role: "user", content: "hi" },
      ],
    });
    assert.deepEqual(built["system"], [
      { type: "text", text: "one" },
      { type: "text", text: "two", cache_control: { type: "ephemeral" } },
    ]);
  });

  it("puts cache_control on parts, on the last block of a message and on tools", () => {
    const built = body({
      messages: [
        {
          role: "user",
          content: [
            {
              type: "text",
              text: "a",
              providerOptions: { anthropic: { cacheControl: { type: "ephemeral", ttl: "1h" } } },
            },
            { type: "text", text: "b" },
          ],
          providerOptions: { cache_control: { type: "ephemeral" } },
        },
      ],
      tools: [
        {
          name: "t",
          parameters: { type: "object" },
          providerOptions: { cache_control: { type: "ephemeral" } },
        },
      ],
    });
    assert.deepEqual(built["messages"], [
      {
        role: "user",
        content: [
          { type: "text", text: "a", cache_control: { type: "ephemeral", ttl: "1h" } },
          { type: "text", text: "b", cache_control: { type: "ephemeral" } },
        ],
      },
    ]);
    assert.deepEqual(built["tools"], [
      { name: "t", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } },
    ]);
  });

  it("maps tool_choice and parallel_tool_calls", () => {
    const tools = [{ name: "f", parameters: { type: "object" } }];
    const messages: Message[] = [{ role: "user", content: "hi" }];
    assert.deepEqual(body({ messages, tools, toolChoice: { type: "required" } })["tool_choice"], {
      type: "any",
    });
    assert.deepEqual(body({ messages, tools, toolChoice: { type: "none" } })["tool_choice"], {
      type: "none",
    });
    assert.deepEqual(body({ messages, tools, toolChoice: { type: "function", name: "f" } })["tool_choice"], {
      type: "tool",
      name: "f",
    });
    assert.deepEqual(body({ messages, tools, parallelToolCalls: false })["tool_choice"], {
      type: "auto",
      disable_parallel_tool_use: true,
    });
    assert.equal(body({ messages })["tool_choice"], undefined);
    // A tool without parameters still needs an input_schema.
    assert.deepEqual(body({ messages, tools: [{ name: "g" }] })["tools"], [
      { name: "g", input_schema: { type: "object", properties: {} } },
    ]);
  });

  it("maps stop, top_p, top_k, user and reasoning_effort", () => {
    const built = body({
      messages: [{ role: "user", content: "hi" }],
      stop: ["END"],
      topP: 0.9,
      topK: 5,
      user: "user-1",
      reasoningEffort: "medium",
    });
    assert.deepEqual(built["stop_sequences"], ["END"]);
    assert.equal(built["top_p"], 0.9);
    assert.equal(built["top_k"], 5);
    assert.deepEqual(built["metadata"], { user_id: "user-1" });
    assert.deepEqual(built["thinking"], { type: "enabled", budget_tokens: 4096 });
  });

  it("rejects a max_tokens that leaves no room for the reasoning budget", () => {
    assert.throws(
      () =>
        body({ messages: [{ role: "user", content: "hi" }], maxTokens: 1000, reasoningBudgetTokens: 1024 }),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "invalid_request" && error.param === "max_tokens",
    );
    assert.equal(
      body({ messages: [{ role: "user", content: "hi" }], reasoningBudgetTokens: 8000 }, "claude-3-5-sonnet")[
        "max_tokens"
      ],
      8192,
    );
  });

  it("sends thinking and redacted thinking back before text and tool_use (reasoning round trip)", () => {
    const built = body({
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: "let me check",
          reasoning: [
            { text: "thoughts", signature: "sig-1" },
            { redactedData: "opaque" },
            { text: "unsigned" },
          ],
          toolCalls: [{ id: "toolu_1", name: "lookup", arguments: "" }],
        },
        { role: "tool", toolCallId: "toolu_1", content: "result" },
        { role: "user", content: "and then?" },
      ],
    });
    assert.deepEqual(built["messages"], [
      { role: "user", content: [{ type: "text", text: "q" }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "thoughts", signature: "sig-1" },
          { type: "redacted_thinking", data: "opaque" },
          { type: "text", text: "let me check" },
          { type: "tool_use", id: "toolu_1", name: "lookup", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "result" },
          { type: "text", text: "and then?" },
        ],
      },
    ]);
  });

  it("converts data: URLs and bytes to base64 sources and files to documents", () => {
    const built = body({
      messages: [
        {
          role: "user",
          content: [
            { type: "image", url: "data:image/jpeg;base64,AAAA" },
            { type: "image", data: new Uint8Array([1, 2, 3]), mediaType: "image/png" },
            { type: "file", data: new Uint8Array([37, 80]), mediaType: "application/pdf", filename: "a.pdf" },
            { type: "file", fileId: "file_123" },
          ],
        },
      ],
    });
    assert.deepEqual((built["messages"] as { content: unknown[] }[])[0]!.content, [
      { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "AAAA" } },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "AQID" } },
      {
        type: "document",
        source: { type: "base64", media_type: "application/pdf", data: "JVA=" },
        title: "a.pdf",
      },
      { type: "document", source: { type: "file", file_id: "file_123" } },
    ]);
  });

  it("emulates response_format with a forced tool", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const built = body({
      messages: [{ role: "user", content: "hi" }],
      responseFormat: { type: "json_schema", name: "city", schema },
    });
    assert.deepEqual(built["tool_choice"], { type: "tool", name: ANTHROPIC_JSON_TOOL_NAME });
    assert.deepEqual((built["tools"] as Body[])[0]!["input_schema"], schema);
    assert.throws(
      () =>
        body({ messages: [{ role: "user", content: "hi" }], tools: [{ name: ANTHROPIC_JSON_TOOL_NAME }] }),
      (error: unknown) => error instanceof GatewayError && error.kind === "invalid_request",
    );
  });

  it("rejects parameters Anthropic cannot take, naming them, unless drop_params", () => {
    const messages: Message[] = [{ role: "user", content: "hi" }];
    const cases: [Partial<ChatRequest>, string][] = [
      [{ n: 2 }, "n"],
      [{ logprobs: true }, "logprobs"],
      [{ presencePenalty: 0.5 }, "presence_penalty"],
      [{ frequencyPenalty: 0.5 }, "frequency_penalty"],
      [{ seed: 1 }, "seed"],
      [{ logitBias: { "1": 2 } }, "logit_bias"],
      [{ passthrough: { prediction: {} } }, "prediction"],
      [
        {
          messages: [{ role: "user", content: [{ type: "audio", data: new Uint8Array(1), format: "wav" }] }],
        },
        "audio",
      ],
    ];
    for (const [extra, param] of cases) {
      assert.throws(
        () => body({ messages, ...extra }),
        (error: unknown) =>
          error instanceof GatewayError && error.kind === "unsupported_parameter" && error.param === param,
        param,
      );
      const dropped = body({ messages, ...extra, dropParams: true });
      assert.equal(dropped["seed"], undefined);
      assert.equal(dropped["n"], undefined);
      assert.equal(dropped["prediction"], undefined);
    }
    assert.throws(
      () => body({ messages, temperature: 1.5 }),
      (error: unknown) => error instanceof GatewayError && error.param === "temperature",
    );
  });

  it("rejects tool arguments that are not a JSON object", () => {
    assert.throws(
      () =>
        body({
          messages: [
            { role: "assistant", content: null, toolCalls: [{ id: "a", name: "f", arguments: "{oops" }] },
          ],
        }),
      (error: unknown) =>
        error instanceof GatewayError && error.param === "messages[0].tool_calls[0].function.arguments",
    );
  });
});
