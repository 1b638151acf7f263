import type { ModelCatalog, ModelGroup } from "../catalog/model-catalog.js";
import type { ChatContext } from "../chat/dispatcher.js";
import { assertNoEgressFields } from "../chat/forbidden-fields.js";
import type { Metering, MeterReceipt } from "../chat/metering.js";
import { mayUseModel } from "../chat/model-access.js";
import { validateModelName } from "../chat/validate-model-name.js";
import { GatewayError, invalidRequest, toGatewayError } from "../errors/gateway-error.js";
import type { PromptEstimate } from "../estimate/token-estimate.js";
import type { ChatRequest, ProviderOptions, Usage } from "../types/chat.js";
import type { Deployment } from "../types/deployment.js";
import type { AttemptLimits } from "../types/provider.js";
import type { Attempt, RoutableRequest, RoutingInfo } from "../types/routing.js";

/** What an operation request carries besides the model and routing. */
export interface OperationRequest extends RoutableRequest {
  providerOptions?: ProviderOptions;
  dropParams?: boolean;
  user?: string;
}

/** Usage of a prompt-only operation as the caller sees it. */
export interface OperationUsage {
  promptTokens: number;
  /** True when the provider reported no tokens and the gateway counted them (flagged in the ledger too). */
  estimated: boolean;
  costUsd?: number;
}

/** What the router must give an operation gateway (Router implements it beside Dispatcher). */
export interface OperationDispatcher {
  /** One request through the group/fallback loop (strategy, limits, retries, fallbacks, cooldowns, hedging). */
  invoke<T>(
    request: RoutableRequest,
    context: ChatContext,
    call: (deployment: Deployment, signal: AbortSignal, limits: AttemptLimits) => Promise<T>,
    tokensUsed: (value: T) => number | undefined,
  ): Promise<{ value: T; routing: RoutingInfo }>;
  fallbackGroups(
    group: ModelGroup,
    request: RoutableRequest,
    context: ChatContext,
  ): ReadonlyMap<string, ModelGroup>;
}

/**
 * One unary operation beside chat and embeddings (rerank, moderations): its name, its checks, which providers
 * serve it, the attempt on one deployment (the provider invoker's, injected: the core does not import
 * providers), and how its request and answer look to metering.
 */
export interface UnaryOperation<Request extends OperationRequest, Result> {
  /** For messages: "rerank", "moderations". */
  readonly name: string;
  /** The checks no edge may skip; each failure a 400 naming the field. */
  validate(request: Request): void;
  serves(provider: string): boolean;
  attempt(
    deployment: Deployment,
    request: Request,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<Result>;
  /** The prompt estimate (typical count for tpm, upper bound for the budget reservation). */
  estimate(request: Request): PromptEstimate;
  /** The request as the chat-shaped Metering port sees it: its text as prompt, no output. */
  meteringView(request: Request): ChatRequest;
  /** Tokens the provider reported; undefined when it reported none (the gateway then estimates them). */
  reportedTokens(result: Result): number | undefined;
}

export interface OperationGatewayOptions {
  catalog: ModelCatalog;
  /** Gateway-wide `drop_params`. */
  dropParams: boolean;
  /** Budgets, rate limits and the usage ledger; absent: nothing is metered. */
  metering?: Metering;
}

export interface OperationOutcome<Result> {
  result: Result;
  usage: OperationUsage;
  routing: RoutingInfo;
  metering?: MeterReceipt;
}

/**
 * A unary operation through the same heart as chat: admit (model name, egress guard, validation, resolution once,
 * model access, only deployments and fallback groups whose provider serves the operation), meter (reserve the
 * worst case before, settle in `finally`, one priced ledger row per attempt, unpriced flagged and never $0), route
 * (the Router's loop). Usage the provider did not report is estimated from the request's text and flagged; the
 * caller's usage and the ledger agree.
 */
export class OperationGateway<Request extends OperationRequest, Result> {
  constructor(
    private readonly dispatcher: OperationDispatcher,
    private readonly operation: UnaryOperation<Request, Result>,
    private readonly options: OperationGatewayOptions,
  ) {}

  async run(request: Request, context: ChatContext): Promise<OperationOutcome<Result>> {
    context = this.admit(request, context);
    const prompt = context.resolved?.prompt.tokens ?? 0;
    const metering = this.options.metering;
    const dispatch = (ctx: ChatContext) =>
      this.dispatcher.invoke(
        request,
        ctx,
        (deployment, signal, limits) =>
          this.operation.attempt(deployment, request, ctx.requestId, signal, limits),
        (value) => this.operation.reportedTokens(value),
      );
    if (metering === undefined) {
      const { value, routing } = await dispatch(context);
      const reported = this.operation.reportedTokens(value);
      return {
        result: value,
        routing,
        usage: { promptTokens: reported ?? prompt, estimated: reported === undefined },
      };
    }
    const ticket = await metering.admit(this.operation.meteringView(request), context);
    const attempts: Attempt[] = [];
    const startedAt = performance.now();
    let outcome: { value: Result; routing: RoutingInfo } | undefined;
    let failure: GatewayError | undefined;
    let done: OperationOutcome<Result> | undefined;
    try {
      outcome = await dispatch(withAttemptSink(context, attempts));
    } catch (error) {
      failure = toGatewayError(error);
      throw error;
    } finally {
      const reported = outcome === undefined ? undefined : this.operation.reportedTokens(outcome.value);
      // No tokens from the provider: the request's typical count, flagged, is what the caller and the ledger see.
      const tokens = reported ?? prompt;
      const usage: Usage | undefined =
        outcome === undefined
          ? undefined
          : {
              promptTokens: tokens,
              completionTokens: 0,
              totalTokens: tokens,
              ...(reported === undefined ? { estimated: true } : {}),
            };
      const billed =
        usage === undefined
          ? undefined
          : { usage, estimated: reported === undefined, ...ticket.price(usage, outcome?.routing) };
      const receipt = await ticket.settle({
        attempts: attempts.length > 0 || outcome === undefined ? attempts : outcome.routing.attempts,
        routing: outcome?.routing,
        usage,
        cutShort: false,
        ...(billed !== undefined ? { billed } : {}),
        ...(failure !== undefined ? { error: failure } : {}),
        stream: false,
        startedAt,
      });
      if (outcome !== undefined) {
        done = {
          result: outcome.value,
          routing: outcome.routing,
          usage: {
            promptTokens: tokens,
            estimated: reported === undefined,
            ...(receipt.costUsd !== undefined ? { costUsd: receipt.costUsd } : {}),
          },
          metering: receipt,
        };
      }
    }
    if (done === undefined)
      throw new GatewayError("internal", `The ${this.operation.name} request ended without an answer.`);
    return done;
  }

  /** Validation, model access and resolution, once: the router and metering read `context.resolved`. */
  private admit(request: Request, context: ChatContext): ChatContext {
    validateModelName(request.model, "model");
    request.routing?.fallbacks?.forEach((name, index) => {
      validateModelName(name, `fallbacks[${index}]`);
    });
    if (this.options.dropParams && request.dropParams === undefined) request.dropParams = true;
    if (request.providerOptions !== undefined)
      assertNoEgressFields(request.providerOptions, "provider_options");
    this.operation.validate(request);
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
    const serving = this.serving(group);
    if (serving === undefined) {
      throw invalidRequest(
        `The model '${request.model}' has no ${this.operation.name}: its provider has no ${this.operation.name} API here.`,
        "model",
      );
    }
    const fallbacks = new Map<string, ModelGroup>();
    for (const [name, target] of this.dispatcher.fallbackGroups(group, request, context)) {
      const usable = this.serving(target);
      if (usable !== undefined) fallbacks.set(name, usable);
    }
    return { ...context, resolved: { group: serving, fallbacks, prompt: this.operation.estimate(request) } };
  }

  private serving(group: ModelGroup): ModelGroup | undefined {
    const deployments = group.deployments.filter((deployment) => this.operation.serves(deployment.provider));
    if (deployments.length === 0) return undefined;
    return deployments.length === group.deployments.length ? group : { name: group.name, deployments };
  }
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
