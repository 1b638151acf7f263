import { randomUUID } from "node:crypto";
import type { RequestEnd, RequestStart } from "../../core/chat/request-observer.js";
import { scrubSecrets } from "../../shared/secret-scrubber.js";
import { type LoggedMessage, messagesOfRequest, messagesOfResponse } from "../content.js";

/**
 * The standard logging object every callback receives, after LiteLLM's `StandardLoggingPayload` (snake_case, the
 * same names where the meaning is the same), built once per request. It never holds a key's secret (only its id
 * and display form) and every string in it has been through the secret scrubber. Messages and response are present
 * only when message logging is on.
 */
export interface LoggingPayload {
  /** Unique per payload (the gateway's own UUID; receivers may de-duplicate on it). */
  id: string;
  /** The gateway's trace id when tracing is on (W3C), for joining logs to traces. */
  trace_id?: string;
  request_id: string;
  call_type: "completion";
  status: "success" | "failure";
  surface: string;
  stream: boolean;
  /** Epoch seconds, with fractions. */
  start_time: number;
  end_time: number;
  completion_start_time?: number;
  response_time_ms: number;
  /** The model the caller asked for, as it named it, and the model group it resolved to. */
  requested_model: string;
  model_group?: string;
  /** What served it. */
  model?: string;
  model_id?: string;
  api_provider?: string;
  attempts: LoggedAttempt[];
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_prompt_tokens?: number;
  reasoning_tokens?: number;
  usage_estimated?: boolean;
  response_cost?: number;
  finish_reasons?: string[];
  metadata: {
    user_api_key_id: string;
    user_api_key_alias: string;
    user_api_key_team_id?: string;
    user_api_key_user_id?: string;
    tags?: string[];
  };
  error_information?: { error_class: string; error_message: string; error_code?: number };
  messages?: LoggedMessage[];
  response?: LoggedMessage[];
}

export interface LoggedAttempt {
  deployment: string;
  provider: string;
  model: string;
  model_group?: string;
  reason: string;
  outcome: string;
  latency_ms: number;
}

export function buildLoggingPayload(
  start: RequestStart,
  end: RequestEnd,
  attempts: readonly LoggedAttempt[],
  options: { logMessages: boolean; traceId?: string | undefined },
): LoggingPayload {
  const principal = start.principal;
  const usage = end.usage;
  const routing = end.routing;
  const payload: LoggingPayload = {
    id: randomUUID(),
    request_id: start.requestId,
    call_type: "completion",
    status: end.error === undefined ? "success" : "failure",
    surface: end.surface,
    stream: end.stream,
    start_time: epochSeconds(end.startedAt),
    end_time: epochSeconds(end.endedAt),
    response_time_ms: Math.round((end.endedAt - end.startedAt) * 100) / 100,
    requested_model: start.request.model,
    attempts: [...attempts],
    prompt_tokens: usage?.promptTokens ?? 0,
    completion_tokens: usage?.completionTokens ?? 0,
    total_tokens: usage?.totalTokens ?? 0,
    metadata: { user_api_key_id: principal.keyId, user_api_key_alias: principal.display },
  };
  if (options.traceId !== undefined) payload.trace_id = options.traceId;
  if (end.firstTokenAt !== undefined) payload.completion_start_time = epochSeconds(end.firstTokenAt);
  if (end.modelGroup !== undefined) payload.model_group = end.modelGroup;
  if (routing !== undefined) {
    payload.model = end.response?.model ?? end.responseModel ?? routing.model;
    payload.model_id = routing.deployment;
    payload.api_provider = routing.provider;
  }
  if (usage?.cachedPromptTokens !== undefined) payload.cached_prompt_tokens = usage.cachedPromptTokens;
  if (usage?.reasoningTokens !== undefined) payload.reasoning_tokens = usage.reasoningTokens;
  if (usage?.estimated === true) payload.usage_estimated = true;
  if (end.costUsd !== undefined) payload.response_cost = end.costUsd;
  const finishes = end.response?.choices.map((choice) => choice.finishReason ?? "stop") ?? end.finishReasons;
  if (finishes !== undefined && finishes.length > 0) payload.finish_reasons = [...finishes];
  if (principal.teamId !== undefined) payload.metadata.user_api_key_team_id = principal.teamId;
  if (principal.userId !== undefined) payload.metadata.user_api_key_user_id = principal.userId;
  if (principal.tags !== undefined && principal.tags.length > 0) payload.metadata.tags = [...principal.tags];
  if (end.error !== undefined) {
    payload.error_information = { error_class: end.error.kind, error_message: end.error.message };
    if (end.error.upstreamStatus !== undefined)
      payload.error_information.error_code = end.error.upstreamStatus;
  }
  if (options.logMessages) {
    payload.messages = messagesOfRequest(start.request);
    if (end.response !== undefined) payload.response = messagesOfResponse(end.response);
  }
  return scrubDeep(payload);
}

/** Every string in a JSON-shaped value through the scrubber (keys included); depth-bounded. */
export function scrubDeep<T>(value: T, depth = 0): T {
  if (typeof value === "string") return scrubSecrets(value) as T;
  if (depth > 32 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[scrubSecrets(key)] = scrubDeep(item, depth + 1);
  return out as T;
}

function epochSeconds(mark: number): number {
  return Math.round(performance.timeOrigin + mark) / 1000;
}
