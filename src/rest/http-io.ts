import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { findTooDeep, joinPath, MAX_JSON_DEPTH } from "../core/chat/json-depth.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import { renderOpenAIError } from "./openai-error.js";

/** Node gives us HTTP/1.1 or HTTP/2 compatibility objects on the same port; both work through these. */
export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

export function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads a JSON body with a hard size cap: a declared Content-Length over the cap is refused before reading a
 * byte, a chunked body is cut off the moment it passes the cap (GUARDS 8). One JSON.parse per request (V8's
 * parser does not recurse on nesting), then a bounded walk refuses a body nested deeper than MAX_JSON_DEPTH, so
 * nothing after it (zod, converters, JSON.stringify of the upstream body) can overflow the stack.
 */
/** Levels of known request structure around a free-form JSON field (tools → [0] → function → parameters…). */
const WIRE_LEVELS = 8;

export function readJsonBody(request: HttpRequest, maxBytes: number): Promise<unknown> {
  const declared = header(request, "content-length");
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(tooLarge(maxBytes));
  // Plain 'data'/'end' listeners: cheaper than an async iterator over the request (no iterator object, no
  // end-of-stream machinery, no promise per chunk).
  return new Promise<unknown>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        request.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (size === 0) {
        reject(invalidRequest("The request body is empty; send a JSON object."));
        return;
      }
      const text =
        chunks.length === 1
          ? (chunks[0] as Buffer).toString("utf8")
          : Buffer.concat(chunks, size).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        reject(invalidRequest("The request body is not valid JSON."));
        return;
      }
      // The bound of free-form fields (checked by the core, naming the field) plus the levels of the wire
      // structure around them (`tools[0].function.parameters` is four): anything deeper is refused here.
      const tooDeep = findTooDeep(body, MAX_JSON_DEPTH + WIRE_LEVELS);
      if (tooDeep !== undefined) {
        // Name the field by its first few segments (`tools[0].function.parameters`), not 64 of them.
        const param = joinPath("", tooDeep.slice(0, 4));
        reject(invalidRequest(`'${param}' is nested more than ${MAX_JSON_DEPTH} levels deep.`, param));
        return;
      }
      resolve(body);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new GatewayError("cancelled", "The caller closed the request before its body arrived."));
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "payload_too_large",
    `The request body is larger than the limit of ${maxBytes} bytes.`,
    {
      reason: "request_too_large",
    },
  );
}

export function sendJson(
  response: HttpResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  if (response.headersSent) {
    response.end();
    return;
  }
  const all: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  };
  (response as ServerResponse).writeHead(status, all);
  response.end(text);
}

/** Renders any error as OpenAI's error JSON; an oversize body also closes the connection (we stopped reading). */
export function sendError(
  response: HttpResponse,
  error: GatewayError,
  headers: Record<string, string> = {},
): number {
  const rendered = renderOpenAIError(error);
  const extra: Record<string, string> = { ...headers, ...rendered.headers };
  if (error.kind === "payload_too_large" && response.req.httpVersionMajor === 1)
    extra["connection"] = "close";
  sendJson(response, rendered.status, rendered.body, extra);
  return rendered.status;
}

/** The request's query string, parsed (empty without one). */
export function queryParams(request: { url?: string | undefined }): URLSearchParams {
  const url = request.url ?? "/";
  const index = url.indexOf("?");
  return new URLSearchParams(index === -1 ? "" : url.slice(index + 1));
}
