import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";

/**
 * connect-es reports a request body that is not a valid protobuf message as `internal` ("parse binary: …"): its
 * binary serialization has no other code to give. For a server that is the caller's bad input, never our fault
 * (GUARDS: never a 5xx for bad input), so it must be `invalid_argument`, as a malformed JSON body already is.
 *
 * Where the parse runs decides where we can fix it. Streaming methods parse inside the interceptor chain, so
 * `decodeErrorAsInvalidArgument` (called from the interceptor) fixes them. Unary methods parse before any
 * interceptor runs, so their handlers are wrapped (`rewriteDecodeErrors`) and the finished error response is
 * rewritten: a Connect unary error body, a gRPC trailer, or a gRPC-Web trailer frame. Successful responses pass
 * through untouched (one status or trailer check).
 */
const PARSE_BINARY = "parse binary:";
const MESSAGE = "The request is not a valid protobuf message";

/** The ConnectError a decode failure should have been; anything else is returned as it is. */
export function decodeErrorAsInvalidArgument(error: ConnectError): ConnectError {
  if (error.code !== Code.Internal || !error.rawMessage.startsWith(PARSE_BINARY)) return error;
  return new ConnectError(describe(error.rawMessage), Code.InvalidArgument, error.metadata);
}

function describe(rawMessage: string): string {
  return `${MESSAGE} (${rawMessage.slice(PARSE_BINARY.length).trim()}).`;
}

/** Wraps every unary handler of the router so that a decode failure is answered as `invalid_argument`. */
export function rewriteDecodeErrors(router: ConnectRouter): void {
  const handlers = router.handlers as UniversalHandler[];
  for (let index = 0; index < handlers.length; index++) {
    const handler = handlers[index] as UniversalHandler;
    if (handler.method.methodKind === "unary") handlers[index] = wrap(handler);
  }
}

function wrap(handler: UniversalHandler): UniversalHandler {
  const wrapped = async (request: Parameters<UniversalHandler>[0]): Promise<UniversalServerResponse> => {
    const response = await handler(request);
    const type = response.header?.get("content-type") ?? "";
    if (response.status === 500 && type.startsWith("application/json")) return rewriteConnectUnary(response);
    if (
      response.trailer !== undefined &&
      response.body !== undefined &&
      type.startsWith("application/grpc")
    ) {
      return { ...response, body: rewriteGrpcTrailer(response.body, response.trailer) };
    }
    if (response.body !== undefined && type.startsWith("application/grpc-web")) {
      return { ...response, body: rewriteGrpcWebTrailer(response.body) };
    }
    return response;
  };
  return Object.assign(wrapped, {
    protocolNames: handler.protocolNames,
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    allowedMethods: handler.allowedMethods,
    supportedContentType: handler.supportedContentType,
  });
}

/** Connect unary: the error is the whole body, JSON `{code, message}`, with HTTP 500. */
async function rewriteConnectUnary(response: UniversalServerResponse): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body ?? []) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  let parsed: { code?: unknown; message?: unknown } | undefined;
  try {
    parsed = JSON.parse(bytes.toString("utf8")) as { code?: unknown; message?: unknown };
  } catch {
    parsed = undefined;
  }
  const message = typeof parsed?.message === "string" ? parsed.message : "";
  if (parsed?.code !== "internal" || !message.startsWith(PARSE_BINARY)) {
    return { ...response, body: once(bytes) };
  }
  const body = Buffer.from(JSON.stringify({ code: "invalid_argument", message: describe(message) }));
  const header = new Headers(response.header);
  header.set("content-length", String(body.byteLength));
  return { ...response, status: 400, header, body: once(body) };
}

/** gRPC: the status is in the trailers, written after the body; fix them once the body is drained. */
async function* rewriteGrpcTrailer(
  body: AsyncIterable<Uint8Array>,
  trailer: Headers,
): AsyncIterable<Uint8Array> {
  yield* body;
  if (trailer.get("grpc-status") !== String(Code.Internal)) return;
  const message = decodeGrpcMessage(trailer.get("grpc-message") ?? "");
  if (!message.startsWith(PARSE_BINARY)) return;
  trailer.set("grpc-status", String(Code.InvalidArgument));
  trailer.set("grpc-message", encodeURIComponent(describe(message)));
}

/** gRPC-Web: the trailers are the body's last frame (flag 0x80, then `name: value\r\n` lines). */
async function* rewriteGrpcWebTrailer(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    if (chunk.byteLength < 5 || chunk[0] !== 0x80) {
      yield chunk;
      continue;
    }
    const text = Buffer.from(chunk.subarray(5)).toString("utf8");
    const status = /grpc-status: ?(\d+)/i.exec(text)?.[1];
    const message = decodeGrpcMessage(/grpc-message: ?([^\r\n]*)/i.exec(text)?.[1] ?? "");
    if (status !== String(Code.Internal) || !message.startsWith(PARSE_BINARY)) {
      yield chunk;
      continue;
    }
    const trailer = Buffer.from(
      `grpc-status: ${Code.InvalidArgument}\r\ngrpc-message: ${encodeURIComponent(describe(message))}\r\n`,
    );
    const frame = Buffer.alloc(5 + trailer.byteLength);
    frame[0] = 0x80;
    frame.writeUInt32BE(trailer.byteLength, 1);
    trailer.copy(frame, 5);
    yield frame;
  }
}

function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
