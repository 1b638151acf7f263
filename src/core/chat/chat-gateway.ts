import type { ModelCatalog } from "../catalog/model-catalog.js";
import { GatewayError, invalidRequest, toGatewayError } from "../errors/gateway-error.js";
import { estimatePrompt } from "../estimate/token-estimate.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../types/chat.js";
import type { Attempt, RoutingInfo } from "../types/routing.js";
import type { ChatContext, CommittedStream, Dispatcher, ModelDescriptor } from "./dispatcher.js";
import { assertNoEgressFields } from "./forbidden-fields.js";
import type { BilledUsage, Metering, MeterReceipt, MeterTicket } from "./metering.js";
import { mayUseModel } from "./model-access.js";
import type { RequestEnd, RequestObserver, RequestScope, RequestSurface } from "./request-observer.js";
import { StreamTap } from "./stream-tap.js";
import type { TokenCount, TokenCounter } from "./token-counter.js";
import { validateChatRequest } from "./validate-chat-request.js";

/**
 * The transport-neutral heart: both edges call it. It checks what no edge may skip (model access, egress
 * fields), hands the request to the router, and normalises streams so that every stream, whatever the provider,
 * starts with `response-start` and ends with the `finish` of every choice and then exactly one `usage`.
 */
export interface ChatGatewayOptions {
  /** Model names → deployments: the one resolution, done here once per request. */
  catalog: ModelCatalog;
  /** Gateway-wide `drop_params`; a request may also ask for it. */
  dropParams: boolean;
  /** Budgets, rate limits and the usage ledger; absent: nothing is metered. */
  metering?: Metering;
  /** Providers' own prompt counts (count_tokens); absent: counts are the gateway's estimate. */
  tokenCounter?: TokenCounter;
  /** Told when each request starts, each attempt ends, and the request ends (metrics); absent: nothing is. */
  observer?: RequestObserver;
}

export class ChatGateway {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly options: ChatGatewayOptions,
  ) {}

  async complete(request: ChatRequest, context: ChatContext): Promise<CompleteResult> {
    const observer = this.options.observer;
    if (observer === undefined) return this.completeAdmitted(request, this.admit(request, context));
    const surface = context.surface ?? "other";
    const startedAt = performance.now();
    observer.onStart(surface, false);
    const scope = scopeOf(observer, request, context, surface, false, startedAt);
    let admitted: ChatContext | undefined;
    let result: CompleteResult | undefined;
    let failure: GatewayError | undefined;
    try {
      admitted = this.admit(request, observedContext(context, observer, scope));
      result = await this.completeAdmitted(request, admitted);
      return result;
    } catch (error) {
      failure = toGatewayError(error);
      throw error;
    } finally {
      const usage = result?.response.usage;
      const end: RequestEnd = {
        surface,
        stream: false,
        modelGroup: admitted?.resolved?.group.name,
        startedAt,
        endedAt: performance.now(),
        routing: result?.routing,
        usage,
        costUsd: result?.metering?.costUsd ?? usage?.costUsd,
        keySpendUsd: result?.metering?.keySpendUsd,
        response: result?.response,
        error: failure,
      };
      observer.onEnd(end);
      scope?.onEnd(end);
    }
  }

  private async completeAdmitted(request: ChatRequest, context: ChatContext): Promise<CompleteResult> {
    const metering = this.options.metering;
    if (metering === undefined) return this.dispatcher.complete(request, context);
    const ticket = await metering.admit(request, context);
    const attempts: Attempt[] = [];
    const startedAt = performance.now();
    let result: { response: ChatResponse; routing: RoutingInfo } | undefined;
    let failure: GatewayError | undefined;
    let billed: BilledUsage | undefined;
    try {
      result = await this.dispatcher.complete(request, withAttemptSink(context, attempts));
      if (result.response.usage === undefined) {
        // No usage from the provider: the caller sees the bounded, flagged estimate the ledger records.
        billed = await ticket.account(undefined, generatedBytesOf(result.response), result.routing);
        result.response.usage = billed.usage;
      }
    } catch (error) {
      failure = toGatewayError(error);
      throw error;
    } finally {
      // Settled on every path; on success the receipt's cost goes into the response's usage.
      const receipt = await ticket.settle({
        attempts: attemptsOf(attempts, result?.routing),
        routing: result?.routing,
        usage: result?.response.usage,
        cutShort: false,
        ...(billed !== undefined ? { billed } : {}),
        ...(failure !== undefined ? { error: failure } : {}),
        stream: false,
        startedAt,
      });
      if (result !== undefined) {
        if (result.response.usage !== undefined && receipt.costUsd !== undefined)
          result.response.usage.costUsd = receipt.costUsd;
        (result as { metering?: MeterReceipt }).metering = receipt;
      }
    }
    return result;
  }

  async stream(request: ChatRequest, context: ChatContext): Promise<CommittedStream> {
    const observer = this.options.observer;
    if (observer === undefined) return this.streamAdmitted(request, this.admit(request, context), undefined);
    const surface = context.surface ?? "other";
    const startedAt = performance.now();
    observer.onStart(surface, true);
    const scope = scopeOf(observer, request, context, surface, true, startedAt);
    let admitted: ChatContext | undefined;
    try {
      admitted = this.admit(request, observedContext(context, observer, scope));
      const modelGroup = admitted.resolved?.group.name;
      return await this.streamAdmitted(request, admitted, {
        observer,
        scope,
        surface,
        startedAt,
        modelGroup,
      });
    } catch (error) {
      // Refused or failed before the stream committed; once committed, the relay reports the end.
      const end: RequestEnd = {
        surface,
        stream: true,
        modelGroup: admitted?.resolved?.group.name,
        startedAt,
        endedAt: performance.now(),
        error: toGatewayError(error),
      };
      observer.onEnd(end);
      scope?.onEnd(end);
      throw error;
    }
  }

  private async streamAdmitted(
    request: ChatRequest,
    context: ChatContext,
    observed: ObservedStream | undefined,
  ): Promise<CommittedStream> {
    const metering = this.options.metering;
    if (metering === undefined) {
      const committed = await this.dispatcher.stream(request, context);
      return {
        routing: committed.routing,
        events: relayStream(
          committed.events,
          new StreamTap(request.n ?? 1),
          undefined,
          observed && { ...observed, routing: committed.routing },
        ),
      };
    }
    const ticket = await metering.admit(request, context);
    const attempts: Attempt[] = [];
    const startedAt = performance.now();
    let committed: CommittedStream;
    try {
      committed = await this.dispatcher.stream(request, withAttemptSink(context, attempts));
    } catch (error) {
      await ticket.settle({
        attempts,
        routing: undefined,
        usage: undefined,
        cutShort: false,
        error: toGatewayError(error),
        stream: true,
        startedAt,
      });
      throw error;
    }
    return {
      routing: committed.routing,
      metering: ticket.admission,
      events: relayStream(
        committed.events,
        new StreamTap(request.n ?? 1),
        {
          ticket,
          attempts: () => attemptsOf(attempts, committed.routing),
          routing: committed.routing,
          startedAt,
        },
        observed && { ...observed, routing: committed.routing },
      ),
    };
  }

  /**
   * Counts a request's prompt tokens under the same admission as a call (model access, egress fields): the
   * first deployment of the model whose provider can count does; otherwise the gateway's one prompt estimate
   * answers, flagged as such. Nothing is generated, so nothing is metered.
   */
  async countTokens(request: ChatRequest, context: ChatContext): Promise<TokenCount> {
    const resolved = this.admit(request, context).resolved;
    if (resolved === undefined) throw new GatewayError("internal", "Admission resolved no model.");
    const counter = this.options.tokenCounter;
    if (counter !== undefined) {
      for (const deployment of resolved.group.deployments) {
        const pending = counter.countTokens(deployment, request, context.requestId, context.signal);
        if (pending === undefined) continue;
        return {
          inputTokens: await pending,
          estimated: false,
          deployment: deployment.id,
          provider: deployment.provider,
        };
      }
    }
    return { inputTokens: resolved.prompt.tokens, estimated: true };
  }

  /** Models the principal may use; a key that may not use a model does not see it. */
  listModels(context: Pick<ChatContext, "principal">): ModelDescriptor[] {
    return this.options.catalog.list().filter((model) => mayUseModel(context.principal, model.id));
  }

  /**
   * Checks what no edge may skip and resolves the request once: its model group, the fallback groups this
   * caller may reach, and the prompt estimate, carried on the returned context for the router and metering.
   */
  private admit(request: ChatRequest, context: ChatContext): ChatContext {
    validateChatRequest(request);
    if (this.options.dropParams && request.dropParams === undefined) request.dropParams = true;
    if (request.passthrough !== undefined) assertNoEgressFields(request.passthrough, "");
    if (request.providerOptions !== undefined)
      assertNoEgressFields(request.providerOptions, "provider_options");
    if (request.model.length === 0) throw invalidRequest("'model' is required.", "model");
    const group = this.options.catalog.resolve(request.model);
    if (group === undefined) {
      throw new GatewayError(
        "model_not_found",
        `The model '${request.model}' does not exist or is not served here.`,
        {
          param: "model",
          reason: "model_not_found",
        },
      );
    }
    if (!mayUseModel(context.principal, request.model)) {
      throw new GatewayError("permission_denied", `This key may not use the model '${request.model}'.`, {
        param: "model",
        reason: "model_not_allowed",
      });
    }
    const fallbacks = this.dispatcher.fallbackGroups(group, request, context);
    return { ...context, resolved: { group, fallbacks, prompt: estimatePrompt(request) } };
  }
}

/** UTF-8 bytes a unary answer generated (text, refusals, reasoning, tool calls), for an estimate. */
function generatedBytesOf(response: ChatResponse): number {
  let bytes = 0;
  for (const choice of response.choices) {
    const { message } = choice;
    if (message.content !== null) bytes += Buffer.byteLength(message.content, "utf8");
    if (typeof message.refusal === "string") bytes += Buffer.byteLength(message.refusal, "utf8");
    for (const part of message.reasoning ?? [])
      if (part.text !== undefined) bytes += Buffer.byteLength(part.text, "utf8");
    for (const call of message.toolCalls ?? [])
      bytes += Buffer.byteLength(call.name, "utf8") + Buffer.byteLength(call.arguments, "utf8");
  }
  return bytes;
}

type CompleteResult = { response: ChatResponse; routing: RoutingInfo; metering?: MeterReceipt };

/** What the relay needs to tell the observer how a committed stream ended. */
interface ObservedStream {
  observer: RequestObserver;
  scope: RequestScope | undefined;
  surface: RequestSurface;
  startedAt: number;
  modelGroup: string | undefined;
  routing?: RoutingInfo;
}

/** The request's scope, when an observer follows single requests (traces, logging callbacks). */
function scopeOf(
  observer: RequestObserver,
  request: ChatRequest,
  context: ChatContext,
  surface: RequestSurface,
  stream: boolean,
  startedAt: number,
): RequestScope | undefined {
  return observer.scope?.({
    surface,
    stream,
    requestId: context.requestId,
    principal: context.principal,
    request,
    traceparent: context.traceparent,
    startedAt,
  });
}

/**
 * The caller's context with the observer (and the request's scope) told of every attempt, after whoever else
 * listens; upstream calls carry the scope's headers (trace propagation) and nothing else.
 */
function observedContext(
  context: ChatContext,
  observer: RequestObserver,
  scope: RequestScope | undefined,
): ChatContext {
  const outer = context.onAttempt;
  if (scope === undefined) {
    return {
      ...context,
      upstreamHeaders: undefined,
      onAttempt:
        outer === undefined
          ? observer.onAttempt
          : (attempt) => {
              outer(attempt);
              observer.onAttempt(attempt);
            },
    };
  }
  return {
    ...context,
    upstreamHeaders: scope.upstreamHeaders,
    onAttempt: (attempt) => {
      outer?.(attempt);
      observer.onAttempt(attempt);
      scope.onAttempt(attempt);
    },
  };
}

function withAttemptSink(context: ChatContext, attempts: Attempt[]): ChatContext {
  const outer = context.onAttempt;
  return {
    ...context,
    onAttempt: (attempt) => {
      // The router reports an attempt when it ends: that moment, and its latency, are the attempt's own times.
      // A retry or fallback starts after the attempt before it ended (only hedges overlap); the clamp absorbs the
      // sub-millisecond skew between the router's monotonic clock and the wall clock.
      const endedAt = attempt.endedAt ?? Date.now();
      const previous = attempts[attempts.length - 1]?.endedAt;
      let startedAt = attempt.startedAt ?? Math.round(endedAt - attempt.latencyMs);
      if (previous !== undefined && attempt.reason !== "hedge")
        startedAt = Math.min(endedAt, Math.max(startedAt, previous));
      attempts.push({ ...attempt, endedAt, startedAt });
      outer?.(attempt);
    },
  };
}

/** The attempts the router reported through the sink, or (a router that does not call it) the routing's list. */
function attemptsOf(sink: readonly Attempt[], routing: RoutingInfo | undefined): readonly Attempt[] {
  return sink.length > 0 || routing === undefined ? sink : routing.attempts;
}

/** Metering of one stream: the ticket, and what settlement needs besides the tap. */
interface StreamMetering {
  ticket: MeterTicket;
  attempts: () => readonly Attempt[];
  routing: RoutingInfo;
  startedAt: number;
}

/**
 * The stream relay: one pass over each upstream batch (the tap) keeps batches together (one upstream chunk → one
 * downstream chunk) except `usage`, which is held back; at the end come the `finish` of every choice that never
 * sent one, then exactly one `usage`. With metering, that usage is what `account` bills — the provider's, or a
 * bounded estimate flagged `estimated` — priced, and settlement (in `finally`: the stream ended, failed, or the
 * caller stopped reading) records exactly it. A stream cut short settles what was reported so far, or an estimate
 * from the running byte count.
 */
async function* relayStream(
  source: AsyncIterable<ChatEvent[]>,
  tap: StreamTap,
  metering?: StreamMetering,
  observed?: ObservedStream,
): AsyncGenerator<ChatEvent[]> {
  let billed: BilledUsage | undefined;
  let failure: GatewayError | undefined;
  let finished = false;
  let receipt: MeterReceipt | undefined;
  try {
    for await (const batch of source) {
      const out = tap.observe(batch);
      if (out.length > 0) yield out;
    }
    const tail = tap.missingFinishes();
    if (tail.length > 0) yield tail;
    if (metering === undefined) {
      finished = true;
      yield [{ type: "usage", usage: tap.usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 } }];
      return;
    }
    billed = await metering.ticket.account(tap.usage, tap.generatedBytes, metering.routing);
    finished = true;
    // The stream's usage carries its price, as a unary response's does.
    yield [
      {
        type: "usage",
        usage: billed.costUsd !== undefined ? { ...billed.usage, costUsd: billed.costUsd } : billed.usage,
      },
    ];
  } catch (error) {
    failure = toGatewayError(error);
    throw error;
  } finally {
    if (metering !== undefined) {
      receipt = await metering.ticket.settle({
        attempts: metering.attempts(),
        routing: metering.routing,
        usage: tap.usage,
        cutShort: billed === undefined || failure !== undefined,
        generatedBytes: tap.generatedBytes,
        ...(billed !== undefined ? { billed } : {}),
        ...(failure !== undefined ? { error: failure } : {}),
        stream: true,
        startedAt: metering.startedAt,
        ...(tap.firstTokenAt !== undefined ? { firstTokenAt: tap.firstTokenAt } : {}),
      });
    }
    if (observed !== undefined) {
      const end: RequestEnd = {
        surface: observed.surface,
        stream: true,
        modelGroup: observed.modelGroup,
        startedAt: observed.startedAt,
        endedAt: performance.now(),
        firstTokenAt: tap.firstTokenAt,
        routing: observed.routing,
        usage: billed?.usage ?? tap.usage,
        costUsd: billed?.costUsd,
        keySpendUsd: receipt?.keySpendUsd,
        responseModel: tap.responseModel,
        finishReasons: tap.finishReasons,
        // A stream the caller stopped reading before its end counts as cancelled.
        error:
          failure ??
          (finished ? undefined : new GatewayError("cancelled", "The caller stopped reading the stream.")),
      };
      observed.observer.onEnd(end);
      observed.scope?.onEnd(end);
    }
  }
}
