import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request a fake receiver got: path, headers and the body parsed as JSON. */
export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/**
 * A loopback HTTP receiver for what the gateway sends out (OTLP/HTTP JSON, Langfuse ingestion, webhooks): it
 * records every request and answers with `status` (switchable: 503 while "down"), so tests see exactly what
 * arrived and when.
 */
export interface FakeReceiver {
  url: string;
  received: Received[];
  status: number;
  close(): Promise<void>;
}

export async function startFakeReceiver(port = 0): Promise<FakeReceiver> {
  const sockets = new Set<Socket>();
  const state: FakeReceiver = { url: "", received: [], status: 200, close: async () => undefined };
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (state.status >= 200 && state.status < 300) {
      state.received.push({
        path: request.url ?? "",
        headers: request.headers,
        body: text === "" ? undefined : (JSON.parse(text) as unknown),
      });
    }
    response.writeHead(state.status, { "content-type": "application/json" });
    response.end(state.status < 300 ? "{}" : '{"error":"down"}');
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** Waits until `condition` holds (polling every 20 ms), or fails after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
