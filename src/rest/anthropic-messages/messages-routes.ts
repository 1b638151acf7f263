import type { ChatContext } from "../../core/chat/dispatcher.js";
import { invalidRequest, toGatewayError } from "../../core/errors/gateway-error.js";
import { applyCacheHeader, cacheHeaders } from "../cache-headers.js";
import { callerGone, openEventStream, write } from "../chat-completions.js";
import { header, readJsonBody, sendJson } from "../http-io.js";
import { meteringHeaders } from "../metering-headers.js";
import type { RestContext, RestRoute } from "../rest-shim.js";
import { routingHeaders } from "../routing-headers.js";
import { anthropicErrorEvent, sendAnthropicError } from "./anthropic-error.js";
import { AnthropicSseWriter } from "./anthropic-sse-writer.js";
import {
  fromAnthropicCountTokens,
  fromAnthropicMessages,
  type MessagesHeaders,
} from "./from-anthropic-messages.js";
import { messageId, toAnthropicMessage } from "./to-anthropic-messages.js";

const VERSION = /^\d{4}-\d{2}-\d{2}$/;
const BETA = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_BETAS = 32;

/**
 * `anthropic-version` is accepted (any dated version; the upstream gets the deployment's own) and
 * `anthropic-beta` is a comma-separated list of flag names, checked before it may become an upstream header.
 */
export function readMessagesHeaders(context: RestContext): MessagesHeaders {
  const version = header(context.request, "anthropic-version");
  if (version !== undefined && !VERSION.test(version.trim())) {
    throw invalidRequest("anthropic-version: must be a date such as 2023-06-01", "anthropic-version");
  }
  const raw = context.request.headers["anthropic-beta"];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const betas: string[] = [];
  for (const value of values) {
    for (const item of value.split(",")) {
      const beta = item.trim();
      if (beta === "") continue;
      if (!BETA.test(beta)) throw invalidRequest("anthropic-beta: not a beta flag name", "anthropic-beta");
      if (!betas.includes(beta)) betas.push(beta);
    }
  }
  if (betas.length > MAX_BETAS)
    throw invalidRequest(`anthropic-beta: at most ${MAX_BETAS} flags`, "anthropic-beta");
  return { betas };
}

function chatContext(context: RestContext, signal: AbortSignal): ChatContext {
  return {
    requestId: context.requestId,
    responseId: messageId(context.requestId),
    principal: context.principal ?? { keyId: "anonymous", role: "user", display: "" },
    signal,
    surface: "messages",
    traceparent: header(context.request, "traceparent"),
  };
}

/** POST /v1/messages: Anthropic in, the one core, Anthropic out — unary JSON or SSE. */
export async function handleMessages(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const headers = readMessagesHeaders(context);
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const { request, stream } = fromAnthropicMessages(body, headers);
  applyCacheHeader(request, httpRequest);
  context.log.model = request.model;
  context.log.stream = stream;
  const abort = callerGone(response);
  const chat = chatContext(context, abort.signal);

  if (!stream) {
    const { response: result, routing, metering, cache } = await deps.gateway.complete(request, chat);
    context.log.deployment = routing.deployment;
    context.log.provider = routing.provider;
    sendJson(response, 200, toAnthropicMessage(result, requestId), {
      ...routingHeaders(routing, requestId),
      ...meteringHeaders(metering),
      ...cacheHeaders(cache),
      "request-id": requestId,
    });
    return 200;
  }

  // As for chat: errors before the first upstream event are JSON errors (and retried by the router); after it
  // the stream is committed and an error becomes one `event: error`.
  const committed = await openEventStream(context, request, chat, { "request-id": requestId });
  const writer = new AnthropicSseWriter(requestId, committed.routing.model);
  const iterator = committed.events[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await iterator.next();
      if (next.done) break;
      const pending = write(response, writer.write(next.value));
      if (pending !== undefined) await pending;
      if (abort.signal.aborted) break;
    }
    if (!abort.signal.aborted) response.end();
  } catch (error) {
    const failure = toGatewayError(error);
    if (!abort.signal.aborted) response.end(anthropicErrorEvent(failure, requestId));
    if (failure.kind === "internal")
      deps.logger.error({ request_id: requestId, err: failure.cause }, "stream failed");
  } finally {
    if (abort.signal.aborted) await iterator.return?.();
  }
  return 200;
}

/**
 * POST /v1/messages/count_tokens → `{"input_tokens": N}`: the upstream's own count when the model has an
 * Anthropic deployment, the gateway's estimate otherwise; `x-switchboard-token-count` says which.
 */
export async function handleCountTokens(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const headers = readMessagesHeaders(context);
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const request = fromAnthropicCountTokens(body, headers);
  context.log.model = request.model;
  const abort = callerGone(response);
  const count = await deps.gateway.countTokens(request, chatContext(context, abort.signal));
  if (count.deployment !== undefined) context.log.deployment = count.deployment;
  if (count.provider !== undefined) context.log.provider = count.provider;
  sendJson(
    response,
    200,
    { input_tokens: count.inputTokens },
    {
      "x-request-id": requestId,
      "request-id": requestId,
      "x-switchboard-token-count": count.estimated ? "estimate" : "upstream",
    },
  );
  return 200;
}

/** The Messages surface's routes; their errors, auth failures included, are in Anthropic's shape. */
export function messagesRoutes(): RestRoute[] {
  return [
    {
      method: "POST",
      path: "/v1/messages",
      access: "authenticated",
      handler: handleMessages,
      sendError: sendAnthropicError,
    },
    {
      method: "POST",
      path: "/v1/messages/count_tokens",
      access: "authenticated",
      handler: handleCountTokens,
      sendError: sendAnthropicError,
    },
  ];
}
