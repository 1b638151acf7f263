import type { ChatContext } from "../../core/chat/dispatcher.js";
import { GatewayError, invalidRequest, toGatewayError } from "../../core/errors/gateway-error.js";
import type { Principal } from "../../core/types/principal.js";
import type { ResponseStore } from "../../responses/response-store.js";
import { callerGone, openEventStream, write } from "../chat-completions.js";
import { header, queryParams, readJsonBody, sendJson } from "../http-io.js";
import { meteringHeaders } from "../metering-headers.js";
import type { RestContext } from "../rest-shim.js";
import { routingHeaders } from "../routing-headers.js";
import {
  type ParsedResponsesRequest,
  parseInputItem,
  parseResponsesRequest,
  toChatRequest,
} from "./from-responses-request.js";
import { isResponseId, newItemId, newResponseId } from "./response-ids.js";
import type { ResponsesInputItem } from "./responses-request-schema.js";
import { inputTokensRequestSchema } from "./responses-request-schema.js";
import { ResponsesEventWriter } from "./responses-sse-writer.js";
import { type ResponseObject, responseSkeleton, toResponsesResponse } from "./to-responses-response.js";

/** What the Responses routes need besides the core: where conversations live and for how long. */
export interface ResponsesSettings {
  store: ResponseStore;
  /** How long a stored response stays readable and continuable. */
  retentionMs: number;
  now?: () => number;
}

const PURGE_INTERVAL_MS = 60_000;
let lastPurge = 0;

function settingsOf(context: RestContext): ResponsesSettings {
  const settings = context.deps.responses;
  if (settings === undefined)
    throw new GatewayError("not_found", "The Responses API is not enabled on this gateway.", {
      reason: "route_not_found",
    });
  return settings;
}

function principalOf(context: RestContext): Principal {
  return context.principal ?? { keyId: "anonymous", role: "user", display: "" };
}

function notFound(id: string): GatewayError {
  return new GatewayError("not_found", `No response with id '${id}' was found.`, {
    param: "response_id",
    reason: "response_not_found",
  });
}

/** Items of a stored conversation, typed again (they were written by the gateway, so they parse). */
function typedItems(items: readonly unknown[], path: string): ResponsesInputItem[] {
  return items.map((item) => parseInputItem(item, path));
}

/** The conversation before this request: the previous response's history, input and output. */
async function historyOf(
  parsed: ParsedResponsesRequest,
  settings: ResponsesSettings,
  keyId: string,
): Promise<unknown[]> {
  const previous = parsed.body.previous_response_id ?? undefined;
  if (previous === undefined) return [];
  const record = isResponseId(previous)
    ? await settings.store.get(previous, keyId, (settings.now ?? Date.now)())
    : undefined;
  if (record === undefined) {
    throw new GatewayError("not_found", `Previous response with id '${previous}' not found.`, {
      param: "previous_response_id",
      reason: "response_not_found",
    });
  }
  const output = Array.isArray(record.response["output"]) ? (record.response["output"] as unknown[]) : [];
  return [...record.history, ...record.inputItems, ...output];
}

/** Input items as stored and listed: every item has its `type` and an id, as OpenAI lists them. */
function withIds(items: readonly ResponsesInputItem[]): ResponsesInputItem[] {
  return items.map((item) => {
    const typed = item.type === undefined ? { ...item, type: "message" as const } : item;
    if (typed.id != null) return typed;
    const prefix = typed.type === "function_call" ? "fc" : typed.type === "reasoning" ? "rs" : "msg";
    return { ...typed, id: newItemId(prefix) };
  });
}

async function storeResponse(
  context: RestContext,
  settings: ResponsesSettings,
  keyId: string,
  response: ResponseObject,
  input: ResponsesInputItem[],
  history: unknown[],
): Promise<void> {
  const now = (settings.now ?? Date.now)();
  try {
    await settings.store.put({
      id: response.id,
      keyId,
      createdAt: now,
      expiresAt: now + settings.retentionMs,
      response: response as unknown as Record<string, unknown>,
      inputItems: input,
      history,
    });
  } catch (error) {
    // Outage policy: the answer is not lost because the database failed; the response is not continuable.
    context.deps.logger.error({ request_id: context.requestId, err: error }, "could not store a response");
  }
  if (now - lastPurge > PURGE_INTERVAL_MS) {
    lastPurge = now;
    settings.store.purgeExpired(now).catch((error: unknown) => {
      context.deps.logger.warn({ err: error }, "could not purge expired responses");
    });
  }
}

/** POST /v1/responses: Responses in, the one core, Responses out — unary JSON or SSE. */
export async function handleCreateResponse(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const settings = settingsOf(context);
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const parsed = parseResponsesRequest(body);
  const principal = principalOf(context);
  const history = await historyOf(parsed, settings, principal.keyId);
  const request = toChatRequest(parsed, typedItems(history, "previous_response_id"));
  context.log.model = request.model;
  context.log.stream = parsed.stream;
  const input = withIds(parsed.input);
  const abort = callerGone(response);
  const responseId = newResponseId();
  const chat: ChatContext = {
    requestId,
    responseId,
    principal,
    signal: abort.signal,
    traceparent: header(context.request, "traceparent"),
  };
  const skeleton = responseSkeleton(parsed, responseId, Math.floor((settings.now ?? Date.now)() / 1000));

  if (!parsed.stream) {
    const { response: result, routing, metering } = await deps.gateway.complete(request, chat);
    context.log.deployment = routing.deployment;
    context.log.provider = routing.provider;
    const answer = toResponsesResponse(skeleton, result);
    if (parsed.store) await storeResponse(context, settings, principal.keyId, answer, input, history);
    sendJson(response, 200, answer, { ...routingHeaders(routing, requestId), ...meteringHeaders(metering) });
    return 200;
  }

  // Errors until the first upstream event are JSON errors (and retried by the router); after it, an error is an
  // `error` event followed by `response.failed`.
  const committed = await openEventStream(context, request, chat);
  const writer = new ResponsesEventWriter(skeleton);
  const iterator = committed.events[Symbol.asyncIterator]();
  let stored = !parsed.store;
  try {
    const started = write(response, writer.start());
    if (started !== undefined) await started;
    while (true) {
      const next = await iterator.next();
      if (next.done) break;
      const text = writer.write(next.value);
      // Stored before the terminal event leaves: a caller that reads `response.completed` and at once retrieves or
      // continues the response finds it.
      const final = writer.result();
      if (final !== undefined && !stored) {
        stored = true;
        await storeResponse(context, settings, principal.keyId, final, input, history);
      }
      const pending = write(response, text);
      if (pending !== undefined) await pending;
      if (abort.signal.aborted) break;
    }
    if (!abort.signal.aborted) response.end();
  } catch (error) {
    const failure = toGatewayError(error);
    if (!abort.signal.aborted) response.end(writer.fail(failure));
    if (failure.kind === "internal")
      deps.logger.error({ request_id: requestId, err: failure.cause }, "stream failed");
  } finally {
    if (abort.signal.aborted) await iterator.return?.();
  }
  return 200;
}

/** `{rest}` of `/v1/responses/{rest}`: an id, optionally followed by `/input_items`. */
function idAndAction(rest: string): { id: string; action: "" | "input_items" } {
  const slash = rest.indexOf("/");
  if (slash === -1) return { id: rest, action: "" };
  const action = rest.slice(slash + 1);
  if (action !== "input_items")
    throw new GatewayError("not_found", "No route for this path.", { reason: "route_not_found" });
  return { id: rest.slice(0, slash), action };
}

function queryOf(context: RestContext): URLSearchParams {
  return queryParams(context.request);
}

/** GET /v1/responses/{id} and GET /v1/responses/{id}/input_items, for the key that created the response. */
export async function handleGetResponse(context: RestContext): Promise<number> {
  const settings = settingsOf(context);
  const { id, action } = idAndAction(context.rest);
  const record = isResponseId(id)
    ? await settings.store.get(id, principalOf(context).keyId, (settings.now ?? Date.now)())
    : undefined;
  if (record === undefined) throw notFound(id);
  if (action === "") {
    sendJson(context.response, 200, record.response);
    return 200;
  }
  const query = queryOf(context);
  const order = query.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") throw invalidRequest("'order' must be 'asc' or 'desc'.", "order");
  const limitText = query.get("limit") ?? "20";
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw invalidRequest("'limit' must be an integer from 1 to 100.", "limit");
  let items = record.inputItems as { id?: string }[];
  if (order === "desc") items = [...items].reverse();
  const after = query.get("after");
  if (after !== null) {
    const index = items.findIndex((item) => item.id === after);
    items = index === -1 ? [] : items.slice(index + 1);
  }
  const page = items.slice(0, limit);
  sendJson(context.response, 200, {
    object: "list",
    data: page,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
    has_more: items.length > page.length,
  });
  return 200;
}

/** DELETE /v1/responses/{id}, for the key that created it. */
export async function handleDeleteResponse(context: RestContext): Promise<number> {
  const settings = settingsOf(context);
  const { id, action } = idAndAction(context.rest);
  if (action !== "")
    throw new GatewayError("not_found", "No route for this path.", { reason: "route_not_found" });
  const deleted = isResponseId(id) && (await settings.store.delete(id, principalOf(context).keyId));
  if (!deleted) throw notFound(id);
  sendJson(context.response, 200, { id, object: "response", deleted: true });
  return 200;
}

/**
 * POST /v1/responses/input_tokens, through the core's one count (ChatGateway.countTokens): the provider's own count
 * when a deployment of the model has one (Anthropic), otherwise the gateway's prompt estimate, after the same model
 * and access checks as a call. `estimated` and the `x-switchboard-estimate` header say which.
 */
export async function handleInputTokens(context: RestContext): Promise<number> {
  const settings = settingsOf(context);
  const body = await readJsonBody(context.request, context.deps.maxBodyBytes);
  const shape = inputTokensRequestSchema.safeParse(body);
  if (!shape.success) {
    // The full parser names the field in the same words as POST /v1/responses.
    parseResponsesRequest(body);
    const issue = shape.error.issues[0];
    const key = issue?.code === "unrecognized_keys" ? (issue.keys[0] ?? "") : "";
    throw invalidRequest(`Unrecognized field '${key}'.`, key);
  }
  const parsed = parseResponsesRequest(body);
  const principal = principalOf(context);
  const history = await historyOf(parsed, settings, principal.keyId);
  const request = toChatRequest(parsed, typedItems(history, "previous_response_id"));
  context.log.model = request.model;
  const abort = callerGone(context.response);
  const count = await context.deps.gateway.countTokens(request, {
    requestId: context.requestId,
    principal,
    signal: abort.signal,
  });
  if (count.provider !== undefined) context.log.provider = count.provider;
  sendJson(
    context.response,
    200,
    { object: "response.input_tokens", input_tokens: count.inputTokens, estimated: count.estimated },
    { "x-switchboard-estimate": String(count.estimated) },
  );
  return 200;
}
