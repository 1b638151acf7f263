/**
 * A loopback upstream that records every request (path, headers, JSON body) and answers from a per-path
 * queue of replies built from the recorded corpus (test/fixtures/conformance). Shared by the Messages tests.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  path: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export class RecordingUpstream {
  readonly seen: SeenRequest[] = [];
  private readonly replies = new Map<string, Reply[]>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const url = request.url ?? "";
        const path = url.split("?")[0] ?? "";
        const text = Buffer.concat(chunks).toString("utf8");
        this.seen.push({
          path,
          url,
          headers: request.headers,
          body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
        });
        const queue = this.replies.get(path);
        const reply = queue !== undefined && queue.length > 1 ? queue.shift() : queue?.[0];
        if (reply === undefined) {
          response.writeHead(500, { "content-type": "application/json" }).end('{"error":"no reply"}');
          return;
        }
        response.writeHead(reply.status, { "content-type": reply.contentType, ...reply.headers });
        response.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answers `path` with these replies in order (the last one repeats). */
  reply(path: string, ...replies: Reply[]): void {
    this.replies.set(path, replies);
  }

  json(path: string, body: unknown, status = 200, headers: Record<string, string> = {}): void {
    this.reply(path, { status, contentType: "application/json", body: JSON.stringify(body), headers });
  }

  sse(path: string, body: string): void {
    this.reply(path, { status: 200, contentType: "text/event-stream", body });
  }

  last(): SeenRequest {
    const request = this.seen.at(-1);
    if (request === undefined) throw new Error("the upstream saw no request");
    return request;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
