import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as http from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, Http2Session } from "node:http2";
import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import * as net from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  /** Registers every Connect service. */
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  /** Everything that is not a Connect route (the OpenAI REST shim). */
  fallback: (
    request: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
  ) => void;
  /** Largest Connect/gRPC message we read, bytes. */
  readMaxBytes: number;
  /** Takes the requests it can serve without the Connect adapter (unary RPCs: connect/unary-fast-path.ts). */
  fastPath?: (
    request: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
  ) => boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests and streams finish for up to `graceMs`, then closes the rest. */
  close(graceMs: number): Promise<void>;
  inFlight(): number;
}

const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * One port for everything: HTTP/1.1 (OpenAI SDKs, curl, Connect, gRPC-Web) and HTTP/2 — over TLS with ALPN
 * (h2, http/1.1), or in cleartext where an HTTP/2 client with prior knowledge (gRPC without TLS) is told apart
 * from HTTP/1.1 by the connection preface. Both feed the same handler: Connect routes, else the REST shim.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const handler = connectNodeAdapter({
    routes: options.routes,
    interceptors: options.interceptors,
    fallback: options.fallback as Parameters<typeof connectNodeAdapter>[0]["fallback"],
    readMaxBytes: options.readMaxBytes,
    // Strict input: a JSON field this server does not know is InvalidArgument, not silently dropped.
    jsonOptions: { ignoreUnknownFields: false },
  });
  let inFlight = 0;
  const counted = (
    request: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
  ) => {
    inFlight++;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    response.once("finish", finish);
    response.once("close", finish);
    if (options.fastPath?.(request, response) !== true) handler(request, response);
  };

  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  const trackSession = (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  };

  let listener: net.Server;
  let h1: http.Server | undefined;
  if (options.tls) {
    const secure = http2.createSecureServer(
      {
        cert: readFileSync(options.tls.certFile),
        key: readFileSync(options.tls.keyFile),
        allowHTTP1: true,
        ALPNProtocols: ["h2", "http/1.1"],
      },
      counted,
    );
    secure.on("session", trackSession);
    secure.on("secureConnection", (socket: Socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    });
    listener = secure;
  } else {
    h1 = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 30_000, requestTimeout: 0 }, counted);
    const h2 = http2.createServer({}, counted);
    h2.on("session", trackSession);
    const plainH1 = h1;
    // Nagle off: SSE events and small RPC messages go out as soon as they are written.
    listener = net.createServer({ noDelay: true }, (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      sniff(socket, (isHttp2, seen) => {
        // The sniffed bytes go back into the socket's JS buffer. The HTTP/2 session takes the native handle over
        // (no JS in between) and drains that buffer itself on the next tick, so the socket must stay paused
        // here: a resume would flow the buffered preface out to nobody. The HTTP/1.1 parser also consumes the
        // native handle but is fed the buffered bytes through 'data', so it needs the resume.
        socket.unshift(seen);
        if (isHttp2) {
          h2.emit("connection", socket);
        } else {
          plainH1.emit("connection", socket);
          socket.resume();
        }
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${address.port}`,
    port: address.port,
    inFlight: () => inFlight,
    async close(graceMs: number) {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const session of sessions) session.close();
      h1?.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        h1?.closeIdleConnections();
      }
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Reads just enough of a new cleartext connection to tell the HTTP/2 preface from an HTTP/1.1 request line. */
function sniff(socket: Socket, route: (isHttp2: boolean, seen: Buffer) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const length = Math.min(seen.length, HTTP2_PREFACE.length);
    const samePrefix = seen.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
    if (samePrefix && length < HTTP2_PREFACE.length) return; // could still be HTTP/2: wait for more bytes
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.pause();
    socket.setTimeout(0);
    route(samePrefix, seen);
  };
  const onEnd = () => socket.destroy();
  socket.on("data", onData);
  socket.once("end", onEnd);
  // A connection that never sends a first request is closed (the HTTP servers' own timeouts take over after).
  socket.setTimeout(30_000, () => socket.destroy());
}
