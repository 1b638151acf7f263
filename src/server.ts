import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as http from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, Http2Session, ServerHttp2Stream } from "node:http2";
import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import * as net from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { GatewayError } from "./core/errors/gateway-error.js";
import { renderOpenAIError } from "./rest/openai-error.js";
import {
  type ConnectionLimits,
  HTTP2_FLOOD_LIMITS,
  resolveConnectionLimits,
} from "./server/connection-limits.js";

export type { ConnectionLimits } from "./server/connection-limits.js";
export { DEFAULT_CONNECTION_LIMITS } from "./server/connection-limits.js";

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
  /** What one connection may cost; DEFAULT_CONNECTION_LIMITS for what is not given. */
  limits?: Partial<ConnectionLimits>;
}

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Drains: stops accepting, refuses new requests (503 + `Connection: close`; HTTP/2 GOAWAY), closes idle
   * connections, lets in-flight requests and streams finish for up to `graceMs`, then closes what is left.
   * Resolves as soon as nothing is in flight and every connection is closed.
   */
  close(graceMs: number): Promise<void>;
  inFlight(): number;
  /** Client connections open now (cleartext sockets, TLS sockets, HTTP/2 sessions count by their socket). */
  connections(): number;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** A fault on one connection costs that connection: it is closed, and nothing reaches the process. */
function ignore(): void {}

/**
 * One port for everything: HTTP/1.1 (OpenAI SDKs, curl, Connect, gRPC-Web) and HTTP/2 — over TLS with ALPN
 * (h2, http/1.1), or in cleartext where an HTTP/2 client with prior knowledge (gRPC without TLS) is told apart
 * from HTTP/1.1 by the connection preface. Both feed the same handler: Connect routes, else the REST shim.
 *
 * Every socket, TLS socket, HTTP/2 session and stream gets an error path here, including during the sniffing
 * step (GUARDS 8a); every connection is bounded in count, idle time, header size and body pace (ConnectionLimits).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const limits = resolveConnectionLimits(options.limits);
  const handler = connectNodeAdapter({
    routes: options.routes,
    interceptors: options.interceptors,
    fallback: options.fallback as Parameters<typeof connectNodeAdapter>[0]["fallback"],
    readMaxBytes: options.readMaxBytes,
    // Strict input: a JSON field this server does not know is InvalidArgument, not silently dropped.
    jsonOptions: { ignoreUnknownFields: false },
  });

  let draining = false;
  let inFlight = 0;
  /** Every client socket we accepted and have not seen close (cleartext TCP sockets; TLS sockets after handshake). */
  const sockets = new Set<Socket>();
  /** Sockets with no request in flight, oldest idle first (Map keeps insertion order), with when they went idle. */
  const idle = new Map<Socket, number>();
  /** HTTP/1.1 requests in flight per socket. */
  const activeOnSocket = new Map<Socket, number>();
  /** HTTP/1.1 responses in flight: a drain turns their keep-alive into `Connection: close`. */
  const openResponses = new Set<ServerResponse>();
  /** HTTP/2 sessions and their streams in flight. */
  const sessions = new Map<Http2Session, number>();
  /** The socket an HTTP/2 session is about to be created on (set just before Node creates it, synchronously). */
  let sessionSocket: Socket | undefined;

  const markIdle = (socket: Socket) => {
    idle.delete(socket);
    if (!socket.destroyed) idle.set(socket, Date.now());
  };
  const forget = (socket: Socket) => {
    sockets.delete(socket);
    idle.delete(socket);
    activeOnSocket.delete(socket);
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    markIdle(socket);
    socket.once("close", () => forget(socket));
  };
  /** Closes the connection idle longest, to make room for a new one. False when every connection is busy. */
  const evictIdle = (): boolean => {
    for (const socket of idle.keys()) {
      forget(socket);
      socket.destroy();
      return true;
    }
    return false;
  };
  const closeIdleSince = (cutoff: number) => {
    for (const [socket, since] of idle) {
      if (since > cutoff) break;
      forget(socket);
      socket.destroy();
    }
  };

  const admit = (request: AnyRequest, response: AnyResponse) => {
    if (request.httpVersionMajor === 2) {
      admitHttp2(request as Http2ServerRequest, response as Http2ServerResponse);
    } else {
      admitHttp1(request as IncomingMessage, response as ServerResponse);
    }
  };

  const admitHttp1 = (request: IncomingMessage, response: ServerResponse) => {
    request.on("error", ignore);
    response.on("error", ignore);
    const socket = request.socket;
    idle.delete(socket);
    if (draining) {
      refuse(request, response);
      return;
    }
    inFlight++;
    activeOnSocket.set(socket, (activeOnSocket.get(socket) ?? 0) + 1);
    openResponses.add(response);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      openResponses.delete(response);
      const active = (activeOnSocket.get(socket) ?? 1) - 1;
      if (active > 0) {
        activeOnSocket.set(socket, active);
      } else {
        activeOnSocket.delete(socket);
        if (sockets.has(socket)) markIdle(socket);
      }
    };
    response.once("finish", finish);
    response.once("close", finish);
    guardBody(request, response, limits.bodyIdleTimeoutMs);
    if (options.fastPath?.(request, response) !== true) handler(request, response);
  };

  const admitHttp2 = (request: Http2ServerRequest, response: Http2ServerResponse) => {
    const stream = request.stream;
    stream.on("error", ignore);
    request.on("error", ignore);
    response.on("error", ignore);
    if (draining) {
      refuse(request, response);
      return;
    }
    const session = stream.session;
    inFlight++;
    if (session !== undefined && sessions.has(session))
      sessions.set(session, (sessions.get(session) ?? 0) + 1);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      if (session !== undefined && sessions.has(session))
        sessions.set(session, Math.max(0, (sessions.get(session) ?? 1) - 1));
    };
    response.once("finish", finish);
    response.once("close", finish);
    guardBody(request, response, limits.bodyIdleTimeoutMs);
    if (options.fastPath?.(request, response) !== true) handler(request, response);
  };

  const trackSession = (session: Http2Session) => {
    session.on("error", ignore);
    sessions.set(session, 0);
    const socket = sessionSocket;
    sessionSocket = undefined;
    if (socket !== undefined) idle.delete(socket);
    session.once("close", () => {
      sessions.delete(session);
      // The session is over: its socket is too (whatever the peer does with its half).
      if (socket !== undefined && !socket.destroyed) socket.destroy();
    });
    // An HTTP/2 session with no stream in flight is an idle keep-alive connection: GOAWAY after the same timeout.
    session.setTimeout(limits.keepAliveTimeoutMs, () => {
      if ((sessions.get(session) ?? 0) === 0) session.close();
    });
    if (draining) session.close();
  };

  const h2Options = {
    ...HTTP2_FLOOD_LIMITS,
    peerMaxConcurrentStreams: limits.maxConcurrentStreams,
    unknownProtocolTimeout: limits.firstByteTimeoutMs,
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderBytes,
      enablePush: false,
    },
  };
  /** Settings of Node's HTTP/1.1 parser, for the cleartext server and the HTTP/1.1 side of the TLS server. */
  const http1Settings = {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // Node checks headersTimeout/requestTimeout on this interval; the default (30 s) would blur them.
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  };

  let listener: net.Server;
  let h1: http.Server | undefined;
  /** TLS: raw TCP sockets (a handshake in progress included), destroyed when the grace period is over. */
  let closeRaw: () => void = () => undefined;
  if (options.tls) {
    const secure = http2.createSecureServer(
      {
        cert: readFileSync(options.tls.certFile),
        key: readFileSync(options.tls.keyFile),
        allowHTTP1: true,
        ALPNProtocols: ["h2", "http/1.1"],
        handshakeTimeout: limits.firstByteTimeoutMs,
        ...h2Options,
      },
      admit,
    );
    // The HTTP/1.1 side of the TLS server is Node's HTTP/1.1 connection handler running on this server object:
    // it reads these settings from it (and starts its timeout checks when the server listens).
    Object.assign(secure, http1Settings);
    secure.maxConnections = limits.maxConnections;
    secure.on("session", trackSession);
    secure.on("sessionError", ignore);
    // A failed handshake (reset, garbage, timeout) costs that socket only; Node destroys it.
    secure.on("tlsClientError", ignore);
    const raw = new Set<Socket>();
    secure.on("connection", (socket: Socket) => {
      socket.on("error", ignore);
      raw.add(socket);
      socket.once("close", () => raw.delete(socket));
    });
    // Runs before Node's own listener, which creates the HTTP/2 session synchronously.
    secure.prependListener("secureConnection", (socket: Socket) => {
      socket.on("error", ignore);
      socket.setNoDelay(true);
      track(socket);
      if ((socket as Socket & { alpnProtocol?: string | false }).alpnProtocol === "h2")
        sessionSocket = socket;
    });
    secure.on("secureConnection", () => {
      sessionSocket = undefined;
    });
    listener = secure;
    closeRaw = () => {
      for (const socket of raw) socket.destroy();
    };
  } else {
    h1 = http.createServer(http1Settings, admit);
    // h1 never listens itself (the sniffing listener hands it sockets), so Node would never start the checks that
    // enforce headersTimeout/requestTimeout, and closeIdleConnections would see nothing: start them here.
    h1.emit("listening");
    const h2 = http2.createServer(h2Options, admit);
    h2.on("session", trackSession);
    h2.on("sessionError", ignore);
    const plainH1 = h1;
    // Nagle off: SSE events and small RPC messages go out as soon as they are written.
    listener = net.createServer({ noDelay: true }, (socket: Socket) => {
      // First, before anything can fail: a reset during the first bytes must not become an unhandled 'error'.
      socket.on("error", ignore);
      if (draining || (sockets.size >= limits.maxConnections && !evictIdle())) {
        socket.destroy();
        return;
      }
      track(socket);
      sniff(socket, limits.firstByteTimeoutMs, (isHttp2, seen) => {
        // The sniffed bytes go back into the socket's JS buffer. The HTTP/2 session takes the native handle over
        // (no JS in between) and drains that buffer itself on the next tick, so the socket must stay paused
        // here: a resume would flow the buffered preface out to nobody. The HTTP/1.1 parser also consumes the
        // native handle but is fed the buffered bytes through 'data', so it needs the resume.
        socket.unshift(seen);
        if (isHttp2) {
          sessionSocket = socket;
          h2.emit("connection", socket);
          sessionSocket = undefined;
        } else {
          plainH1.emit("connection", socket);
          socket.resume();
        }
      });
    });
  }
  listener.on("error", ignore);

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${address.port}`,
    port: address.port,
    inFlight: () => inFlight,
    connections: () => sockets.size,
    close(graceMs: number) {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
        for (const session of sessions.keys()) session.close();
        for (const response of openResponses) {
          if (!response.headersSent) response.shouldKeepAlive = false;
        }
        const deadline = Date.now() + graceMs;
        for (;;) {
          closeIdleSince(Date.now() - limits.drainIdleMs);
          if (inFlight === 0 && sessions.size === 0 && sockets.size === 0) break;
          if (Date.now() >= deadline) break;
          await delay(10);
        }
        // The grace period is over (or nothing is left): whatever remains is cut.
        for (const session of sessions.keys()) session.destroy();
        for (const socket of sockets) socket.destroy();
        closeRaw();
        h1?.close();
        await closed;
      })();
      return closing;
    },
  };
}

/** 503 with OpenAI's error JSON; on HTTP/1.1 also `Connection: close`, so the client opens no new request here. */
function refuse(request: AnyRequest, response: AnyResponse): void {
  const rendered = renderOpenAIError(
    new GatewayError("unavailable", "The gateway is shutting down; send the request again.", {
      reason: "shutting_down",
    }),
  );
  const text = JSON.stringify(rendered.body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  };
  if (request.httpVersionMajor === 1) {
    (response as ServerResponse).shouldKeepAlive = false;
    headers["connection"] = "close";
  }
  (response as ServerResponse).writeHead(rendered.status, headers);
  response.end(text);
}

/**
 * A request body that stalls (slowloris body) is answered 408 and its connection (HTTP/1.1) or stream (HTTP/2)
 * closed. The timer runs only while the body is still arriving; it never touches a response that streams.
 */
function guardBody(request: AnyRequest, response: AnyResponse, idleMs: number): void {
  if (request.httpVersionMajor === 2) {
    const stream = (request as Http2ServerRequest).stream;
    const received = () => stream.destroyed || (stream.state.remoteClose ?? 0) !== 0;
    if (received()) return;
    stream.setTimeout(idleMs, () => {
      stream.setTimeout(0);
      if (!received()) stalled(response, () => closeStream(stream));
    });
    return;
  }
  const incoming = request as IncomingMessage;
  const outgoing = response as ServerResponse;
  if (incoming.complete) return;
  const clear = () => outgoing.setTimeout(0);
  outgoing.setTimeout(idleMs, () => {
    clear();
    if (!incoming.complete) stalled(response, () => incoming.socket.destroy());
  });
  incoming.once("end", clear);
}

function closeStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
}

function stalled(response: AnyResponse, close: () => void): void {
  if (response.headersSent) {
    close();
    return;
  }
  const text = JSON.stringify({
    error: {
      message: "The request body stopped arriving; the connection is closed.",
      type: "invalid_request_error",
      param: null,
      code: "request_timeout",
    },
  });
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  };
  if ("shouldKeepAlive" in response) {
    response.shouldKeepAlive = false;
    headers["connection"] = "close";
  }
  (response as ServerResponse).writeHead(408, headers);
  response.end(text, close);
  // The peer may not read the answer either: close regardless after a moment.
  setTimeout(close, 1_000).unref();
}

/** Reads just enough of a new cleartext connection to tell the HTTP/2 preface from an HTTP/1.1 request line. */
function sniff(socket: Socket, timeoutMs: number, route: (isHttp2: boolean, seen: Buffer) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const cleanup = () => {
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("timeout", onTimeout);
    socket.setTimeout(0);
  };
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const length = Math.min(seen.length, HTTP2_PREFACE.length);
    const samePrefix = seen.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
    if (samePrefix && length < HTTP2_PREFACE.length) return; // could still be HTTP/2: wait for more bytes
    cleanup();
    socket.pause();
    route(samePrefix, seen);
  };
  const onEnd = () => {
    cleanup();
    socket.destroy();
  };
  // A connection that never sends a first request is closed (the HTTP servers' own timeouts take over after).
  const onTimeout = () => {
    cleanup();
    socket.destroy();
  };
  socket.on("data", onData);
  socket.once("end", onEnd);
  socket.on("timeout", onTimeout);
  socket.setTimeout(timeoutMs);
}
