import type { ServerResponse } from "node:http";
import type { ChatContext, CommittedStream } from "../core/chat/dispatcher.js";
import { toGatewayError } from "../core/errors/gateway-error.js";
import type { ChatRequest } from "../core/types/chat.js";
import { applyCacheHeader, cacheHeaders } from "./cache-headers.js";
import { fromOpenAIRequest } from "./from-openai.js";
import { type HttpResponse, header, readJsonBody, sendJson } from "./http-io.js";
import { meteringHeaders } from "./metering-headers.js";
import { renderOpenAIError } from "./openai-error.js";
import type { RestContext } from "./rest-shim.js";
import { routingHeaders } from "./routing-headers.js";
import { OpenAIChunkWriter, toOpenAIResponse } from "./to-openai.js";

/** An AbortSignal that fires when the caller goes away before we finished answering. */
export function callerGone(response: HttpResponse): AbortController {
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort(new Error("client disconnected"));
  });
  return controller;
}

/** Writes SSE text; resolves when the caller has read it (backpressure), undefined when nothing to wait for. */
export function write(response: HttpResponse, text: string): Promise<void> | undefined {
  if (text.length === 0 || (response as ServerResponse).write(text)) return undefined;
  // Backpressure: wait until the caller reads, so a slow reader cannot make us buffer a whole stream.
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

/**
 * Streams through the core and, once the first upstream event has committed the attempt, writes the SSE response
 * head (routing and metering headers, plus `extraHeaders`). Every streaming REST surface (chat, Messages,
 * Responses) starts its stream here; errors before the commit are thrown as ordinary JSON errors.
 */
export async function openEventStream(
  context: RestContext,
  request: ChatRequest,
  chat: ChatContext,
  extraHeaders: Record<string, string> = {},
): Promise<CommittedStream> {
  const { request: httpRequest, response, deps, requestId } = context;
  const committed = await deps.gateway.stream(request, chat);
  context.log.deployment = committed.routing.deployment;
  context.log.provider = committed.routing.provider;
  (response as ServerResponse).writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    ...(httpRequest.httpVersionMajor === 1 ? { connection: "keep-alive" } : {}),
    ...routingHeaders(committed.routing, requestId),
    ...meteringHeaders(committed.metering),
    ...cacheHeaders(committed.cache),
    ...extraHeaders,
  });
  return committed;
}

/** POST /v1/chat/completions: OpenAI in, core, OpenAI out — unary JSON or SSE. */
export async function handleChatCompletions(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const { request, stream } = fromOpenAIRequest(body);
  applyCacheHeader(request, httpRequest);
  context.log.model = request.model;
  context.log.stream = stream;
  const abort = callerGone(response);
  const chat: ChatContext = {
    requestId,
    responseId: `chatcmpl-${requestId}`,
    principal: context.principal ?? { keyId: "anonymous", role: "user", display: "" },
    signal: abort.signal,
    surface: "chat_completions",
    traceparent: header(httpRequest, "traceparent"),
  };

  if (!stream) {
    const { response: result, routing, metering, cache } = await deps.gateway.complete(request, chat);
    context.log.deployment = routing.deployment;
    context.log.provider = routing.provider;
    sendJson(response, 200, toOpenAIResponse(result, `chatcmpl-${requestId}`), {
      ...routingHeaders(routing, requestId),
      ...meteringHeaders(metering),
      ...cacheHeaders(cache),
    });
    return 200;
  }

  // Errors until the first upstream event are ordinary JSON errors (and retried by the router); after it, the
  // stream is committed and an error becomes one final SSE error event.
  const committed = await openEventStream(context, request, chat);
  const writer = new OpenAIChunkWriter(
    `chatcmpl-${requestId}`,
    committed.routing.model,
    request.includeUsage === true,
  );
  const iterator = committed.events[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await iterator.next();
      if (next.done) break;
      const pending = write(response, writer.write(next.value));
      if (pending !== undefined) await pending;
      if (abort.signal.aborted) break;
    }
    if (!abort.signal.aborted) response.end("data: [DONE]\n\n");
  } catch (error) {
    const failure = toGatewayError(error);
    if (!abort.signal.aborted) {
      response.end(`data: ${JSON.stringify(renderOpenAIError(failure).body)}\n\n`);
    }
    if (failure.kind === "internal")
      deps.logger.error({ request_id: requestId, err: failure.cause }, "stream failed");
  } finally {
    if (abort.signal.aborted) await iterator.return?.();
  }
  return 200;
}
