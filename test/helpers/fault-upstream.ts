import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { readChunks, readConformance } from "./conformance.js";

/** What the fake upstream does with one request. */
export type Fault =
  /** A recorded success (unary JSON or SSE stream), optionally after a delay. */
  | { kind: "ok"; delayMs?: number }
  /** An error status with a body and headers (429 with Retry-After, 500, 503, 529…). */
  | { kind: "status"; status: number; body: string; headers?: Record<string, string> }
  /** Reads the request and never answers (no headers). */
  | { kind: "hang-headers" }
  /** Streams: 200, the first recorded chunk, then silence. */
  | { kind: "hang-after-first-chunk" }
  /** Reads the whole request, then resets the connection. */
  | { kind: "reset-after-request" }
  /** Streams: 200, a few recorded chunks, then the connection is cut. */
  | { kind: "cut-mid-stream" };

export interface FaultUpstream {
  /** Base URL to use as `api_base` (`…/v1` for openai, the origin for anthropic). */
  baseUrl: string;
  /** Requests received, in order, with the time each arrived (performance.now()). */
  received: { at: number; stream: boolean; traceparent?: string | undefined }[];
  /** Faults for the next requests, in order; when empty, `otherwise` applies. */
  script: Fault[];
  otherwise: Fault;
  /** Sockets this server holds open (hung requests); closed ones are removed. */
  openSockets(): number;
  close(): Promise<void>;
}

const OPENAI_UNARY = "openai/chat-basic.json";
const OPENAI_STREAM = "openai/chat-stream-text.chunks.jsonl";
const ANTHROPIC_UNARY = "anthropic/messages-basic.json";
const ANTHROPIC_STREAM = "anthropic/messages-stream-text.chunks.jsonl";

/** Anthropic's overload error body, as recorded (the `data:` line of errors/anthropic-midstream-overloaded.sse). */
export function anthropicOverloadedBody(): string {
  const line = readConformance("errors/anthropic-midstream-overloaded.sse")
    .split("\n")
    .find((row) => row.startsWith("data: "));
  return (line ?? "").slice("data: ".length);
}

/**
 * A scripted fake upstream on 127.0.0.1:0 speaking OpenAI Chat Completions or Anthropic Messages, that replays
 * recorded successes from test/fixtures/conformance and injects transport and HTTP faults on demand.
 */
export async function startFaultUpstream(
  flavour: "openai" | "anthropic" = "openai",
  otherwise: Fault = { kind: "ok" },
): Promise<FaultUpstream> {
  const sockets = new Set<Socket>();
  const state: FaultUpstream = {
    baseUrl: "",
    received: [],
    script: [],
    otherwise,
    openSockets: () => sockets.size,
    close: async () => undefined,
  };
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const stream = body["stream"] === true;
    const traceparent = request.headers.traceparent as string | undefined;
    state.received.push({ at: performance.now(), stream, traceparent });
    const fault = state.script.shift() ?? state.otherwise;
    await serve(flavour, fault, stream, response);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  state.baseUrl = flavour === "openai" ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** A base URL where nothing listens (connection refused). */
export async function refusedBaseUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

function streamLines(flavour: "openai" | "anthropic"): string[] {
  if (flavour === "openai") {
    return [...readChunks(OPENAI_STREAM).map((line) => `data: ${line}\n\n`), "data: [DONE]\n\n"];
  }
  return readChunks(ANTHROPIC_STREAM).map((line) => {
    const type = String((JSON.parse(line) as { type?: unknown }).type ?? "");
    return `event: ${type}\ndata: ${line}\n\n`;
  });
}

async function serve(
  flavour: "openai" | "anthropic",
  fault: Fault,
  stream: boolean,
  response: ServerResponse,
): Promise<void> {
  switch (fault.kind) {
    case "ok": {
      if (fault.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (response.destroyed) return;
      if (!stream) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(readConformance(flavour === "openai" ? OPENAI_UNARY : ANTHROPIC_UNARY));
        return;
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      for (const line of streamLines(flavour)) response.write(line);
      response.end();
      return;
    }
    case "status":
      response.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      response.end(fault.body);
      return;
    case "hang-headers":
      return;
    case "hang-after-first-chunk":
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(streamLines(flavour)[0] ?? "");
      return;
    case "reset-after-request":
      response.socket?.resetAndDestroy();
      return;
    case "cut-mid-stream": {
      response.writeHead(200, { "content-type": "text/event-stream" });
      const lines = streamLines(flavour);
      response.write(lines.slice(0, 3).join(""));
      await new Promise((resolve) => setTimeout(resolve, 20));
      response.socket?.resetAndDestroy();
      return;
    }
  }
}
