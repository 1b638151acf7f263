import type { ModelCatalog, ModelGroup } from "../catalog/model-catalog.js";
import type { ChatContext } from "../chat/dispatcher.js";
import { assertNoEgressFields } from "../chat/forbidden-fields.js";
import type { Metering, MeterReceipt } from "../chat/metering.js";
import { mayUseModel } from "../chat/model-access.js";
import { GatewayError, invalidRequest, toGatewayError } from "../errors/gateway-error.js";
import { estimateTokens } from "../estimate/token-estimate.js";
import type { ChatRequest, Usage } from "../types/chat.js";
import type { Attempt, RoutableRequest, RoutingInfo } from "../types/routing.js";
import { estimateEmbedPrompt } from "./embed-estimate.js";
import type { EmbedRequest, EmbedResult } from "./embed-types.js";
import { validateEmbedRequest } from "./validate-embed-request.js";

/** What the router must give the embeddings gateway (Router implements it beside Dispatcher). */
export interface EmbeddingDispatcher {
  embed(request: EmbedRequest, context: ChatContext): Promise<{ result: EmbedResult; routing: RoutingInfo }>;
  fallbackGroups(
    group: ModelGroup,
    request: RoutableRequest,
    context: ChatContext,
  ): ReadonlyMap<string, ModelGroup>;
}

export interface EmbeddingsGatewayOptions {
  catalog: ModelCatalog;
  /** Whether a provider has an embeddings API (injected: the core does not import providers). */
  servesEmbeddings: (provider: string) => boolean;
  /** Gateway-wide `drop_params`. */
  dropParams: boolean;
  /** Budgets, rate limits and the usage ledger; absent: nothing is metered. */
  metering?: Metering;
}

export interface EmbedOutcome {
  result: EmbedResult;
  routing: RoutingInfo;
  metering?: MeterReceipt;
}

/**
 * Embeddings through the same heart as chat: admit (validation, model access, egress guard, resolution once,
 * fallbacks the caller may use and that serve embeddings), meter (reserve before, settle after, one priced ledger
 * row per attempt), route (the Router: groups, balancing, retries, fallbacks, cooldowns). Usage the provider did
 * not report is estimated with the tokenizer and flagged.
 *
 * The Metering port speaks chat: an embeddings request is presented to it as a prompt-only chat request (its
 * inputs as user messages, `max_tokens` 0), so the worst case is the inputs at the input price and no output.
 */
export class EmbeddingsGateway {
  constructor(
    private readonly dispatcher: EmbeddingDispatcher,
    private readonly options: EmbeddingsGatewayOptions,
  ) {}

  async embed(request: EmbedRequest, context: ChatContext): Promise<EmbedOutcome> {
    context = this.admit(request, context);
    const metering = this.options.metering;
    if (metering === undefined) {
      const { result, routing } = await this.dispatcher.embed(request, context);
      if (result.usage === undefined) result.usage = await estimatedUsage(request);
      return { result, routing };
    }
    const view = meteringView(request);
    const ticket = await metering.admit(view, context);
    const attempts: Attempt[] = [];
    const startedAt = performance.now();
    let outcome: { result: EmbedResult; routing: RoutingInfo } | undefined;
    let failure: GatewayError | undefined;
    try {
      outcome = await this.dispatcher.embed(request, withAttemptSink(context, attempts));
    } catch (error) {
      failure = toGatewayError(error);
      throw error;
    } finally {
      const reported = outcome?.result.usage;
      const receipt = await ticket.settle({
        attempts: attempts.length > 0 || outcome === undefined ? attempts : outcome.routing.attempts,
        routing: outcome?.routing,
        usage: reported === undefined ? undefined : chatUsage(reported.promptTokens),
        cutShort: false,
        ...(failure !== undefined ? { error: failure } : {}),
        stream: false,
        startedAt,
      });
      if (outcome !== undefined) {
        const billed = receipt.usage;
        const usage =
          billed === undefined
            ? (reported ?? (await estimatedUsage(request)))
            : {
                promptTokens: billed.promptTokens,
                totalTokens: billed.promptTokens,
                ...(receipt.usageEstimated ? { estimated: true } : {}),
              };
        if (usage !== undefined && receipt.costUsd !== undefined) usage.costUsd = receipt.costUsd;
        outcome.result.usage = usage;
        (outcome as EmbedOutcome).metering = receipt;
      }
    }
    return outcome;
  }

  /** Validation, model access and resolution, once: the router and metering read `context.resolved`. */
  private admit(request: EmbedRequest, context: ChatContext): ChatContext {
    if (this.options.dropParams && request.dropParams === undefined) request.dropParams = true;
    if (request.providerOptions !== undefined)
      assertNoEgressFields(request.providerOptions, "provider_options");
    validateEmbedRequest(request);
    const group = this.options.catalog.resolve(request.model);
    if (group === undefined) {
      throw new GatewayError(
        "model_not_found",
        `The model '${request.model}' does not exist or is not served here.`,
        { param: "model", reason: "model_not_found" },
      );
    }
    if (!mayUseModel(context.principal, request.model)) {
      throw new GatewayError("permission_denied", `This key may not use the model '${request.model}'.`, {
        param: "model",
        reason: "model_not_allowed",
      });
    }
    // A mixed group (chat-only and embedding deployments) routes embeddings to the deployments that serve them.
    const serving = this.serving(group);
    if (serving === undefined) {
      throw invalidRequest(
        `The model '${request.model}' has no embeddings: its provider has no embeddings API here.`,
        "model",
      );
    }
    const fallbacks = new Map<string, ModelGroup>();
    for (const [name, target] of this.dispatcher.fallbackGroups(group, request, context)) {
      const usable = this.serving(target);
      if (usable !== undefined) fallbacks.set(name, usable);
    }
    return {
      ...context,
      resolved: { group: serving, fallbacks, prompt: estimateEmbedPrompt(request.input) },
    };
  }

  /** The group narrowed to deployments whose provider serves embeddings; undefined when none does. */
  private serving(group: ModelGroup): ModelGroup | undefined {
    const deployments = group.deployments.filter((deployment) =>
      this.options.servesEmbeddings(deployment.provider),
    );
    if (deployments.length === 0) return undefined;
    return deployments.length === group.deployments.length ? group : { name: group.name, deployments };
  }
}

/** All text of the inputs, for a tokenizer count (token-id inputs are their own count). */
export function embedText(request: EmbedRequest): string {
  return request.input.kind === "text" ? request.input.texts.join("\n") : "";
}

async function estimatedUsage(request: EmbedRequest): Promise<NonNullable<EmbedResult["usage"]>> {
  const input = request.input;
  let tokens = 0;
  if (input.kind === "tokens") for (const ids of input.tokens) tokens += ids.length;
  else for (const text of input.texts) tokens += await estimateTokens(text);
  return { promptTokens: tokens, totalTokens: tokens, estimated: true };
}

function chatUsage(promptTokens: number): Usage {
  return { promptTokens, completionTokens: 0, totalTokens: promptTokens };
}

/** The request as the chat-shaped Metering port sees it: the inputs as prompt, no output. */
function meteringView(request: EmbedRequest): ChatRequest {
  const input = request.input;
  const texts = input.kind === "text" ? input.texts : [];
  return {
    model: request.model,
    messages: texts.map((text) => ({ role: "user", content: text })),
    maxTokens: 0,
    ...(request.user !== undefined ? { user: request.user } : {}),
  };
}

function withAttemptSink(context: ChatContext, attempts: Attempt[]): ChatContext {
  const outer = context.onAttempt;
  return {
    ...context,
    onAttempt: (attempt) => {
      attempts.push(attempt);
      outer?.(attempt);
    },
  };
}
