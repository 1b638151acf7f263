/**
 * A Claude-Code-shaped conversation end to end: system blocks with cache_control, many tools (the last one a
 * cache breakpoint), thinking with a signature sent back, tool_use / tool_result round trips (nested content,
 * is_error), metadata.user_id, betas, streamed. Served natively by Anthropic (the upstream body must equal what
 * the client sent) and translated to OpenAI with the deployment's drop_params (what OpenAI cannot take is
 * dropped, everything else arrives).
 */
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { App } from "../../../src/app.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";
import { readCassette, readFixture } from "../../helpers/provider-fixtures.js";
import { RecordingUpstream } from "./recording-upstream.js";

let upstream: RecordingUpstream;
let app: App;
let client: Anthropic;

const BETAS = [
  "claude-code-20250219",
  "interleaved-thinking-2025-05-14",
  "fine-grained-tool-streaming-2025-05-14",
];

/** A signature as Anthropic recorded it (the thinking cassette's signature_delta). */
function recordedSignature(): string {
  const [interaction] = readCassette("anthropic/cassette-stream-thinking.yaml");
  const body = interaction?.response.body?.string ?? "";
  const signature = /"signature_delta","signature":"([^"]+)"/.exec(body)?.[1];
  if (signature === undefined) throw new Error("no recorded signature");
  return signature;
}

const TOOL_NAMES = [
  "Task",
  "Bash",
  "Glob",
  "Grep",
  "LS",
  "Read",
  "Edit",
  "MultiEdit",
  "Write",
  "NotebookEdit",
  "WebFetch",
  "TodoWrite",
  "WebSearch",
  "BashOutput",
  "KillShell",
  "ExitPlanMode",
];

function conversation(model: string): Record<string, unknown> {
  const signature = recordedSignature();
  const tools = TOOL_NAMES.map((name, index) => ({
    name,
    description: `${name} tool. Usage notes for ${name}.`,
    input_schema: {
      type: "object",
      properties: { path: { type: "string", description: "absolute path" }, limit: { type: "number" } },
      required: ["path"],
      additionalProperties: false,
      $schema: "http://json-schema.org/draft-07/schema#",
    },
    ...(index === TOOL_NAMES.length - 1 ? { cache_control: { type: "ephemeral" } } : {}),
  }));
  return {
    model,
    max_tokens: 32000,
    system: [
      {
        type: "text",
        text: "You are Claude Code, Anthropic's official CLI for Claude.",
        cache_control: { type: "ephemeral" },
      },
      {
        type: "text",
        text: "You are an interactive CLI tool that helps users with software engineering tasks.",
        cache_control: { type: "ephemeral" },
      },
    ],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "<system-reminder>As you answer, use the context below.</system-reminder>" },
          { type: "text", text: "Why does the build fail?", cache_control: { type: "ephemeral" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "I should read the build script first.", signature },
          { type: "text", text: "Let me look at the build script." },
          {
            type: "tool_use",
            id: "toolu_01A09q90qw90lq917835lq9",
            name: "Read",
            input: { path: "/repo/package.json" },
          },
          {
            type: "tool_use",
            id: "toolu_01B19q90qw90lq917835lq9",
            name: "Bash",
            input: { path: "/repo", limit: 10 },
          },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_01A09q90qw90lq917835lq9",
            content: [{ type: "text", text: '{"scripts":{"build":"tsc -p ."}}' }],
          },
          {
            type: "tool_result",
            tool_use_id: "toolu_01B19q90qw90lq917835lq9",
            content: "error TS2307: Cannot find module 'zod'",
            is_error: true,
            cache_control: { type: "ephemeral" },
          },
        ],
      },
    ],
    tools,
    thinking: { type: "enabled", budget_tokens: 16000 },
    metadata: { user_id: "user_8f3a_account__session_1234" },
    stream: true,
  };
}

before(async () => {
  upstream = await new RecordingUpstream().start();
  app = await startTestGateway([
    deployment("claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", {
      apiKey: "sk-ant-upstream",
      apiBase: upstream.url,
    }),
    // Claude Code pointed at GPT: the operator sets drop_params on the deployment (thinking budgets do not map).
    {
      ...deployment("gpt-for-claude-code", "openai", "gpt-4o", {
        apiKey: "sk-openai-upstream",
        apiBase: `${upstream.url}/v1`,
      }),
      params: { apiKey: "sk-openai-upstream", apiBase: `${upstream.url}/v1`, extra: { drop_params: true } },
    },
  ]);
  client = new Anthropic({ apiKey: MASTER_KEY, baseURL: app.url, maxRetries: 0 });
});

after(async () => {
  await app.close(1000);
  await upstream.close();
});

describe("a Claude-Code-shaped conversation", () => {
  it("native: the upstream receives exactly what Claude Code sent (cache_control, signature, is_error, betas)", async () => {
    upstream.sse("/v1/messages", readFixture("anthropic/messages-stream-tool-use.sse"));
    const body = conversation("claude-sonnet-4-5");
    const stream = client.beta.messages.stream({
      ...(body as never as Anthropic.Beta.MessageCreateParamsStreaming),
      betas: BETAS,
    });
    const message = await stream.finalMessage();
    assert.equal(message.stop_reason, "tool_use");
    assert.deepEqual(message.content.find((block) => block.type === "tool_use")?.input, {
      location: "Paris",
    });
    const sent = upstream.last();
    assert.deepEqual(sent.body, body);
    assert.equal(sent.headers["anthropic-beta"], BETAS.join(","));
  });

  it("translated: OpenAI receives the same conversation as chat messages, tools and tool results", async () => {
    upstream.sse("/v1/chat/completions", readFixture("openai/chat-stream-parallel-tools.sse"));
    const body = conversation("gpt-for-claude-code");
    const message = await client.beta.messages
      .stream({ ...(body as never as Anthropic.Beta.MessageCreateParamsStreaming), betas: BETAS })
      .finalMessage();
    assert.equal(message.stop_reason, "tool_use");
    assert.equal(message.content.filter((block) => block.type === "tool_use").length, 2);
    const sent = upstream.last();
    const messages = sent.body["messages"] as Record<string, unknown>[];
    assert.deepEqual(
      messages.map((m) => m["role"]),
      ["system", "user", "assistant", "tool", "tool"],
    );
    assert.equal((messages[2]?.["tool_calls"] as unknown[] | undefined)?.length, 2);
    assert.deepEqual(
      messages.slice(3).map((m) => m["tool_call_id"]),
      ["toolu_01A09q90qw90lq917835lq9", "toolu_01B19q90qw90lq917835lq9"],
    );
    assert.equal((sent.body["tools"] as unknown[]).length, TOOL_NAMES.length);
    assert.equal(sent.body["max_tokens"], 32000);
    assert.equal(sent.body["user"], "user_8f3a_account__session_1234");
    const text = JSON.stringify(sent.body);
    for (const absent of ["cache_control", "budget_tokens", "signature", "is_error", "thinking"]) {
      assert.ok(!text.includes(absent), `${absent} must not reach OpenAI`);
    }
    assert.equal(sent.headers["anthropic-beta"], undefined);
  });
});
