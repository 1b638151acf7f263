import type { ModelCatalog } from "../catalog/model-catalog.js";
import { GatewayError, invalidRequest, toGatewayError } from "../errors/gateway-error.js";
import { estimatePrompt, estimateTokens, requestText } from "../estimate/token-estimate.js";
import type { ChatEvent, ChatRequest, ChatResponse, Usage } from "../types/chat.js";
import type { Attempt, RoutingInfo } from "../types/routing.js";
import type { ChatContext, CommittedStream, Dispatcher, ModelDescriptor } from "./dispatcher.js";
import { assertNoEgressFields } from "./forbidden-fields.js";
import type { Metering, MeterReceipt, MeterTicket } from "./metering.js";
import { mayUseModel } from "./model-access.js";
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
}

export class ChatGateway {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly options: ChatGatewayOptions,
  ) {}

  async complete(
    request: ChatRequest,
    context: ChatContext,
  ): Promise<{ response: ChatResponse; routing: RoutingInfo; metering?: MeterReceipt }> {
    context = this.admit(request, context);
    const metering = this.options.metering;
    if (metering === undefined) return this.dispatcher.complete(request, context);
    const ticket = await metering.admit(request, context);
    const attempts: Attempt[] = [];
    const startedAt = performance.now();
    let result: { response: ChatResponse; routing: RoutingInfo } | undefined;
    let failure: GatewayError | undefined;
    try {
      result = await this.dispatcher.complete(request, withAttemptSink(context, attempts));
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
    context = this.admit(request, context);
    const metering = this.options.metering;
    if (metering === undefined) {
      const committed = await this.dispatcher.stream(request, context);
      return { routing: committed.routing, events: normaliseStream(committed.events, request.n ?? 1) };
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
    const tap: StreamTap = { usage: undefined, reported: false };
    return {
      routing: committed.routing,
      metering: ticket.admission,
      events: meteredStream(
        normaliseStream(committed.events, request.n ?? 1, tap),
        ticket,
        tap,
        () => attemptsOf(attempts, committed.routing),
        committed.routing,
        startedAt,
      ),
    };
  }

  /**
   * The prompt's token count as the gateway estimates it (o200k tokenizer, an estimate for every provider), after
   * the same admission checks as a call (validation, model, access): what `/v1/responses/input_tokens` answers.
   */
  async estimatePromptTokens(request: ChatRequest, context: ChatContext): Promise<number> {
    this.admit(request, context);
    return estimateTokens(requestText(request));
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

function mergeUsage(into: Usage | undefined, next: Usage): Usage {
  if (into === undefined) return next;
  // Providers that report usage in several events report running totals: keep the largest of each count.
  const merged: Usage = { ...into };
  for (const key of Object.keys(next) as (keyof Usage)[]) {
    const value = next[key];
    if (value !== undefined) merged[key] = Math.max(merged[key] ?? 0, value);
  }
  merged.totalTokens = Math.max(merged.totalTokens, merged.promptTokens + merged.completionTokens);
  return merged;
}

/**
 * Keeps every upstream batch together (one upstream chunk → one downstream chunk) except `usage`, which is held
 * back and sent once, last; choices that never reported a finish get one before it.
 */
async function* normaliseStream(
  source: AsyncIterable<ChatEvent[]>,
  choices: number,
  tap?: StreamTap,
): AsyncGenerator<ChatEvent[]> {
  let usage: Usage | undefined;
  let sawStart = false;
  const finished = new Set<number>();
  for await (const batch of source) {
    let out = batch;
    let hasUsage = false;
    for (const event of batch) {
      if (event.type === "usage") hasUsage = true;
      else if (event.type === "finish") finished.add(event.choice);
      else if (event.type === "response-start") sawStart = true;
    }
    if (!sawStart) {
      sawStart = true;
      out = [{ type: "response-start", id: "", model: "", created: Math.floor(Date.now() / 1000) }, ...out];
    }
    if (hasUsage) {
      out = [];
      for (const event of batch) {
        if (event.type === "usage") {
          usage = mergeUsage(usage, event.usage);
          if (tap !== undefined) {
            tap.usage = usage;
            tap.reported = true;
          }
        } else out.push(event);
      }
    }
    if (out.length > 0) yield out;
  }
  const tail: ChatEvent[] = [];
  for (let choice = 0; choice < choices; choice++) {
    if (!finished.has(choice)) tail.push({ type: "finish", choice, reason: "stop" });
  }
  if (tail.length > 0) yield tail;
  yield [{ type: "usage", usage: usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 } }];
}

/** What the metering wrapper learns from inside normaliseStream: the usage reported so far. */
interface StreamTap {
  usage: Usage | undefined;
  reported: boolean;
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

/**
 * Prices the final usage event (its cost reaches the caller in the last chunk) and settles in `finally`: when
 * the stream ends, fails, or the caller stops reading. A stream cut short settles what was reported so far,
 * with the generated text for an estimate when nothing was.
 */
async function* meteredStream(
  source: AsyncGenerator<ChatEvent[]>,
  ticket: MeterTicket,
  tap: StreamTap,
  attempts: () => readonly Attempt[],
  routing: RoutingInfo,
  startedAt: number,
): AsyncGenerator<ChatEvent[]> {
  let generated = "";
  let firstTokenAt: number | undefined;
  let finished = false;
  let failure: GatewayError | undefined;
  try {
    for await (const batch of source) {
      for (const event of batch) {
        if (event.type === "text-delta" || event.type === "refusal-delta") generated += event.text;
        else if (event.type === "reasoning-delta") generated += event.text ?? "";
        else if (event.type === "tool-call-delta") generated += event.argumentsDelta;
        else if (event.type === "tool-call-start") generated += event.name;
        else if (event.type === "usage") {
          finished = true;
          if (tap.reported) {
            const { costUsd } = ticket.price(event.usage, routing);
            if (costUsd !== undefined) event.usage.costUsd = costUsd;
          }
        }
        if (firstTokenAt === undefined && event.type !== "response-start") firstTokenAt = performance.now();
      }
      yield batch;
    }
  } catch (error) {
    failure = toGatewayError(error);
    throw error;
  } finally {
    await ticket.settle({
      attempts: attempts(),
      routing,
      usage: tap.reported ? tap.usage : undefined,
      cutShort: !finished || failure !== undefined,
      generatedText: generated,
      ...(failure !== undefined ? { error: failure } : {}),
      stream: true,
      startedAt,
      ...(firstTokenAt !== undefined ? { firstTokenAt } : {}),
    });
  }
}
