import type { ModelCatalog, ModelGroup } from "../catalog/model-catalog.js";
import { GatewayError, invalidRequest, toGatewayError } from "../errors/gateway-error.js";
import { estimatePrompt } from "../estimate/token-estimate.js";
import type { ChatEvent, ChatRequest, ChatResponse, Usage } from "../types/chat.js";
import type { Attempt, RoutingInfo } from "../types/routing.js";
import type { ChatContext, CommittedStream, Dispatcher, ModelDescriptor } from "./dispatcher.js";
import { assertNoEgressFields } from "./forbidden-fields.js";
import { GuardrailError, type GuardrailRun, type Guardrails, type StreamGuard } from "./guardrail-port.js";
import type { BilledUsage, Metering, MeterReceipt, MeterTicket } from "./metering.js";
import { mayUseModel } from "./model-access.js";
import type { RequestEnd, RequestObserver, RequestScope, RequestSurface } from "./request-observer.js";
import type { CachedAnswer, CacheInfo, CacheSession, ResponseCache } from "./response-cache.js";
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
  /**
   * Whether a provider serves legacy text completions (injected: the core does not import providers). A
   * `textCompletion` request routes only to deployments that do; absent: every provider is taken to.
   */
  servesCompletions?: (provider: string) => boolean;
  /** Pre-, during- and post-call checks and masking (src/guardrails); absent: none run. */
  guardrails?: Guardrails;
  /** The exact-match response cache (src/cache); absent: every request goes upstream. */
  cache?: ResponseCache;
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

  /** The response cache's hook (unary): a hit is answered from the cache; a miss is answered, then stored. */
  private async completeAdmitted(request: ChatRequest, context: ChatContext): Promise<CompleteResult> {
    const guard = this.options.guardrails?.plan(request, context);
    // Requests under guardrails bypass the cache: a stored answer must never skip a pre_call check.
    const session =
      guard === undefined ? await this.options.cache?.open(request, context, "complete") : undefined;
    if (session === undefined) return this.completeUpstream(request, context, guard);
    try {
      if (session.hit?.mode === "complete") return await this.completeFromCache(request, context, session);
      const result = await this.completeUpstream(request, context, undefined);
      result.cache = { hit: false, key: session.key };
      // A budget that capped max_tokens made this answer shorter than the key's request asks for: not stored.
      if (result.metering?.maxTokensCapped !== undefined) return result;
      session.fill({
        mode: "complete",
        response: result.response,
        routing: result.routing,
        costUsd: result.metering?.costUsd ?? result.response.usage?.costUsd,
      });
      return result;
    } finally {
      session.close();
    }
  }

  /** A cache hit: $0, one `hit` row in the ledger (with the saved cost), rate limits only. */
  private async completeFromCache(
    request: ChatRequest,
    context: ChatContext,
    session: CacheSession,
  ): Promise<CompleteResult> {
    const answer = session.hit as Extract<CachedAnswer, { mode: "complete" }>;
    const startedAt = performance.now();
    const { response } = answer;
    if (response.usage !== undefined) response.usage.costUsd = 0;
    const routing: RoutingInfo = { ...answer.routing, attempts: [] };
    const result: CompleteResult = { response, routing, cache: { hit: true, key: session.key } };
    const metering = this.options.metering;
    if (metering !== undefined) {
      const ticket = await metering.admit(request, context, { cacheHit: true });
      result.metering = await ticket.settle({
        attempts: [],
        routing,
        usage: response.usage,
        cutShort: false,
        stream: false,
        startedAt,
        cacheHit: { savedCostUsd: answer.costUsd },
      });
    }
    return result;
  }

  private async completeUpstream(
    request: ChatRequest,
    context: ChatContext,
    guard: GuardrailRun | undefined,
  ): Promise<CompleteResult> {
    const metering = this.options.metering;
    if (metering === undefined) {
      const result =
        guard === undefined
          ? await this.dispatcher.complete(request, context)
          : await this.completeGuarded(request, context, guard, []);
      if (context.responseId !== undefined) result.response.id = context.responseId;
      return result;
    }
    const ticket = await metering.admit(request, context);
    const attempts: Attempt[] = [];
    const startedAt = performance.now();
    let result: { response: ChatResponse; routing: RoutingInfo } | undefined;
    let failure: GatewayError | undefined;
    let billed: BilledUsage | undefined;
    try {
      const sink = withAttemptSink(context, attempts);
      result =
        guard === undefined
          ? await this.dispatcher.complete(request, sink)
          : await this.completeGuarded(request, sink, guard, attempts);
      // The edge's id replaces the upstream's: the id the caller sees is the one the ledger stores.
      if (context.responseId !== undefined) result.response.id = context.responseId;
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

  /** A unary call under guardrails: pre_call, the upstream call alongside during_call, then post_call. */
  private async completeGuarded(
    request: ChatRequest,
    context: ChatContext,
    guard: GuardrailRun,
    attempts: Attempt[],
  ): Promise<{ response: ChatResponse; routing: RoutingInfo }> {
    await preCall(guard, request, context, attempts);
    const result = await withDuringCall(guard, request, context, (inner) =>
      this.dispatcher.complete(request, inner),
    );
    await guard.postCall(result.response, request, context.signal);
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

  /** The response cache's hook (streams): a hit replays the recorded batches; a miss is recorded as it passes. */
  private async streamAdmitted(
    request: ChatRequest,
    context: ChatContext,
    observed: ObservedStream | undefined,
  ): Promise<CommittedStream> {
    const guard = this.options.guardrails?.plan(request, context);
    // Requests under guardrails bypass the cache: a stored answer must never skip a pre_call check.
    const session =
      guard === undefined ? await this.options.cache?.open(request, context, "stream") : undefined;
    if (session === undefined) return this.streamUpstream(request, context, observed, guard);
    let committed: CommittedStream;
    try {
      if (session.hit?.mode === "stream")
        return await this.streamFromCache(request, context, observed, session);
      committed = await this.streamUpstream(request, context, observed, undefined);
    } catch (error) {
      session.close();
      throw error;
    }
    if (committed.metering?.maxTokensCapped !== undefined) {
      session.close();
      return { ...committed, cache: { hit: false, key: session.key } };
    }
    return {
      ...committed,
      cache: { hit: false, key: session.key },
      events: recordStream(committed.events, session, committed.routing),
    };
  }

  private async streamFromCache(
    request: ChatRequest,
    context: ChatContext,
    observed: ObservedStream | undefined,
    session: CacheSession,
  ): Promise<CommittedStream> {
    const answer = session.hit as Extract<CachedAnswer, { mode: "stream" }>;
    const startedAt = performance.now();
    const ticket = await this.options.metering?.admit(request, context, { cacheHit: true });
    const routing: RoutingInfo = { ...answer.routing, attempts: [] };
    const cache: CacheInfo = { hit: true, key: session.key };
    return {
      routing,
      cache,
      ...(ticket !== undefined ? { metering: ticket.admission } : {}),
      events: replayStream(answer, routing, startedAt, ticket, observed && { ...observed, routing }),
    };
  }

  private async streamUpstream(
    request: ChatRequest,
    context: ChatContext,
    observed: ObservedStream | undefined,
    guard: GuardrailRun | undefined,
  ): Promise<CommittedStream> {
    const metering = this.options.metering;
    if (metering === undefined) {
      const committed =
        guard === undefined
          ? await this.dispatcher.stream(request, context)
          : await this.streamGuarded(request, context, guard, []);
      return {
        routing: committed.routing,
        events: relayStream(
          committed.events,
          new StreamTap(request.n ?? 1, context.responseId),
          undefined,
          observed && { ...observed, routing: committed.routing },
          guard?.streamGuard(request, context.signal),
        ),
      };
    }
    const ticket = await metering.admit(request, context);
    const attempts: Attempt[] = [];
    const startedAt = performance.now();
    let committed: CommittedStream;
    try {
      const sink = withAttemptSink(context, attempts);
      committed =
        guard === undefined
          ? await this.dispatcher.stream(request, sink)
          : await this.streamGuarded(request, sink, guard, attempts);
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
        new StreamTap(request.n ?? 1, context.responseId),
        {
          ticket,
          attempts: () => attemptsOf(attempts, committed.routing),
          routing: committed.routing,
          startedAt,
        },
        observed && { ...observed, routing: committed.routing },
        guard?.streamGuard(request, context.signal),
      ),
    };
  }

  /** A stream under guardrails: pre_call, then the upstream stream's commit alongside during_call. */
  private async streamGuarded(
    request: ChatRequest,
    context: ChatContext,
    guard: GuardrailRun,
    attempts: Attempt[],
  ): Promise<CommittedStream> {
    await preCall(guard, request, context, attempts);
    return withDuringCall(
      guard,
      request,
      context,
      (inner) => this.dispatcher.stream(request, inner),
      (abandoned) => {
        // during_call blocked after the stream committed: close it (the aborted signal tears the upstream down).
        void abandoned.events[Symbol.asyncIterator]()
          .return?.()
          ?.catch(() => undefined);
      },
    );
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
    if (request.textCompletion !== undefined) {
      const narrowed = narrowToCompletions(group, fallbacks, this.options.servesCompletions);
      if (narrowed === undefined) {
        throw invalidRequest(
          `The model '${request.model}' has no text completions: its provider has no completions API here (use /v1/chat/completions).`,
          "model",
        );
      }
      return { ...context, resolved: { ...narrowed, prompt: estimatePrompt(request) } };
    }
    return { ...context, resolved: { group, fallbacks, prompt: estimatePrompt(request) } };
  }
}

/**
 * A text completion's group and fallbacks narrowed to the deployments whose provider serves completions (a mixed
 * group routes to those); undefined when the group has none.
 */
function narrowToCompletions(
  group: ModelGroup,
  fallbacks: ReadonlyMap<string, ModelGroup>,
  serves: ((provider: string) => boolean) | undefined,
): { group: ModelGroup; fallbacks: ReadonlyMap<string, ModelGroup> } | undefined {
  if (serves === undefined) return { group, fallbacks };
  const narrow = (target: ModelGroup): ModelGroup | undefined => {
    const deployments = target.deployments.filter((deployment) => serves(deployment.provider));
    if (deployments.length === 0) return undefined;
    return deployments.length === target.deployments.length ? target : { name: target.name, deployments };
  };
  const primary = narrow(group);
  if (primary === undefined) return undefined;
  const usable = new Map<string, ModelGroup>();
  for (const [name, target] of fallbacks) {
    const narrowed = narrow(target);
    if (narrowed !== undefined) usable.set(name, narrowed);
  }
  return { group: primary, fallbacks: usable };
}

/**
 * Runs the pre_call guardrails. A guardrail that stops the request adds an attempt that reached no provider
 * (`skipped: "guardrail"`, named after the guardrail), so that the ledger records the refusal.
 */
async function preCall(
  guard: GuardrailRun,
  request: ChatRequest,
  context: ChatContext,
  attempts: Attempt[],
): Promise<void> {
  const startedAt = Date.now();
  try {
    await guard.preCall(request, context.signal);
  } catch (error) {
    if (error instanceof GuardrailError) {
      const endedAt = Date.now();
      attempts.push({
        deployment: error.guardrail,
        provider: "guardrail",
        model: request.model,
        outcome: error.kind,
        latencyMs: endedAt - startedAt,
        skipped: "guardrail",
        startedAt,
        endedAt,
      });
    }
    throw error;
  }
}

/**
 * Runs the upstream call with the during_call guardrails alongside it, under a signal of its own: a block aborts
 * the upstream call (and `abandon` disposes of what it already produced), and the caller sees the block. The
 * answer is returned only once every during_call guardrail has passed.
 */
async function withDuringCall<T>(
  guard: GuardrailRun,
  request: ChatRequest,
  context: ChatContext,
  call: (context: ChatContext) => Promise<T>,
  abandon?: (value: T) => void,
): Promise<T> {
  const during = guard.duringCall;
  if (during === undefined) return call(context);
  const controller = new AbortController();
  if (context.signal.aborted) controller.abort(context.signal.reason);
  // Not removed after the call: a committed stream keeps following the caller's signal until it ends.
  else
    context.signal.addEventListener("abort", () => controller.abort(context.signal.reason), { once: true });
  const pending = call({ ...context, signal: controller.signal });
  // Handled here so that an upstream failure while during_call is still deciding is never an unhandled rejection.
  pending.catch(() => undefined);
  try {
    await during(request, controller.signal);
  } catch (error) {
    controller.abort();
    if (abandon !== undefined) pending.then(abandon, () => undefined);
    throw error;
  }
  return pending;
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

type CompleteResult = {
  response: ChatResponse;
  routing: RoutingInfo;
  metering?: MeterReceipt;
  cache?: CacheInfo;
};

/**
 * A stream on a cache miss: every batch goes to the session as the caller receives it; only a stream that ended
 * complete (no error, no choice finished with `error`, the caller read to the end) is stored.
 */
async function* recordStream(
  source: AsyncIterable<ChatEvent[]>,
  session: CacheSession,
  routing: RoutingInfo,
): AsyncGenerator<ChatEvent[]> {
  let complete = true;
  let costUsd: number | undefined;
  let ended = false;
  try {
    for await (const batch of source) {
      for (const event of batch) {
        if (event.type === "finish" && event.reason === "error") complete = false;
        else if (event.type === "usage") costUsd = event.usage.costUsd;
      }
      session.record(batch);
      yield batch;
    }
    ended = true;
  } finally {
    if (ended && complete) session.finishStream(routing, costUsd);
    session.close();
  }
}

/**
 * A cache hit as a stream: the recorded batches, one by one as they were first sent (the last one's usage at $0),
 * then settlement as one `hit` row and the observer's end, whether the caller read to the end or not.
 */
async function* replayStream(
  answer: Extract<CachedAnswer, { mode: "stream" }>,
  routing: RoutingInfo,
  startedAt: number,
  ticket: MeterTicket | undefined,
  observed: ObservedStream | undefined,
): AsyncGenerator<ChatEvent[]> {
  let usage: Usage | undefined;
  let firstTokenAt: number | undefined;
  let finished = false;
  try {
    for (const batch of answer.batches) {
      for (const event of batch) {
        if (event.type === "usage") {
          event.usage.costUsd = 0;
          usage = event.usage;
        }
      }
      firstTokenAt ??= performance.now();
      yield batch;
    }
    finished = true;
  } finally {
    await ticket?.settle({
      attempts: [],
      routing,
      usage,
      cutShort: !finished,
      stream: true,
      startedAt,
      ...(firstTokenAt !== undefined ? { firstTokenAt } : {}),
      cacheHit: { savedCostUsd: answer.costUsd },
    });
    observed?.observer.onEnd({
      surface: observed.surface,
      stream: true,
      modelGroup: observed.modelGroup,
      startedAt: observed.startedAt,
      endedAt: performance.now(),
      firstTokenAt,
      routing,
      usage,
      costUsd: 0,
      error: finished ? undefined : new GatewayError("cancelled", "The caller stopped reading the stream."),
    });
  }
}

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
  guard?: StreamGuard,
): AsyncGenerator<ChatEvent[]> {
  let billed: BilledUsage | undefined;
  let failure: GatewayError | undefined;
  let finished = false;
  let receipt: MeterReceipt | undefined;
  try {
    for await (const batch of source) {
      // The tap counts what the provider generated; the guard then decides what the caller sees of it.
      let out = tap.observe(batch);
      if (guard !== undefined && out.length > 0) out = await guard.push(out);
      if (out.length > 0) yield out;
    }
    if (guard !== undefined) {
      const held = await guard.end();
      if (held.length > 0) yield held;
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
