import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { parseTraceParent } from "@opentelemetry/core";
import type { RequestEnd, RequestScope, RequestStart } from "../../core/chat/request-observer.js";
import type { Attempt } from "../../core/types/routing.js";
import { scrubSecrets } from "../../shared/secret-scrubber.js";
import { contentOfRequest, contentOfResponse } from "../content.js";

/**
 * Follows each request with OpenTelemetry spans: one SERVER span per request (a child of the caller's W3C
 * `traceparent` when it sent a valid one), and one CLIENT span per upstream attempt, built when the router reports
 * the attempt (with its own start and end), named and attributed after the GenAI semantic conventions. Upstream
 * calls carry the request span's `traceparent`, so a provider's own trace joins ours.
 *
 * Built only when tracing is configured: with tracing off there is no tracer, no scope, and the request path makes
 * no OpenTelemetry call at all.
 */
export class RequestTracer {
  constructor(
    private readonly tracer: Tracer,
    private readonly options: { captureContent: boolean },
  ) {}

  scope(start: RequestStart): RequestScope {
    return new TraceScope(this.tracer, start, this.options.captureContent);
  }
}

/** The operation name the GenAI conventions give a chat call. */
const OPERATION = "chat";

class TraceScope implements RequestScope {
  readonly upstreamHeaders: Readonly<Record<string, string>>;
  private readonly span: Span;
  private readonly parent: Context;

  constructor(
    private readonly tracer: Tracer,
    start: RequestStart,
    private readonly captureContent: boolean,
  ) {
    const caller = callerContext(start.traceparent);
    const request = start.request;
    const attributes: Attributes = {
      "gen_ai.operation.name": OPERATION,
      "gen_ai.request.model": request.model,
      "switchboard.request_id": start.requestId,
      "switchboard.surface": start.surface,
      "switchboard.stream": start.stream,
      "switchboard.key_id": start.principal.keyId,
    };
    if (start.principal.teamId !== undefined) attributes["switchboard.team_id"] = start.principal.teamId;
    if (request.maxTokens !== undefined) attributes["gen_ai.request.max_tokens"] = request.maxTokens;
    if (request.temperature !== undefined) attributes["gen_ai.request.temperature"] = request.temperature;
    if (request.topP !== undefined) attributes["gen_ai.request.top_p"] = request.topP;
    if (this.captureContent) attributes["gen_ai.input.messages"] = scrubSecrets(contentOfRequest(request));
    this.span = tracer.startSpan(
      `${OPERATION} ${request.model}`,
      { kind: SpanKind.SERVER, startTime: epochOf(start.startedAt), attributes },
      caller,
    );
    this.parent = trace.setSpan(caller, this.span);
    const own = this.span.spanContext();
    this.upstreamHeaders = {
      traceparent: `00-${own.traceId}-${own.spanId}-${(own.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? "01" : "00"}`,
    };
  }

  onAttempt(attempt: Attempt): void {
    if (attempt.skipped !== undefined) return;
    const endedAt = attempt.endedAt ?? Date.now();
    const startedAt = attempt.startedAt ?? endedAt - attempt.latencyMs;
    const attributes: Attributes = {
      "gen_ai.operation.name": OPERATION,
      "gen_ai.system": attempt.provider,
      "gen_ai.request.model": attempt.model,
      "switchboard.deployment": attempt.deployment,
      "switchboard.attempt.reason": attempt.reason ?? "primary",
      "switchboard.attempt.outcome": attempt.outcome,
    };
    if (attempt.modelGroup !== undefined) attributes["switchboard.model_group"] = attempt.modelGroup;
    if (attempt.backoffMs !== undefined) attributes["switchboard.attempt.backoff_ms"] = attempt.backoffMs;
    if (attempt.outcome !== "ok") attributes["error.type"] = attempt.outcome;
    const span = this.tracer.startSpan(
      `${OPERATION} ${attempt.model}`,
      { kind: SpanKind.CLIENT, startTime: startedAt, attributes },
      this.parent,
    );
    if (attempt.outcome !== "ok") span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.outcome });
    span.end(endedAt);
  }

  onEnd(end: RequestEnd): void {
    const span = this.span;
    const routing = end.routing;
    if (end.modelGroup !== undefined) span.setAttribute("switchboard.model_group", end.modelGroup);
    if (routing !== undefined) {
      span.setAttribute("gen_ai.system", routing.provider);
      span.setAttribute("switchboard.deployment", routing.deployment);
      span.setAttribute("switchboard.served_model_group", routing.modelGroup);
      span.setAttribute("switchboard.attempts", routing.attempts.length);
    }
    const responseModel = end.response?.model ?? end.responseModel ?? routing?.model;
    if (responseModel !== undefined && responseModel !== "")
      span.setAttribute("gen_ai.response.model", responseModel);
    if (end.response !== undefined) span.setAttribute("gen_ai.response.id", end.response.id);
    const finishReasons =
      end.response?.choices.map((choice) => choice.finishReason ?? "stop") ?? end.finishReasons;
    if (finishReasons !== undefined && finishReasons.length > 0)
      span.setAttribute("gen_ai.response.finish_reasons", [...finishReasons]);
    const usage = end.usage;
    if (usage !== undefined) {
      span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens);
      span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens);
      if (usage.cachedPromptTokens !== undefined)
        span.setAttribute("gen_ai.usage.cache_read.input_tokens", usage.cachedPromptTokens);
      if (usage.reasoningTokens !== undefined)
        span.setAttribute("gen_ai.usage.reasoning.output_tokens", usage.reasoningTokens);
      if (usage.estimated === true) span.setAttribute("switchboard.usage.estimated", true);
    }
    if (end.costUsd !== undefined) span.setAttribute("switchboard.cost_usd", end.costUsd);
    if (end.firstTokenAt !== undefined)
      span.setAttribute("switchboard.time_to_first_token_ms", end.firstTokenAt - end.startedAt);
    if (this.captureContent && end.response !== undefined)
      span.setAttribute("gen_ai.output.messages", scrubSecrets(contentOfResponse(end.response)));
    if (end.error !== undefined) {
      span.setAttribute("error.type", end.error.kind);
      // The message is the gateway's own (upstream text in it was scrubbed when the error was made); scrub again.
      span.setStatus({ code: SpanStatusCode.ERROR, message: scrubSecrets(end.error.message) });
    }
    span.end(epochOf(end.endedAt));
  }
}

/** A `performance.now()` mark as epoch milliseconds (the SDK reads large numbers as epoch times). */
function epochOf(mark: number): number {
  return performance.timeOrigin + mark;
}

/**
 * The caller's trace context when its `traceparent` is valid W3C (version 00, non-zero ids, lower-case hex);
 * anything else starts a new trace. Only the header's ids are used: nothing else a caller sends reaches a span.
 */
function callerContext(header: string | undefined): Context {
  if (header === undefined || header.length !== 55) return ROOT_CONTEXT;
  const parsed = parseTraceParent(header);
  if (parsed === null) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { ...parsed, isRemote: true });
}
