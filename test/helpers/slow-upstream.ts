import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface SlowUpstream {
  /** Base URL including /v1, as an `api_base`. */
  baseUrl: string;
  /** Requests answered in full (unary bodies and streams through `[DONE]`). */
  completed(): number;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible upstream on loopback that speaks the real wire format (chat.completion JSON, SSE chunks with
 * a usage chunk and `data: [DONE]`) slowly or badly, chosen by the model name:
 * - `slow` → answers after a delay drawn from [minMs, maxMs]; a stream spreads five chunks over that delay;
 * - `reset-headers` → resets the socket (RST) as soon as the request arrived;
 * - `reset-body` → sends headers and half a JSON body, then resets;
 * - `reset-stream` → sends one SSE chunk, then resets.
 */
export async function startSlowUpstream(minMs = 300, maxMs = 800): Promise<SlowUpstream> {
  let completed = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const model = String(body["model"] ?? "");
    const stream = body["stream"] === true;
    const socket = request.socket;
    const created = Math.floor(Date.now() / 1000);
    const id = `chatcmpl-slow-${created}-${Math.random().toString(36).slice(2)}`;
    if (model === "reset-headers") {
      socket.resetAndDestroy();
      return;
    }
    if (model === "reset-body") {
      response.writeHead(200, { "content-type": "application/json", "content-length": "400" });
      response.write('{"id":"x","object":"chat.completion","choices":[{"index":0,"mess');
      setTimeout(() => socket.resetAndDestroy(), 20);
      return;
    }
    const delayMs = minMs + Math.floor(Math.random() * (maxMs - minMs + 1));
    if (!stream) {
      await sleep(delayMs);
      if (response.destroyed) return;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created,
          model,
          choices: [
            { index: 0, message: { role: "assistant", content: "slow answer" }, finish_reason: "stop" },
          ],
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
        }),
        () => completed++,
      );
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
    response.write(chunk({ role: "assistant", content: "" }, null));
    if (model === "reset-stream") {
      response.write(chunk({ content: "partial" }, null));
      setTimeout(() => socket.resetAndDestroy(), 20);
      return;
    }
    const words = ["one", " two", " three", " four", " five"];
    for (const word of words) {
      await sleep(delayMs / words.length);
      if (response.destroyed) return;
      response.write(chunk({ content: word }, null));
    }
    response.write(chunk({}, "stop"));
    response.write(
      `data: ${JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [],
        usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      })}\n\n`,
    );
    response.end("data: [DONE]\n\n", () => completed++);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    completed: () => completed,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
