import * as assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { encodeAwsEventStreamMessage } from "../../src/providers/shared/aws-event-stream.js";
import { deployment, MASTER_KEY, startTestGateway } from "../helpers/gateway.js";
import { frameChunks, readFixture, readJsonFixture } from "../helpers/provider-fixtures.js";

/**
 * Bedrock, Ollama, Cohere, Mistral, Azure and a compatible-family host through the real server with the official
 * openai SDK, each against a fake upstream on loopback that replays recordings in its own framing.
 */

function liveBedrockCapture(): Buffer {
  const capture = readJsonFixture("bedrock/converse-stream-live.eventstream.b64.json") as {
    response: { bodyBase64: string };
  };
  return Buffer.from(capture.response.bodyBase64, "base64");
}

function openaiSse(path: string): string {
  const lines = readFixture(path)
    .split("\n")
    .filter((line) => line.trim() !== "");
  return `${lines.map((line) => `data: ${line}\n\n`).join("")}data: [DONE]\n\n`;
}

const routes: Record<
  string,
  { type: string; body: () => string | Uint8Array; status?: number; headers?: Record<string, string> }
> = {
  "/model/us.amazon.nova-micro-v1%3A0/converse-stream": {
    type: "application/vnd.amazon.eventstream",
    body: liveBedrockCapture,
  },
  "/model/us.amazon.nova-micro-v1%3A0/converse": {
    type: "application/json",
    body: () => readFixture("bedrock/converse-basic.json"),
  },
  "/model/throttled-model/converse-stream": {
    type: "application/vnd.amazon.eventstream",
    body: () =>
      Buffer.concat([
        encodeAwsEventStreamMessage(
          { ":event-type": "messageStart", ":message-type": "event" },
          '{"role":"assistant"}',
        ),
        encodeAwsEventStreamMessage(
          { ":event-type": "contentBlockDelta", ":message-type": "event" },
          '{"contentBlockIndex":0,"delta":{"text":"Hel"}}',
        ),
        encodeAwsEventStreamMessage(
          {
            ":exception-type": "throttlingException",
            ":content-type": "application/json",
            ":message-type": "exception",
          },
          '{"message":"Too many requests, please wait before trying again."}',
        ),
      ]),
  },
  "/api/chat": { type: "application/x-ndjson", body: () => readFixture("ollama/chat-stream-tools.ndjson") },
  "/v2/chat": {
    type: "text/event-stream",
    body: () => frameChunks(readFixture("cohere/chat-v2-stream-tool-call.chunks.jsonl"), "anthropic"),
  },
  "/mistral/chat/completions": {
    type: "text/event-stream",
    body: () => openaiSse("mistral/chat-stream-reasoning.chunks.jsonl"),
  },
  "/openai/deployments/gpt-5-nano/chat/completions?api-version=2024-10-21": {
    type: "text/event-stream",
    body: () => openaiSse("azure/chat-stream-content-filter.chunks.jsonl"),
  },
  "/groq/chat/completions": {
    type: "text/event-stream",
    body: () => openaiSse("openai-compatible/groq-stream-tool-call.chunks.jsonl"),
  },
};

describe("REST shim with the providers of issue 4 (openai SDK)", () => {
  let upstream: Server;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let client: OpenAI;
  const seen: { path: string; headers: Record<string, string | string[] | undefined> }[] = [];

  before(async () => {
    upstream = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        seen.push({ path: request.url ?? "", headers: request.headers });
        const route = routes[request.url ?? ""];
        if (route === undefined) {
          response.writeHead(404, { "content-type": "application/json" }).end('{"message":"no route"}');
          return;
        }
        response.writeHead(route.status ?? 200, { "content-type": route.type, ...route.headers });
        response.end(route.body());
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const aws = {
      aws_access_key_id: "AKIDEXAMPLE",
      aws_secret_access_key: "secret-canary-1",
      aws_region_name: "us-east-1",
    };
    gateway = await startTestGateway([
      deployment("nova", "bedrock", "us.amazon.nova-micro-v1:0", { apiBase: base, extra: aws }),
      deployment("throttled", "bedrock", "throttled-model", { apiBase: base, extra: aws }),
      deployment("llama", "ollama", "llama3.2", { apiBase: base }),
      deployment("command", "cohere", "command-r-plus", { apiBase: base, apiKey: "co-canary" }),
      deployment("magistral", "mistral", "magistral-medium-2507", {
        apiBase: `${base}/mistral`,
        apiKey: "mi-canary",
      }),
      deployment("azure-nano", "azure", "gpt-5-nano", { apiBase: base, apiKey: "az-canary" }),
      deployment("groq-llama", "groq", "llama-3.3-70b-versatile", {
        apiBase: `${base}/groq`,
        apiKey: "gsk-canary",
      }),
    ]);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
  });

  after(async () => {
    await gateway.close(100);
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  async function streamText(model: string, extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}) {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "hello" }],
      stream: true,
      stream_options: { include_usage: true },
      ...extra,
    });
    let text = "";
    const toolCalls = new Map<number, { id?: string; name?: string; arguments: string }>();
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? "";
        for (const call of choice.delta.tool_calls ?? []) {
          const entry = toolCalls.get(call.index) ?? { arguments: "" };
          if (call.id) entry.id = call.id;
          if (call.function?.name) entry.name = call.function.name;
          entry.arguments += call.function?.arguments ?? "";
          toolCalls.set(call.index, entry);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    return { text, toolCalls: [...toolCalls.values()], finish, usage };
  }

  it("bedrock: binary event stream, signed upstream request, usage chunk", async () => {
    const result = await streamText("nova");
    assert.equal(result.text, "OK.");
    assert.equal(result.finish, "stop");
    assert.ok(result.usage && result.usage.total_tokens > 0);
    const sent = seen.find((entry) => entry.path.endsWith("/converse-stream"));
    assert.match(String(sent?.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
  });

  it("bedrock: unary Converse", async () => {
    const completion = await client.chat.completions.create({
      model: "nova",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.match(completion.choices[0]?.message.content ?? "", /There are \*\*3\*\*/);
    assert.equal(completion.usage?.total_tokens, 79);
  });

  it("bedrock: a throttlingException after the first token ends the SDK stream with an error", async () => {
    await assert.rejects(streamText("throttled"), (error: unknown) => error instanceof Error);
  });

  it("ollama: NDJSON tool call gets an id and finish_reason tool_calls", async () => {
    const result = await streamText("llama");
    assert.equal(result.finish, "tool_calls");
    assert.equal(result.toolCalls[0]?.name, "get_weather");
    assert.ok((result.toolCalls[0]?.id ?? "").length > 0);
    assert.deepEqual(JSON.parse(result.toolCalls[0]?.arguments ?? ""), { city: "Tokyo" });
  });

  it("cohere: two streamed tool calls", async () => {
    const result = await streamText("command");
    assert.equal(result.finish, "tool_calls");
    assert.deepEqual(
      result.toolCalls.map((call) => call.name),
      ["weather", "cityAttractions"],
    );
  });

  it("mistral: Magistral content arrays become text (reasoning is not in the text)", async () => {
    const result = await streamText("magistral");
    assert.equal(result.text, "2 + 2 = 4");
    assert.equal(result.usage?.total_tokens, 56);
  });

  it("azure: the prompt_filter_results preamble does not leak an empty chunk id", async () => {
    const stream = await client.chat.completions.create({
      model: "azure-nano",
      messages: [{ role: "user", content: "hello" }],
      stream: true,
    });
    const ids = new Set<string>();
    for await (const chunk of stream) ids.add(chunk.id);
    assert.ok(!ids.has(""));
  });

  it("groq: whole tool call in one delta, usage under x_groq", async () => {
    const result = await streamText("groq-llama");
    assert.equal(result.toolCalls[0]?.name, "weather");
    assert.equal(result.toolCalls[0]?.arguments, "{}");
    assert.equal(result.usage?.total_tokens, 225);
  });

  it("lists the configured models", async () => {
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    for (const id of ["nova", "llama", "command", "magistral", "azure-nano", "groq-llama"])
      assert.ok(ids.includes(id), id);
  });
});
