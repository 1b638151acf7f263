import * as assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { GatewayError } from "../../src/core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest } from "../../src/core/types/chat.js";
import type { HttpProviderAdapter } from "../../src/core/types/provider.js";
import { bedrockAdapter } from "../../src/providers/bedrock/index.js";
import { cohereAdapter } from "../../src/providers/cohere/index.js";
import { ollamaAdapter } from "../../src/providers/ollama/index.js";
import { encodeAwsEventStreamMessage } from "../../src/providers/shared/aws-event-stream.js";
import { DEFAULT_ATTEMPT_LIMITS, UpstreamExecutor } from "../../src/providers/shared/execute.js";
import { signSigV4 } from "../../src/providers/shared/sigv4.js";
import { collect, onlyChoice } from "./support/collect-events.js";
import {
  randomSplit,
  readCorpusJson,
  readCorpusLines,
  readCorpusText,
  seededRandom,
} from "./support/conformance.js";
import { makeContext, makeDeployment } from "./support/deployment.js";
import { sseBytes } from "./support/framing.js";

/**
 * The adapters of this issue through the real executor (undici, framers) against fake upstreams on loopback
 * that replay recordings in randomly split writes.
 */

type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void | Promise<void>;

let server: Server;
let base = "";
let handler: Handler = (_request, _body, response) => {
  response.end();
};
const executor = new UpstreamExecutor();

before(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => void handler(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await executor.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function writeSplit(response: ServerResponse, bytes: Uint8Array, seed: number): Promise<void> {
  for (const piece of randomSplit(bytes, seededRandom(seed), 40)) {
    response.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

async function streamAll(
  adapter: HttpProviderAdapter,
  request: ChatRequest,
  deploymentModel: string,
  params: object,
) {
  const deployment = makeDeployment(adapter.id, deploymentModel, { apiBase: base, ...params });
  const stream = await executor.stream(
    adapter,
    request,
    makeContext(deployment, true),
    new AbortController().signal,
    DEFAULT_ATTEMPT_LIMITS,
  );
  const batches: ChatEvent[][] = [stream.first];
  for (;;) {
    const next = await stream.rest.next();
    if (next.done) break;
    batches.push(next.value);
  }
  return collect(batches);
}

const hello: ChatRequest = { model: "m", messages: [{ role: "user", content: "Reply with exactly OK." }] };
const awsParams = {
  extra: {
    aws_access_key_id: "AKIDEXAMPLE",
    aws_secret_access_key: "secret",
    aws_region_name: "eu-central-1",
  },
};

describe("bedrock through the executor", () => {
  it("signs what it sends and decodes the live binary capture", async () => {
    const capture = readCorpusJson("bedrock", "converse-stream-live.eventstream.b64.json") as {
      response: { bodyBase64: string };
    };
    let seen: { path: string; verified: boolean } | undefined;
    handler = async (request, body, response) => {
      // Re-sign the received request at its own x-amz-date: equal only if the exact bytes and headers were signed.
      const amzDate = String(request.headers["x-amz-date"]);
      const date = new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
      );
      const resigned = await signSigV4({
        method: "POST",
        url: `${base}${request.url}`,
        headers: {
          "content-type": String(request.headers["content-type"]),
          accept: String(request.headers.accept),
        },
        body,
        region: "eu-central-1",
        service: "bedrock",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        signingDate: date,
      });
      seen = { path: request.url ?? "", verified: resigned.authorization === request.headers.authorization };
      response.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
      await writeSplit(response, Buffer.from(capture.response.bodyBase64, "base64"), 11);
    };
    const result = await streamAll(bedrockAdapter, hello, "eu.anthropic.claude-sonnet-4-6", awsParams);
    assert.equal(seen?.path, "/model/eu.anthropic.claude-sonnet-4-6/converse-stream");
    assert.equal(seen?.verified, true, "signature covers the bytes that were sent");
    assert.equal(onlyChoice(result).text, "OK.");
    assert.equal(onlyChoice(result).finish, "stop");
    assert.ok(result.usage);
  });

  it("a throttlingException inside the 200 stream surfaces as upstream_rate_limited", async () => {
    handler = async (_request, _body, response) => {
      response.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
      const bytes = Buffer.concat([
        encodeAwsEventStreamMessage(
          { ":event-type": "messageStart", ":message-type": "event" },
          '{"role":"assistant"}',
        ),
        encodeAwsEventStreamMessage(
          { ":event-type": "contentBlockDelta", ":message-type": "event" },
          '{"contentBlockIndex":0,"delta":{"text":"Hi"}}',
        ),
        encodeAwsEventStreamMessage(
          {
            ":exception-type": "throttlingException",
            ":content-type": "application/json",
            ":message-type": "exception",
          },
          '{"message":"Too many requests, please wait before trying again."}',
        ),
      ]);
      await writeSplit(response, bytes, 3);
    };
    await assert.rejects(
      streamAll(bedrockAdapter, hello, "us.amazon.nova-micro-v1:0", awsParams),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_rate_limited",
    );
  });

  it("a 400 with x-amzn-ErrorType is mapped by the adapter (converse, non-streaming)", async () => {
    const recorded = readCorpusJson("errors", "bedrock-400-validation-with-headers.json") as {
      headers: Record<string, string>;
      body: unknown;
    };
    handler = (_request, _body, response) => {
      response.writeHead(400, recorded.headers);
      response.end(JSON.stringify(recorded.body));
    };
    const deployment = makeDeployment("bedrock", "us.amazon.nova-2-lite-v1:0", {
      apiBase: base,
      ...awsParams,
    });
    await assert.rejects(
      executor.complete(
        bedrockAdapter,
        hello,
        makeContext(deployment),
        new AbortController().signal,
        DEFAULT_ATTEMPT_LIMITS,
      ),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "upstream_bad_request" &&
        error.upstreamStatus === 400,
    );
  });
});

describe("ollama and cohere through the executor", () => {
  it("ollama NDJSON tool stream", async () => {
    let sent: Record<string, unknown> = {};
    handler = async (_request, body, response) => {
      sent = JSON.parse(body.toString()) as Record<string, unknown>;
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      await writeSplit(response, Buffer.from(readCorpusText("ollama", "chat-stream-tools.ndjson")), 5);
    };
    const result = await streamAll(ollamaAdapter, hello, "llama3.2", {});
    assert.equal(sent.stream, true);
    assert.equal(onlyChoice(result).finish, "tool_calls");
    assert.equal(onlyChoice(result).toolCalls[0]?.name, "get_weather");
  });

  it("ollama mid-stream error line after the first token", async () => {
    handler = async (_request, _body, response) => {
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      const lines = [
        '{"model":"llama3.2","created_at":"2025-10-26T17:21:21.196249Z","message":{"role":"assistant","content":"Yes"},"done":false}',
        '{"error":"an error was encountered while running the model"}',
      ];
      await writeSplit(response, Buffer.from(`${lines.join("\n")}\n`), 9);
    };
    const deployment = makeDeployment("ollama", "llama3.2", { apiBase: base });
    const stream = await executor.stream(
      ollamaAdapter,
      hello,
      makeContext(deployment, true),
      new AbortController().signal,
      DEFAULT_ATTEMPT_LIMITS,
    );
    assert.ok(stream.first.some((event) => event.type === "text-delta"));
    await assert.rejects(
      (async () => {
        for (;;) if ((await stream.rest.next()).done) break;
      })(),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_unavailable",
    );
  });

  it("cohere SSE with event lines", async () => {
    let authorization: string | undefined;
    handler = async (request, _body, response) => {
      authorization = request.headers.authorization;
      response.writeHead(200, { "content-type": "text/event-stream" });
      await writeSplit(
        response,
        sseBytes(readCorpusLines("cohere", "chat-v2-stream-tool-call.chunks.jsonl"), { eventFromType: true }),
        8,
      );
    };
    const result = await streamAll(cohereAdapter, hello, "command-r-plus", { apiKey: "co-key" });
    assert.equal(authorization, "Bearer co-key");
    assert.equal(onlyChoice(result).toolCalls.length, 2);
    assert.equal(onlyChoice(result).finish, "tool_calls");
  });
});
