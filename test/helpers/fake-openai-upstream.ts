import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hasConformance, randomSplits, readChunks, readConformance } from "./conformance.js";

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface FakeOpenAIUpstream {
  /** Base URL including /v1, as an `api_base`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Resolves when a `hang-stream` response's connection is closed by the gateway, with performance.now() then. */
  streamClosed: Promise<number>;
  close(): Promise<void>;
}

/**
 * A fake OpenAI-compatible upstream on loopback that replays recordings from test/fixtures/conformance. The model in
 * the request picks the recording:
 * - `<name>` → openai/<name>.json (unary) or openai/<name>.sse / .chunks.jsonl (stream, sent in random splits);
 * - `compat:<name>` → openai-compatible/<name>.sse / .chunks.jsonl / .json;
 * - `error:<file>:<status>` → errors/<file>.json with that status (and `retry-after: 1` on 429);
 * - `hang-stream` → one chunk, then silence until the gateway closes the connection;
 * - `echo` → a valid completion whose content is the received body as JSON.
 */
export async function startFakeOpenAI(): Promise<FakeOpenAIUpstream> {
  const requests: RecordedRequest[] = [];
  let resolveClosed: (ms: number) => void = () => undefined;
  const streamClosed = new Promise<number>((resolve) => {
    resolveClosed = resolve;
  });
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    requests.push({ path: request.url ?? "", headers: request.headers, body });
    const model = String(body["model"] ?? "");
    const stream = body["stream"] === true;
    try {
      await serve(model, stream, body, response, (ms) => resolveClosed(ms));
    } catch (error) {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: String(error), type: "fake_upstream_error" } }));
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    streamClosed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function writeSplit(response: ServerResponse, text: string, seed: number): Promise<void> {
  for (const piece of randomSplits(Buffer.from(text, "utf8"), seed, 64)) {
    response.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function serve(
  model: string,
  stream: boolean,
  body: Record<string, unknown>,
  response: ServerResponse,
  onHangClosed: (ms: number) => void,
): Promise<void> {
  if (model === "echo") {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        id: "chatcmpl-echo",
        object: "chat.completion",
        created: 1,
        model: "echo",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: JSON.stringify(body), refusal: null },
            logprobs: null,
            finish_reason: "stop",
          },
        ],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
    return;
  }
  if (model === "hang-stream") {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write(
      `data: ${JSON.stringify({ id: "chatcmpl-hang", object: "chat.completion.chunk", created: 1, model: "hang", choices: [{ index: 0, delta: { role: "assistant", content: "first" }, finish_reason: null }] })}\n\n`,
    );
    response.once("close", () => onHangClosed(performance.now()));
    return;
  }
  if (model.startsWith("error:")) {
    const [, file, status] = model.split(":");
    const retry: Record<string, string> = status === "429" ? { "retry-after": "1" } : {};
    const text = readConformance(`errors/${file}.json`);
    response.writeHead(Number(status), { "content-type": "application/json", ...retry });
    response.end(text);
    return;
  }
  const folder = model.startsWith("compat:") ? "openai-compatible" : "openai";
  const name = model.startsWith("compat:") ? model.slice("compat:".length) : model;
  if (!stream) {
    const text = readConformance(`${folder}/${name}.json`);
    response.writeHead(200, { "content-type": "application/json" });
    response.end(text);
    return;
  }
  const text = hasConformance(`${folder}/${name}.sse`)
    ? readConformance(`${folder}/${name}.sse`)
    : `${readChunks(`${folder}/${name}.chunks.jsonl`)
        .map((line) => `data: ${line}\n\n`)
        .join("")}data: [DONE]\n\n`;
  response.writeHead(200, { "content-type": "text/event-stream" });
  await writeSplit(response, text, name.length);
  response.end();
}
