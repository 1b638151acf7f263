import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { JsonReadOptions } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createMethodSerializationLookup } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  errorToJsonBytes,
  parseTimeout as parseConnectTimeout,
} from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { ChatService, type CompleteRequest } from "../../gen/switchboard/v1/chat_service_pb.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { ChatGateway } from "../core/chat/chat-gateway.js";
import type { ChatContext } from "../core/chat/dispatcher.js";
import type { Principal } from "../core/types/principal.js";
import { writeAccessLine } from "../logging/access-log.js";
import type { Logger } from "../logging/logger.js";
import { authenticateCall, authorizeRoute, requestIdOf } from "./call-auth.js";
import { CACHE_HEADER, cacheResponseHeaders, completeChat } from "./chat-service.js";
import { toConnectError } from "./connect-error.js";
import { decodeErrorAsInvalidArgument } from "./decode-errors.js";

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;

export interface UnaryFastPathOptions {
  gateway: ChatGateway;
  authenticator: Authenticator;
  logger: Logger;
  /** Largest request message, bytes (the adapter's readMaxBytes). */
  readMaxBytes: number;
  /** The adapter's JSON options, so that both paths parse and print JSON alike. */
  jsonOptions: Partial<JsonReadOptions>;
}

/** Takes the request (true) or leaves it to the Connect adapter (false). */
export type UnaryFastPath = (request: NodeRequest, response: NodeResponse) => boolean;

const COMPLETE = ChatService.method.complete;
const ROUTE = `/${ChatService.typeName}/${COMPLETE.name}`;
const CONNECT_UNARY = /^application\/(?:(json)(?:; ?charset=utf-?8)?|(proto))$/i;
const NO_TIMEOUT = Number.POSITIVE_INFINITY;

type Wire = "grpc" | "connect-json" | "connect-proto";

/** The wire a request speaks when the fast path can take it; undefined leaves it to the adapter. */
function wireOf(request: NodeRequest): Wire | undefined {
  if (request.method !== "POST" || request.url !== ROUTE) return undefined;
  const contentType = request.headers["content-type"];
  if (contentType === "application/grpc" || contentType === "application/grpc+proto") {
    const encoding = request.headers["grpc-encoding"];
    if (request.httpVersionMajor !== 2 || (encoding !== undefined && encoding !== "identity"))
      return undefined;
    return "grpc";
  }
  if (contentType === undefined) return undefined;
  const unary = CONNECT_UNARY.exec(contentType);
  if (unary === null) return undefined;
  const encoding = request.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return undefined;
  return unary[1] !== undefined ? "connect-json" : "connect-proto";
}

/**
 * Reads the whole body, refusing past `limit` bytes without buffering the rest: `refuse` turns the first bytes
 * and the size seen into the error (gRPC reports the envelope's declared size, as the adapter does).
 */
function readBody(
  request: NodeRequest,
  limit: number,
  refuse: (first: Buffer | undefined, size: number) => ConnectError,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers["content-length"]);
    if (declared > limit) {
      reject(refuse(undefined, declared));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(refuse(chunks[0] ?? chunk, size));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ConnectError(`request body: ${error.message}`, Code.Canceled));
    };
    const onAborted = () => onError(new Error("aborted by the client"));
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("aborted", onAborted);
  });
}

function tooLarge(size: number, limit: number): ConnectError {
  return new ConnectError(
    `message size ${size} is larger than configured readMaxBytes ${limit}`,
    Code.ResourceExhausted,
  );
}

/**
 * The one message of a gRPC unary request body (a single uncompressed length-prefixed frame), checked in the
 * adapter's order: the declared size against readMaxBytes first, then the envelope's completeness.
 */
function unframe(body: Buffer, readMaxBytes: number): Buffer {
  if (body.length === 0) {
    throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  }
  if (body.length < 5) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const length = body.readUInt32BE(1);
  if (length > readMaxBytes) throw tooLarge(length, readMaxBytes);
  if (body.length < 5 + length) {
    throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  if (body.length > 5 + length) {
    throw new ConnectError(
      "protocol error: received extra input message for unary method",
      Code.Unimplemented,
    );
  }
  if (((body[0] as number) & 0b1) === 0b1) {
    throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
  }
  return body.subarray(5);
}

function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

function headerObject(headers: Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * ChatService.Complete over gRPC (h2) and Connect unary (JSON or binary, HTTP/1.1 or h2) without connect-node's
 * generic pipeline. The adapter turns every call into web Headers, a chain of async iterables (split, decompress,
 * parse, serialize, join envelopes), an interceptor chain, a handler context with its own AbortController that
 * is aborted (a DOMException with a stack) at the end of every call: the profile put gRPC unary at 3.6× the CPU
 * of REST, nearly all of it in that machinery, not in protobuf. This path does the same work directly on the
 * node request and response: the same serialization objects (connect's, with the adapter's limits and JSON
 * options), the same authentication, authorization matrix, access line, error rendering (connect's own trailer
 * and JSON error writers) and the same service code (`completeChat`). Anything it does not handle (compression,
 * gRPC-Web, GET, another content type, a query string) is left to the adapter.
 */
export function createUnaryFastPath(options: UnaryFastPathOptions): UnaryFastPath {
  const serialization = createMethodSerializationLookup(COMPLETE, undefined, options.jsonOptions, {
    readMaxBytes: options.readMaxBytes,
    writeMaxBytes: 0xffffffff,
  });
  const { gateway, authenticator, logger } = options;
  const limit = options.readMaxBytes;

  async function serve(request: NodeRequest, response: NodeResponse, wire: Wire): Promise<void> {
    const started = performance.now();
    const headers = request.headers;
    const requestId = requestIdOf(single(headers["x-request-id"]));
    const binary = wire !== "connect-json";
    const controller = new AbortController();
    let settled = false;
    // The caller went away (or reset the stream) before the answer: abort the upstream attempt.
    const onClose = () => {
      if (!settled) controller.abort(new ConnectError("the client closed the call", Code.Canceled));
    };
    response.once("close", onClose);
    let timer: NodeJS.Timeout | undefined;
    let principal: Principal | undefined;
    let code = "ok";
    try {
      const timeout =
        wire === "grpc"
          ? parseGrpcTimeout(single(headers["grpc-timeout"]) ?? null, NO_TIMEOUT)
          : parseConnectTimeout(single(headers["connect-timeout-ms"]) ?? null, NO_TIMEOUT);
      if (timeout.error !== undefined) throw timeout.error;
      const body = await readBody(request, limit + (wire === "grpc" ? 5 : 0), (first, size) =>
        wire === "grpc" && first !== undefined && first.length >= 5
          ? tooLarge(first.readUInt32BE(1), limit)
          : tooLarge(size, limit),
      );
      const input = serialization
        .getI(binary)
        .parse(wire === "grpc" ? unframe(body, limit) : body) as CompleteRequest;
      principal = await authenticateCall(
        authenticator,
        single(headers.authorization),
        single(headers["x-api-key"]),
      );
      authorizeRoute(ROUTE, principal);
      const chat: ChatContext = {
        requestId,
        responseId: `chatcmpl-${requestId}`,
        principal,
        signal: controller.signal,
        surface: "rpc",
        traceparent: single(headers.traceparent),
      };
      if (timeout.timeoutMs !== undefined) {
        chat.deadline = Date.now() + timeout.timeoutMs;
        timer = setTimeout(
          () => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
          timeout.timeoutMs,
        );
      }
      const { message, routing, cache } = await completeChat(
        gateway,
        input,
        chat,
        single(headers[CACHE_HEADER]),
      );
      const bytes = serialization.getO(binary).serialize(message);
      settled = true;
      const responseHeaders: OutgoingHttpHeaders = {
        "content-type":
          wire === "grpc" ? "application/grpc+proto" : binary ? "application/proto" : "application/json",
        "x-request-id": requestId,
        "x-switchboard-deployment": routing.deployment,
        "x-switchboard-provider": routing.provider,
        ...Object.fromEntries(cacheResponseHeaders(cache)),
      };
      if (wire === "grpc") {
        response.writeHead(200, responseHeaders);
        response.addTrailers({ "grpc-status": "0" });
        response.end(frame(bytes));
      } else {
        responseHeaders["content-length"] = bytes.length;
        response.writeHead(200, responseHeaders);
        response.end(bytes);
      }
    } catch (error) {
      settled = true;
      // As the adapter answers (decode-errors.ts): a body that is not a protobuf message is the caller's fault.
      const connectError = decodeErrorAsInvalidArgument(toConnectError(error));
      code = String(connectError.code);
      connectError.metadata.set("x-request-id", requestId);
      if (!response.headersSent && !response.writableEnded) {
        if (wire === "grpc") {
          response.writeHead(200, { "content-type": "application/grpc+proto" });
          response.addTrailers(headerObject(setTrailerStatus(new Headers(), connectError)));
          response.end();
        } else {
          const bytes = errorToJsonBytes(connectError, {});
          const errorHeaders = headerObject(connectError.metadata);
          errorHeaders["content-type"] = "application/json";
          errorHeaders["content-length"] = bytes.length;
          response.writeHead(codeToHttpStatus(connectError.code), errorHeaders);
          response.end(bytes);
        }
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      response.off("close", onClose);
      writeAccessLine(
        logger,
        {
          request_id: requestId,
          route: ROUTE,
          protocol: "POST",
          code,
          latency_ms: Math.round((performance.now() - started) * 100) / 100,
          key_id: principal?.keyId,
        },
        "rpc",
      );
    }
  }

  return (request, response) => {
    const wire = wireOf(request);
    if (wire === undefined) return false;
    serve(request, response, wire).catch((error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, "unary fast path failed");
      if (!response.writableEnded) response.destroy();
    });
    return true;
  };
}
