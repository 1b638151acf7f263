import { setTimeout as delay } from "node:timers/promises";
import { ConfiguredModelCatalog, type ModelCatalog, type ModelGroup } from "../core/catalog/model-catalog.js";
import type { ResolvedRequest } from "../core/catalog/resolved-request.js";
import type { ChatContext, CommittedStream, Dispatcher } from "../core/chat/dispatcher.js";
import { mayUseModel } from "../core/chat/model-access.js";
import type { EmbedRequest, EmbedResult } from "../core/embeddings/embed-types.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import { estimatePrompt, type PromptEstimate } from "../core/estimate/token-estimate.js";
import type { ChatRequest, ChatResponse } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import type { AttemptInvoker } from "../core/types/provider.js";
import type { AttemptReason, RoutableRequest, RoutingInfo } from "../core/types/routing.js";
import { AttemptRunner, deadlineError } from "./attempt-runner.js";
import { DeploymentPicker } from "./deployment-picker.js";
import { type FallbackOptions, planFallbacks } from "./fallbacks.js";
import { relay } from "./relay.js";
import { type AttemptCall, type RequestRun, remainingMs, type Settled, type Won } from "./request-run.js";
import { RetryBudget } from "./retry-budget.js";
import { backoffMs, type RetryPolicyOptions, retriesFor } from "./retry-policy.js";
import { DEFAULT_ROUTER_OPTIONS, type RouterOptions } from "./router-options.js";
import { MemoryStateStore } from "./state/memory-state-store.js";
import { strategyFor } from "./strategies/index.js";

export { DEFAULT_ROUTER_OPTIONS, type RouterOptions } from "./router-options.js";

/** The error kinds that choose a fallback list (planFallbacks): context window, content policy, any other. */
const FALLBACK_KINDS = ["context_window_exceeded", "content_policy", "unavailable"] as const;
const NO_FALLBACKS: ReadonlyMap<string, ModelGroup> = new Map();

/**
 * Model groups → deployments, and everything between a request and the deployment that answers it: the strategy,
 * per-deployment limits, retries with backoff and a retry budget, fallbacks to other groups, cooldowns with a
 * half-open probe, timeouts bounded by the caller's deadline, and hedging. Nothing is retried once a stream is
 * committed (its first batch arrived): `stream()` resolves only then, and the relay never re-routes.
 *
 * This file is the group and fallback loop; deployment-picker.ts makes one routing decision and
 * attempt-runner.ts runs the attempts (launch, hedge, settle). Deployment state goes through the injected
 * RouterStateStore (app.ts builds it: in-process, or shared by every replica through Redis).
 */
export class Router implements Dispatcher {
  private readonly catalog: ModelCatalog;
  private readonly options: RouterOptions;
  private readonly budget: RetryBudget;
  private readonly retry: RetryPolicyOptions;
  private readonly fallbackOptions: FallbackOptions;
  private readonly picker: DeploymentPicker;
  private readonly runner: AttemptRunner;
  /** Primary group name → its configured fallback groups (all kinds), by configured name; the config is static. */
  private readonly configuredFallbacks = new Map<string, [string, ModelGroup][]>();

  /** `models`: the catalog (shared with the gateway and usage), or deployments to build one from `aliases`. */
  constructor(
    models: ModelCatalog | readonly Deployment[],
    private readonly invoker: AttemptInvoker,
    options: Partial<RouterOptions> = {},
  ) {
    this.options = { ...DEFAULT_ROUTER_OPTIONS, ...options };
    const o = this.options;
    this.catalog = isCatalog(models)
      ? models
      : new ConfiguredModelCatalog(models, { aliases: o.aliases, hiddenAliases: o.hiddenAliases });
    const store = o.stateStore ?? new MemoryStateStore();
    this.budget = new RetryBudget(o.retryBudget);
    this.retry = {
      numRetries: o.numRetries,
      perClass: o.retryPolicy,
      minWaitMs: o.retryAfterMs,
      baseBackoffMs: o.retryBackoffMs,
      maxBackoffMs: o.maxRetryBackoffMs,
    };
    this.fallbackOptions = {
      fallbacks: o.fallbacks,
      contextWindowFallbacks: o.contextWindowFallbacks,
      contentPolicyFallbacks: o.contentPolicyFallbacks,
      defaultFallbacks: o.defaultFallbacks,
      maxFallbacks: o.maxFallbacks,
    };
    this.picker = new DeploymentPicker(store, strategyFor(o.routingStrategy), o);
    this.runner = new AttemptRunner(
      this.picker,
      store,
      this.budget,
      {
        allowedFails: o.allowedFails,
        allowedFailsPolicy: o.allowedFailsPolicy,
        cooldownMs: o.cooldownMs,
        windowMs: 60_000,
        disabled: o.disableCooldowns,
      },
      o,
    );
  }

  async complete(
    request: ChatRequest,
    context: ChatContext,
  ): Promise<{ response: ChatResponse; routing: RoutingInfo }> {
    const { won, routing, run } = await this.run<ChatResponse>(
      request,
      context,
      false,
      (deployment, signal, limits) =>
        this.invoker.complete(
          deployment,
          request,
          context.requestId,
          signal,
          limits,
          context.upstreamHeaders,
        ),
      undefined,
      () => estimatePrompt(request),
    );
    won.detach();
    const used = won.value.usage?.totalTokens;
    this.picker.release(won.admitted, {
      latencyMs: performance.now() - won.startedAt,
      ...(used !== undefined ? { tokenCorrection: used - run.resolved.prompt.tokens } : {}),
    });
    return { response: won.value, routing };
  }

  async stream(request: ChatRequest, context: ChatContext): Promise<CommittedStream> {
    const { won, routing, run } = await this.run(
      request,
      context,
      true,
      (deployment, signal, limits) =>
        this.invoker.stream(deployment, request, context.requestId, signal, limits, context.upstreamHeaders),
      (stream) => stream.abort(),
      () => estimatePrompt(request),
    );
    const ttftMs = performance.now() - won.startedAt;
    const estimate = run.resolved.prompt.tokens;
    return {
      routing,
      events: relay(won.value, (used) => {
        won.detach();
        this.picker.release(won.admitted, {
          ttftMs,
          ...(used !== undefined ? { tokenCorrection: used - estimate } : {}),
        });
      }),
    };
  }

  /**
   * An embeddings request through the same loop as chat (groups, strategy, limits, retries, fallbacks, cooldowns,
   * hedging, the attempt log): only the call differs. The admission (EmbeddingsGateway) resolves the request and
   * its estimate; the invoker splits it into the provider's per-call batches inside one attempt.
   */
  async embed(
    request: EmbedRequest,
    context: ChatContext,
  ): Promise<{ result: EmbedResult; routing: RoutingInfo }> {
    const invoker = this.invoker;
    if (invoker.embed === undefined) {
      throw new GatewayError("internal", "This build's provider invoker has no embeddings.");
    }
    const embed = invoker.embed.bind(invoker);
    const { won, routing, run } = await this.run<EmbedResult>(
      request,
      context,
      false,
      (deployment, signal, limits) => embed(deployment, request, context.requestId, signal, limits),
      undefined,
      () => {
        throw new GatewayError("internal", "An embeddings request must be resolved at admission.");
      },
    );
    won.detach();
    const used = won.value.usage?.totalTokens;
    this.picker.release(won.admitted, {
      latencyMs: performance.now() - won.startedAt,
      ...(used !== undefined ? { tokenCorrection: used - run.resolved.prompt.tokens } : {}),
    });
    return { result: won.value, routing };
  }

  /**
   * Any other unary operation (rerank, moderations) through the same loop: only the call differs. The operation's
   * gateway (core/operations) resolved the request and its estimate at admission.
   */
  async invoke<T>(
    request: RoutableRequest,
    context: ChatContext,
    call: AttemptCall<T>,
    tokensUsed: (value: T) => number | undefined,
  ): Promise<{ value: T; routing: RoutingInfo }> {
    const { won, routing, run } = await this.run<T>(request, context, false, call, undefined, () => {
      throw new GatewayError("internal", "An operation request must be resolved at admission.");
    });
    won.detach();
    const used = tokensUsed(won.value);
    this.picker.release(won.admitted, {
      latencyMs: performance.now() - won.startedAt,
      ...(used !== undefined ? { tokenCorrection: used - run.resolved.prompt.tokens } : {}),
    });
    return { value: won.value, routing };
  }

  fallbackGroups(
    group: ModelGroup,
    request: RoutableRequest | ChatRequest,
    context: ChatContext,
  ): ReadonlyMap<string, ModelGroup> {
    const asked = this.requestFallbacks(request, context);
    const candidates = asked === undefined ? this.configured(group) : this.plannedGroups(group, asked);
    if (candidates.length === 0) return NO_FALLBACKS;
    const usable = new Map<string, ModelGroup>();
    for (const [name, target] of candidates) {
      if (mayUseModel(context.principal, name)) usable.set(name, target);
    }
    return usable.size === 0 ? NO_FALLBACKS : usable;
  }

  /** The configured fallbacks of every kind for a primary group, resolved once per group and cached. */
  private configured(group: ModelGroup): [string, ModelGroup][] {
    let found = this.configuredFallbacks.get(group.name);
    if (found === undefined) {
      found = this.plannedGroups(group, undefined);
      this.configuredFallbacks.set(group.name, found);
    }
    return found;
  }

  private plannedGroups(group: ModelGroup, asked: readonly string[] | undefined): [string, ModelGroup][] {
    const out = new Map<string, ModelGroup>();
    for (const kind of FALLBACK_KINDS) {
      for (const name of planFallbacks(group.name, kind, this.fallbackOptions, asked)?.groups ?? []) {
        if (out.has(name)) continue;
        const target = this.catalog.resolve(name);
        if (target !== undefined) out.set(name, target);
      }
    }
    return [...out];
  }

  /** The request's own fallbacks, checked: allowed by config, served, and usable by this caller. */
  private requestFallbacks(request: RoutableRequest, context: ChatContext): readonly string[] | undefined {
    const asked = request.routing?.fallbacks;
    if (asked === undefined) return undefined;
    if (!this.options.allowRequestFallbacks) {
      throw invalidRequest(
        "Per-request 'fallbacks' are not enabled on this gateway (router_settings.allow_request_fallbacks).",
        "fallbacks",
      );
    }
    for (const [index, name] of asked.entries()) {
      if (this.catalog.resolve(name) === undefined) {
        throw new GatewayError("model_not_found", `The fallback model '${name}' is not served here.`, {
          param: `fallbacks[${index}]`,
          reason: "model_not_found",
        });
      }
      if (!mayUseModel(context.principal, name)) {
        throw new GatewayError("permission_denied", `This key may not use the model '${name}'.`, {
          param: `fallbacks[${index}]`,
          reason: "model_not_allowed",
        });
      }
    }
    return asked;
  }

  /** For a caller that did not come through ChatGateway's admission (tests, benches): resolve here, once. */
  private resolve(
    request: RoutableRequest,
    context: ChatContext,
    estimate: () => PromptEstimate,
  ): ResolvedRequest {
    const group = this.catalog.resolve(request.model);
    if (group === undefined) {
      throw new GatewayError(
        "model_not_found",
        `The model '${request.model}' does not exist or is not served here.`,
        { param: "model", reason: "model_not_found" },
      );
    }
    return {
      group,
      fallbacks: this.fallbackGroups(group, request, context),
      prompt: estimate(),
    };
  }

  /** The request loop: the asked-for group, then fallback groups, each with its retries. */
  private async run<T>(
    request: RoutableRequest,
    context: ChatContext,
    stream: boolean,
    call: AttemptCall<T>,
    dispose: ((value: T) => void) | undefined,
    estimate: () => PromptEstimate,
  ): Promise<{ won: Won<T>; routing: RoutingInfo; run: RequestRun<T> }> {
    const resolved = context.resolved ?? this.resolve(request, context, estimate);
    const primary = resolved.group;
    // Validated at admission (fallbackGroups); only the names are needed here, for the plan's order.
    const requestFallbacks = request.routing?.fallbacks;
    this.budget.recordRequest();
    const run: RequestRun<T> = {
      request,
      context,
      resolved,
      stream,
      attempts: [],
      started: 0,
      notBefore: new Map(),
      call,
      dispose: dispose ?? (() => undefined),
    };
    const triedGroups = new Set<string>([primary.name]);
    let group = primary;
    let reason: AttemptReason = "primary";
    let fallbacksTaken = 0;
    while (true) {
      const outcome = await this.runGroup(group, reason, run);
      if (outcome.ok) {
        const { admitted } = outcome.value;
        return {
          won: outcome.value,
          run,
          routing: {
            modelGroup: primary.name,
            deployment: admitted.deployment.id,
            provider: admitted.deployment.provider,
            model: admitted.deployment.model,
            attempts: run.attempts,
          },
        };
      }
      const error = outcome.error;
      if (error.kind === "cancelled" || context.signal.aborted || remainingMs(context) <= 0) throw error;
      const plan = planFallbacks(primary.name, error.kind, this.fallbackOptions, requestFallbacks);
      let next: ModelGroup | undefined;
      for (const name of plan?.groups ?? []) {
        if (triedGroups.has(name)) continue;
        triedGroups.add(name);
        // A fallback never serves a model the caller's key may not use: passed over, never called, and listed.
        if (!mayUseModel(context.principal, name)) {
          run.attempts.push({
            deployment: name,
            provider: "",
            model: name,
            outcome: "permission_denied",
            latencyMs: 0,
            reason: plan?.reason ?? "fallback",
            modelGroup: name,
            skipped: "model_access",
          });
          continue;
        }
        next = resolved.fallbacks.get(name);
        if (next !== undefined) break;
      }
      if (plan === undefined || next === undefined || fallbacksTaken >= this.options.maxFallbacks)
        throw error;
      // A fallback after an upstream attempt adds load like a retry does.
      if (run.started > 0 && !this.budget.tryRetry()) throw error;
      fallbacksTaken++;
      group = next;
      reason = plan.reason;
    }
  }

  /** One model group: pick, call, and retry within the group while the kind and the budget allow. */
  private async runGroup<T>(
    group: ModelGroup,
    firstReason: AttemptReason,
    run: RequestRun<T>,
  ): Promise<Settled<Won<T>>> {
    const tried = new Set<string>();
    let reason = firstReason;
    let retry = 0;
    let waited = 0;
    let lastError: GatewayError | undefined;
    while (true) {
      if (remainingMs(run.context) <= 0) {
        return { ok: false, error: lastError ?? deadlineError() };
      }
      const picked = await this.picker.pickWaitingForRetryAfter(group, tried, new Set(), run);
      if (!picked.ok) return { ok: false, error: lastError ?? picked.error };
      waited += picked.value.waitedMs;
      const outcome = await this.runner.attempt(group, picked.value.admitted, reason, waited, tried, run);
      if (outcome.ok) return outcome;
      const error = outcome.error;
      lastError = error;
      if (error.kind === "cancelled" || run.context.signal.aborted) return outcome;
      if (retry >= retriesFor(error.kind, this.retry)) return outcome;
      if (!this.budget.tryRetry()) return outcome;
      const wait = backoffMs(retry, this.retry, this.options.random);
      if (wait >= remainingMs(run.context)) return outcome;
      if (wait > 0) await delay(wait, undefined, { signal: run.context.signal }).catch(() => undefined);
      if (run.context.signal.aborted) return outcome;
      waited = wait;
      retry++;
      reason = "retry";
    }
  }
}

function isCatalog(models: ModelCatalog | readonly Deployment[]): models is ModelCatalog {
  return !Array.isArray(models);
}
