/**
 * One fake upstream per provider for the contract suite: an HTTP server on 127.0.0.1:0 that answers each request
 * with the next scripted reply (a recorded body, framed as the provider frames it), records what the gateway
 * sent, and can hold a stream open to observe when the gateway closes the connection (client abort).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomSplits } from "../helpers/conformance.js";

/** What the gateway sent upstream. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingMessage["headers"];
  text: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** One scripted answer. A body function sees the request (to echo a name the gateway chose, for example). */
export interface FakeReply {
  status: number;
  contentType: string;
  body: string | Uint8Array | ((request: SeenRequest) => string | Uint8Array);
  headers?: Record<string, string>;
  /** After the body, keep the connection open until the gateway closes it. */
  hang?: boolean;
  /** The path (without query) the adapter must call; asserted by the suite. */
  path?: string;
  /** Why this body is not a recording (built from the provider's documented shape). */
  synthetic?: string;
}

export interface FakeUpstream {
  /** http://127.0.0.1:port, no trailing slash. */
  readonly url: string;
  /** Scenario requests in order (fixed routes such as a token endpoint are not recorded). */
  readonly requests: SeenRequest[];
  /** Replaces the script: the next requests get these replies in order (the last one repeats). */
  script(replies: FakeReply[]): void;
  /** Resolves with performance.now() when the connection of the last `hang` reply was closed. */
  hangClosed(): Promise<number>;
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  /** Routes answered the same way every time and not recorded (e.g. a Vertex OAuth token endpoint). */
  fixed?: Record<string, (request: SeenRequest) => FakeReply>;
}

function materialise(reply: FakeReply, request: SeenRequest): Uint8Array {
  const body = typeof reply.body === "function" ? reply.body(request) : reply.body;
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const requests: SeenRequest[] = [];
  let replies: FakeReply[] = [];
  let served = 0;
  let hang: { promise: Promise<number>; resolve: (at: number) => void } | undefined;
  let seed = 1;

  const newHang = () => {
    let resolve: (at: number) => void = () => undefined;
    const promise = new Promise<number>((done) => {
      resolve = done;
    });
    hang = { promise, resolve };
    return hang;
  };

  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const seen: SeenRequest = {
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
      text,
      json: parseJson(text),
    };
    const route = options.fixed?.[seen.path.split("?")[0] ?? ""];
    const reply = route !== undefined ? route(seen) : replies[Math.min(served, replies.length - 1)];
    if (route === undefined) {
      requests.push(seen);
      served++;
    }
    if (reply === undefined) {
      response.writeHead(599, { "content-type": "text/plain" }).end("no scripted reply");
      return;
    }
    const bytes = materialise(reply, seen);
    const state = reply.hang ? (hang ?? newHang()) : undefined;
    if (state !== undefined) response.once("close", () => state.resolve(performance.now()));
    response.writeHead(reply.status, { "content-type": reply.contentType, ...reply.headers });
    if (reply.contentType.includes("json") && !reply.contentType.includes("ndjson")) {
      response.end(bytes);
      return;
    }
    // Streams arrive in random-sized writes, as over a real network, so framing bugs show.
    // Long recordings are cut into about a hundred pieces, so the suite stays fast.
    for (const piece of randomSplits(bytes, seed++, Math.max(48, Math.ceil(bytes.length / 100)))) {
      if (response.destroyed) return;
      response.write(piece);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!reply.hang) response.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(next) {
      replies = next;
      served = 0;
      hang = next.some((reply) => reply.hang) ? newHang() : undefined;
    },
    hangClosed() {
      return (hang ?? newHang()).promise;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
