import { setTimeout as delay } from "node:timers/promises";
import type { ChatContext, CommittedStream, Dispatcher, ModelDescriptor } from "../core/chat/dispatcher.js";
import { mayUseModel } from "../core/chat/model-access.js";
import { GatewayError, invalidRequest, toGatewayError } from "../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import type { AttemptInvoker, AttemptLimits, UpstreamEventStream } from "../core/types/provider.js";
import { DEFAULT_ATTEMPT_LIMITS } from "../core/types/provider.js";
import type { Attempt, AttemptReason, RoutingInfo } from "../core/types/routing.js";
import { attemptLimits } from "./attempt-limits.js";
import { type CooldownOptions, failurePolicy } from "./cooldown-policy.js";
import { eligible, maxParallelOf } from "./eligibility.js";
import type { ErrorClassCounts } from "./error-classes.js";
import { type FallbackOptions, planFallbacks } from "./fallbacks.js";
import { type ModelGroup, ModelGroups } from "./model-groups.js";
import { RetryBudget, type RetryBudgetOptions } from "./retry-budget.js";
import { backoffMs, type RetryPolicyOptions, retriesFor } from "./retry-policy.js";
import type { DeploymentState } from "./state/deployment-state.js";
import { MemoryStateStore } from "./state/memory-state-store.js";
import { RedisStateStore } from "./state/redis-state-store.js";
import { ResilientStateStore } from "./state/resilient-state-store.js";
import type { RouterStateStore } from "./state/state-store.js";
import { type RoutingStrategy, type Strategy, strategyFor } from "./strategies/index.js";
import { estimatePromptTokens } from "./token-estimate.js";

export interface RouterOptions {
  /** Retries after the first attempt, for retryable kinds (LiteLLM `num_retries`). Default 2. */
  numRetries: number;
  /** Per-class retries (LiteLLM `retry_policy`). */
  retryPolicy: ErrorClassCounts;
  /** Minimum wait before a retry, ms (LiteLLM `retry_after`). Default 0. */
  retryAfterMs: number;
  /** First backoff step between retries, ms (doubled each retry, full jitter). Default 100. */
  retryBackoffMs: number;
  /** Largest backoff step, ms. Default 5000. */
  maxRetryBackoffMs: number;
  /** Longest upstream `Retry-After` the router waits for within one request before giving up on that deployment, ms. */
  maxRetryAfterWaitMs: number;
  /** Share of traffic retries (and fallbacks, hedges) may add, per process. */
  retryBudget: RetryBudgetOptions;
  /** Default per-attempt total timeout (LiteLLM `timeout` / `request_timeout`), ms. */
  timeoutMs: number;
  /** Default time to first token for streams (LiteLLM `stream_timeout`), ms. */
  streamTimeoutMs: number;
  /** Longest silence between two streamed chunks, ms. */
  idleTimeoutMs: number;
  /** `model_group_alias`: alias → group. */
  aliases: Record<string, string>;
  /** Aliases that route but are not listed. */
  hiddenAliases: string[];
  routingStrategy: RoutingStrategy;
  /** latency-based-routing: share load among deployments within this fraction of the fastest. */
  lowestLatencyBuffer: number;
  /** Failures per minute before a cooldown (LiteLLM `allowed_fails`). Default 3. */
  allowedFails: number;
  allowedFailsPolicy: ErrorClassCounts;
  /** Cooldown length, ms (LiteLLM `cooldown_time`). Default 5000. */
  cooldownMs: number;
  disableCooldowns: boolean;
  fallbacks: Record<string, string[]>;
  contextWindowFallbacks: Record<string, string[]>;
  contentPolicyFallbacks: Record<string, string[]>;
  defaultFallbacks: string[];
  /** Default 5. */
  maxFallbacks: number;
  /** Let a request name its own `fallbacks` (Switchboard's `allow_request_fallbacks`). Default false. */
  allowRequestFallbacks: boolean;
  /** Check the prompt against `max_input_tokens` before calling (LiteLLM `enable_pre_call_checks`). */
  enablePreCallChecks: boolean;
  /** Parallel-request limit for deployments that set none. */
  defaultMaxParallelRequests: number | undefined;
  /** Model group → start a second attempt when the first has not answered within this many ms. */
  hedgeAfterMs: Record<string, number>;
  /** Where deployment state lives. Default: Redis when `redis` is set (with local fallback), else in-process. */
  stateStore: RouterStateStore | undefined;
  /** Share deployment state through Redis (`REDIS_URL` / `router_settings.redis_*`). */
  redis: { url: string; keyPrefix?: string; commandTimeoutMs?: number } | undefined;
  /** Told when routing falls back to local state because Redis fails, and when Redis is back. */
  onSharedStateChange: (event: { shared: boolean; reason: string }) => void;
  /** What a provider can do, for ListModels (injected: the router does not import providers). */
  capabilitiesOf: (provider: string) => readonly string[];
  /** Uniform in [0, 1); injectable for tests. */
  random: () => number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  numRetries: 2,
  retryPolicy: {},
  retryAfterMs: 0,
  retryBackoffMs: 100,
  maxRetryBackoffMs: 5_000,
  maxRetryAfterWaitMs: 10_000,
  retryBudget: { ratio: 0.2, minPerSecond: 5 },
  timeoutMs: DEFAULT_ATTEMPT_LIMITS.totalTimeoutMs,
  streamTimeoutMs: DEFAULT_ATTEMPT_LIMITS.firstByteTimeoutMs,
  idleTimeoutMs: DEFAULT_ATTEMPT_LIMITS.idleTimeoutMs,
  aliases: {},
  hiddenAliases: [],
  routingStrategy: "simple-shuffle",
  lowestLatencyBuffer: 0.1,
  allowedFails: 3,
  allowedFailsPolicy: {},
  cooldownMs: 5_000,
  disableCooldowns: false,
  fallbacks: {},
  contextWindowFallbacks: {},
  contentPolicyFallbacks: {},
  defaultFallbacks: [],
  maxFallbacks: 5,
  allowRequestFallbacks: false,
  enablePreCallChecks: false,
  defaultMaxParallelRequests: undefined,
  hedgeAfterMs: {},
  stateStore: undefined,
  redis: undefined,
  onSharedStateChange: () => undefined,
  capabilitiesOf: () => [],
  random: Math.random,
};

/** How long a half-open probe holds a deployment before someone else may probe it, at most. */
const PROBE_HOLD_MS = 30_000;
/** Extra life of an in-flight lease beyond the attempt's total timeout (a dead process's lease then expires). */
const LEASE_SLACK_MS = 5_000;

type Settled<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

/** An admitted attempt on one deployment. */
interface Admitted {
  deployment: Deployment;
  /** The deployment's key in the state store (see stateKey). */
  key: string;
  lease: string;
  probe: boolean;
  state: DeploymentState | undefined;
}

/** What one request accumulates while it is routed. */
interface RequestRun {
  request: ChatRequest;
  context: ChatContext;
  stream: boolean;
  attempts: Attempt[];
  promptTokens: number;
  /** Upstream attempts started so far (the first is free; every other one takes from the retry budget). */
  started: number;
  /** Deployment id → epoch ms before which the upstream asked us not to call it again (Retry-After). */
  notBefore: Map<string, number>;
}

/** The answering attempt, with what the caller of `run` needs to finish it. */
interface Won<T> {
  value: T;
  admitted: Admitted;
  group: ModelGroup;
  startedAt: number;
  /** Call when the answer is complete (unary: at once; stream: when the relay ends). */
  detach: () => void;
}

/**
 * Model groups → deployments, and everything between a request and the deployment that answers it: the strategy,
 * per-deployment limits, retries with backoff and a retry budget, fallbacks to other groups, cooldowns with a
 * half-open probe, timeouts bounded by the caller's deadline, and hedging. Nothing is retried once a stream is
 * committed (its first batch arrived): `stream()` resolves only then, and the relay never re-routes.
 * Deployment state goes through a RouterStateStore, in-process or shared by every replica through Redis.
 */
export class Router implements Dispatcher {
  private readonly groups: ModelGroups;
  private readonly options: RouterOptions;
  private readonly store: RouterStateStore;
  private readonly strategy: Strategy;
  private readonly budget: RetryBudget;
  private readonly retry: RetryPolicyOptions;
  private readonly cooldown: CooldownOptions;
  private readonly fallbackOptions: FallbackOptions;

  constructor(
    deployments: readonly Deployment[],
    private readonly invoker: AttemptInvoker,
    options: Partial<RouterOptions> = {},
  ) {
    this.options = { ...DEFAULT_ROUTER_OPTIONS, ...options };
    const o = this.options;
    this.groups = new ModelGroups(deployments, o.aliases, new Set(o.hiddenAliases));
    this.store =
      o.stateStore ??
      (o.redis === undefined
        ? new MemoryStateStore()
        : new ResilientStateStore(new RedisStateStore(o.redis), { onStateChange: o.onSharedStateChange }));
    this.strategy = strategyFor(o.routingStrategy);
    this.budget = new RetryBudget(o.retryBudget);
    this.retry = {
      numRetries: o.numRetries,
      perClass: o.retryPolicy,
      minWaitMs: o.retryAfterMs,
      baseBackoffMs: o.retryBackoffMs,
      maxBackoffMs: o.maxRetryBackoffMs,
    };
    this.cooldown = {
      allowedFails: o.allowedFails,
      allowedFailsPolicy: o.allowedFailsPolicy,
      cooldownMs: o.cooldownMs,
      windowMs: 60_000,
      disabled: o.disableCooldowns,
    };
    this.fallbackOptions = {
      fallbacks: o.fallbacks,
      contextWindowFallbacks: o.contextWindowFallbacks,
      contentPolicyFallbacks: o.contentPolicyFallbacks,
      defaultFallbacks: o.defaultFallbacks,
      maxFallbacks: o.maxFallbacks,
    };
  }

  /** Closes the state store (Redis connection). */
  async close(): Promise<void> {
    await this.store.close();
  }

  hasModel(model: string): boolean {
    return this.groups.resolve(model) !== undefined;
  }

  listModels(): ModelDescriptor[] {
    return this.groups.list(this.options.capabilitiesOf);
  }

  async complete(
    request: ChatRequest,
    context: ChatContext,
  ): Promise<{ response: ChatResponse; routing: RoutingInfo }> {
    const { won, routing } = await this.run(
      request,
      context,
      false,
      (deployment, signal, limits) =>
        this.invoker.complete(deployment, request, context.requestId, signal, limits),
      () => undefined,
    );
    won.detach();
    const used = won.value.usage?.totalTokens;
    this.release(won.admitted, {
      latencyMs: performance.now() - won.startedAt,
      ...(used !== undefined ? { tokenCorrection: used - this.admissionTokens(request) } : {}),
    });
    return { response: won.value, routing };
  }

  async stream(request: ChatRequest, context: ChatContext): Promise<CommittedStream> {
    const { won, routing } = await this.run(
      request,
      context,
      true,
      (deployment, signal, limits) =>
        this.invoker.stream(deployment, request, context.requestId, signal, limits),
      (stream) => stream.abort(),
    );
    const ttftMs = performance.now() - won.startedAt;
    const estimate = this.admissionTokens(request);
    return {
      routing,
      events: relay(won.value, (used) => {
        won.detach();
        this.release(won.admitted, {
          ttftMs,
          ...(used !== undefined ? { tokenCorrection: used - estimate } : {}),
        });
      }),
    };
  }

  private admissionTokens(request: ChatRequest): number {
    return estimatePromptTokens(request);
  }

  private release(
    admitted: Admitted,
    outcome: { latencyMs?: number; ttftMs?: number; tokenCorrection?: number },
  ) {
    // Off the response path: a slow store must not delay the answer.
    void this.store.release(admitted.key, admitted.lease, outcome, Date.now()).catch(() => undefined);
  }

  /** The request's own fallbacks, checked: allowed by config, served, and usable by this caller. */
  private requestFallbacks(request: ChatRequest, context: ChatContext): string[] | undefined {
    const asked = request.routing?.fallbacks;
    if (asked === undefined) return undefined;
    if (!this.options.allowRequestFallbacks) {
      throw invalidRequest(
        "Per-request 'fallbacks' are not enabled on this gateway (router_settings.allow_request_fallbacks).",
        "fallbacks",
      );
    }
    for (const [index, name] of asked.entries()) {
      if (!this.hasModel(name)) {
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

  private remaining(context: ChatContext): number {
    return context.deadline === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, context.deadline - Date.now());
  }

  /** The request loop: the asked-for group, then fallback groups, each with its retries. */
  private async run<T>(
    request: ChatRequest,
    context: ChatContext,
    stream: boolean,
    call: (deployment: Deployment, signal: AbortSignal, limits: AttemptLimits) => Promise<T>,
    dispose: (value: T) => void,
  ): Promise<{ won: Won<T>; routing: RoutingInfo }> {
    const primary = this.groups.resolve(request.model);
    if (primary === undefined) {
      throw new GatewayError(
        "model_not_found",
        `The model '${request.model}' does not exist or is not served here.`,
        { param: "model", reason: "model_not_found" },
      );
    }
    const requestFallbacks = this.requestFallbacks(request, context);
    this.budget.recordRequest();
    const state: RequestRun = {
      request,
      context,
      stream,
      attempts: [],
      promptTokens: estimatePromptTokens(request),
      started: 0,
      notBefore: new Map(),
    };
    const triedGroups = new Set<string>([primary.name]);
    let group = primary;
    let reason: AttemptReason = "primary";
    let fallbacksTaken = 0;
    while (true) {
      const outcome = await this.runGroup(group, reason, state, call, dispose);
      if (outcome.ok) {
        const { admitted } = outcome.value;
        return {
          won: outcome.value,
          routing: {
            modelGroup: primary.name,
            deployment: admitted.deployment.id,
            provider: admitted.deployment.provider,
            model: admitted.deployment.model,
            attempts: state.attempts,
          },
        };
      }
      const error = outcome.error;
      if (error.kind === "cancelled" || context.signal.aborted || this.remaining(context) <= 0) throw error;
      const plan = planFallbacks(primary.name, error.kind, this.fallbackOptions, requestFallbacks);
      let next: ModelGroup | undefined;
      for (const name of plan?.groups ?? []) {
        if (triedGroups.has(name)) continue;
        triedGroups.add(name);
        next = this.groups.resolve(name);
        if (next !== undefined) break;
      }
      if (plan === undefined || next === undefined || fallbacksTaken >= this.options.maxFallbacks)
        throw error;
      // A fallback after an upstream attempt adds load like a retry does.
      if (state.started > 0 && !this.budget.tryRetry()) throw error;
      fallbacksTaken++;
      group = next;
      reason = plan.reason;
    }
  }

  /** One model group: pick, call, and retry within the group while the kind and the budget allow. */
  private async runGroup<T>(
    group: ModelGroup,
    firstReason: AttemptReason,
    run: RequestRun,
    call: (deployment: Deployment, signal: AbortSignal, limits: AttemptLimits) => Promise<T>,
    dispose: (value: T) => void,
  ): Promise<Settled<Won<T>>> {
    const tried = new Set<string>();
    let reason = firstReason;
    let retry = 0;
    let waited = 0;
    let lastError: GatewayError | undefined;
    while (true) {
      if (this.remaining(run.context) <= 0) {
        return { ok: false, error: lastError ?? deadlineError() };
      }
      const picked = await this.pickWaitingForRetryAfter(group, tried, new Set(), run);
      if (!picked.ok) return { ok: false, error: lastError ?? picked.error };
      waited += picked.value.waitedMs;
      const outcome = await this.attempt(
        group,
        picked.value.admitted,
        reason,
        waited,
        tried,
        run,
        call,
        dispose,
      );
      if (outcome.ok) return outcome;
      const error = outcome.error;
      lastError = error;
      if (error.kind === "cancelled" || run.context.signal.aborted) return outcome;
      if (retry >= retriesFor(error.kind, this.retry)) return outcome;
      if (!this.budget.tryRetry()) return outcome;
      const wait = backoffMs(retry, this.retry, this.options.random);
      if (wait >= this.remaining(run.context)) return outcome;
      if (wait > 0) await delay(wait, undefined, { signal: run.context.signal }).catch(() => undefined);
      if (run.context.signal.aborted) return outcome;
      waited = wait;
      retry++;
      reason = "retry";
    }
  }

  /**
   * Picks a deployment; when the only ones left asked us (Retry-After) to wait a little, waits for the earliest of
   * them if that fits in the deadline and in `maxRetryAfterWaitMs`.
   */
  private async pickWaitingForRetryAfter(
    group: ModelGroup,
    tried: ReadonlySet<string>,
    running: ReadonlySet<string>,
    run: RequestRun,
  ): Promise<Settled<{ admitted: Admitted; waitedMs: number }>> {
    const now = Date.now();
    const waiting = new Set(running);
    let earliest = Number.POSITIVE_INFINITY;
    for (const deployment of group.deployments) {
      const until = run.notBefore.get(deployment.id) ?? 0;
      if (until > now) {
        waiting.add(deployment.id);
        earliest = Math.min(earliest, until);
      }
    }
    const first = await this.pick(group, tried, waiting, run);
    if (first.ok || !Number.isFinite(earliest)) {
      return first.ok ? { ok: true, value: { admitted: first.value, waitedMs: 0 } } : first;
    }
    const wait = earliest - Date.now();
    if (wait > Math.min(this.options.maxRetryAfterWaitMs, this.remaining(run.context))) return first;
    if (wait > 0) await delay(wait, undefined, { signal: run.context.signal }).catch(() => undefined);
    if (run.context.signal.aborted) return first;
    const second = await this.pick(group, tried, running, run);
    return second.ok ? { ok: true, value: { admitted: second.value, waitedMs: Math.max(0, wait) } } : second;
  }

  /** One routing decision: snapshot → eligibility → strategy → atomic admission (again on a lost race). */
  private async pick(
    group: ModelGroup,
    tried: ReadonlySet<string>,
    exclude: ReadonlySet<string>,
    run: RequestRun,
  ): Promise<Settled<Admitted>> {
    const now = Date.now();
    const keys = [...new Set(group.deployments.map(stateKey))];
    const snapshot = await this.store.snapshot(keys, now);
    const states = new Map<string, DeploymentState>();
    for (const deployment of group.deployments) {
      const state = snapshot.get(stateKey(deployment));
      if (state !== undefined) states.set(deployment.id, state);
    }
    const excluded = new Set(exclude);
    const contextCheck =
      this.options.enablePreCallChecks || this.options.contextWindowFallbacks[group.name] !== undefined;
    for (let round = 0; round <= group.deployments.length; round++) {
      const eligibility = eligible(group.deployments, states, {
        tried,
        excluded,
        promptTokens: run.promptTokens,
        contextCheck,
        defaultMaxParallel: this.options.defaultMaxParallelRequests,
        now,
      });
      if (eligibility.kind === "blocked") {
        return { ok: false, error: blockedError(group.name, eligibility.why, eligibility.retryAfterMs, run) };
      }
      const candidate = this.strategy(eligibility.candidates, {
        random: this.options.random,
        stream: run.stream,
        tokens: run.promptTokens,
        args: { lowestLatencyBuffer: this.options.lowestLatencyBuffer },
      });
      if (candidate === undefined) break;
      const { deployment } = candidate;
      const total = Math.min(
        deployment.params.timeoutMs ?? this.options.timeoutMs,
        this.remaining(run.context),
      );
      const result = await this.store.admit(
        stateKey(deployment),
        {
          ...(deployment.params.rpm !== undefined ? { rpm: deployment.params.rpm } : {}),
          ...(deployment.params.tpm !== undefined ? { tpm: deployment.params.tpm } : {}),
          ...(maxParallelOf(deployment, this.options.defaultMaxParallelRequests) !== undefined
            ? { maxParallel: maxParallelOf(deployment, this.options.defaultMaxParallelRequests) as number }
            : {}),
          tokens: run.promptTokens,
          leaseMs: Math.min(total, 3_600_000) + LEASE_SLACK_MS,
          probeMs: Math.min(total, PROBE_HOLD_MS),
        },
        now,
      );
      if (result.admitted) {
        return {
          ok: true,
          value: {
            deployment,
            key: stateKey(deployment),
            lease: result.lease,
            probe: result.probe,
            state: candidate.state,
          },
        };
      }
      // Lost a race with another request or replica: mark it and choose again from the rest.
      excluded.add(deployment.id);
      if (result.why === "cooling") states.set(deployment.id, { ...candidate.state, health: "cooling" });
    }
    return { ok: false, error: blockedError(group.name, "capacity", undefined, run) };
  }

  /**
   * Runs one admitted attempt, hedged when the group asks for it: if no answer came within the hedge delay, a
   * second deployment starts the same request; the first good answer wins and the other attempt is aborted.
   */
  private async attempt<T>(
    group: ModelGroup,
    admitted: Admitted,
    reason: AttemptReason,
    waitedMs: number,
    tried: Set<string>,
    run: RequestRun,
    call: (deployment: Deployment, signal: AbortSignal, limits: AttemptLimits) => Promise<T>,
    dispose: (value: T) => void,
  ): Promise<Settled<Won<T>>> {
    const first = this.launch(group, admitted, admitted.probe ? "probe" : reason, waitedMs, tried, run, call);
    const hedgeAfter = this.options.hedgeAfterMs[group.name];
    if (hedgeAfter === undefined || group.deployments.length < 2) return this.settle(first, run, dispose);
    let timer: NodeJS.Timeout | undefined;
    const hedgeDue = new Promise<"hedge">((resolve) => {
      timer = setTimeout(() => resolve("hedge"), hedgeAfter);
    });
    const early = await Promise.race([first.result.then(() => "settled" as const), hedgeDue]);
    clearTimeout(timer);
    if (early === "settled" || this.remaining(run.context) <= 0) return this.settle(first, run, dispose);
    const picked = await this.pick(group, tried, new Set([admitted.deployment.id]), run);
    if (!picked.ok || !this.budget.tryRetry()) {
      if (picked.ok) this.release(picked.value, {});
      return this.settle(first, run, dispose);
    }
    const second = this.launch(group, picked.value, "hedge", 0, tried, run, call);
    const launched = [first, second];
    // The first success wins; a failure waits for the other attempt.
    const winner = await new Promise<Launched<T> | undefined>((resolve) => {
      let failed = 0;
      for (const attempt of launched) {
        void attempt.result.then((settled) => {
          if (settled.ok) resolve(attempt);
          else if (++failed === launched.length) resolve(undefined);
        });
      }
    });
    for (const attempt of launched) {
      if (attempt !== winner) {
        attempt.controller.abort(new GatewayError("cancelled", "Another hedged attempt answered first."));
      }
    }
    let last: Settled<Won<T>> = { ok: false, error: deadlineError() };
    for (const attempt of launched) {
      if (attempt !== winner) last = await this.settle(attempt, run, dispose, winner !== undefined);
    }
    return winner === undefined ? last : this.settle(winner, run, dispose);
  }

  /** Starts an attempt on an admitted deployment, with its own abort controller (for hedging). */
  private launch<T>(
    group: ModelGroup,
    admitted: Admitted,
    reason: AttemptReason,
    waitedMs: number,
    tried: Set<string>,
    run: RequestRun,
    call: (deployment: Deployment, signal: AbortSignal, limits: AttemptLimits) => Promise<T>,
  ): Launched<T> {
    tried.add(admitted.deployment.id);
    run.started++;
    // The attempt's own controller (a hedge loser is aborted alone), following the caller's signal. Not
    // AbortSignal.any: on Node 20 it keeps every combined signal alive as long as the caller's.
    const controller = new AbortController();
    const callerSignal = run.context.signal;
    const forward = () => controller.abort(callerSignal.reason);
    if (callerSignal.aborted) forward();
    else callerSignal.addEventListener("abort", forward, { once: true });
    const signal = controller.signal;
    const limits = attemptLimits(
      admitted.deployment,
      run.request,
      run.stream,
      {
        timeoutMs: this.options.timeoutMs,
        streamTimeoutMs: this.options.streamTimeoutMs,
        idleTimeoutMs: this.options.idleTimeoutMs,
        connectTimeoutMs: DEFAULT_ATTEMPT_LIMITS.connectTimeoutMs,
      },
      this.remaining(run.context),
    );
    const startedAt = performance.now();
    const result = Promise.resolve()
      .then(() => call(admitted.deployment, signal, limits))
      .then(
        (value): Settled<T> => ({ ok: true, value }),
        (error: unknown): Settled<T> => ({ ok: false, error: toGatewayError(error) }),
      );
    const detach = () => callerSignal.removeEventListener("abort", forward);
    return { group, admitted, reason, waitedMs, startedAt, controller, detach, result, recorded: false };
  }

  /** Waits for a launched attempt and records it: attempt log, failure counts and cooldowns, half-open close. */
  private async settle<T>(
    launched: Launched<T>,
    run: RequestRun,
    dispose: (value: T) => void,
    lost = false,
  ): Promise<Settled<Won<T>>> {
    const settled = await launched.result;
    const { admitted } = launched;
    const now = Date.now();
    if (!launched.recorded) {
      launched.recorded = true;
      // A hedged attempt that answered after the winner is reported as cancelled (it was aborted, not used).
      const outcome = settled.ok ? (lost ? "cancelled" : "ok") : settled.error.kind;
      run.attempts.push({
        deployment: admitted.deployment.id,
        provider: admitted.deployment.provider,
        model: admitted.deployment.model,
        outcome,
        latencyMs: Math.round((performance.now() - launched.startedAt) * 100) / 100,
        reason: launched.reason,
        modelGroup: launched.group.name,
        ...(launched.waitedMs > 0 ? { backoffMs: Math.round(launched.waitedMs) } : {}),
      });
      if (!settled.ok || lost) {
        this.release(admitted, {});
        launched.detach();
      }
      if (!settled.ok && settled.error.kind !== "cancelled") {
        const policy = failurePolicy(settled.error, admitted.probe, this.cooldown);
        if (settled.error.retryAfterMs !== undefined) {
          run.notBefore.set(admitted.deployment.id, now + settled.error.retryAfterMs);
        }
        if (policy !== undefined) {
          await this.store.recordFailure(admitted.key, policy, now).catch(() => false);
        }
      }
      if (settled.ok && !lost && (admitted.probe || admitted.state?.health === "half-open")) {
        await this.store.recordSuccess(admitted.key, now).catch(() => undefined);
      }
    }
    if (!settled.ok) return settled;
    if (lost) {
      dispose(settled.value);
      return { ok: false, error: new GatewayError("cancelled", "Another hedged attempt answered first.") };
    }
    return {
      ok: true,
      value: {
        value: settled.value,
        admitted,
        group: launched.group,
        startedAt: launched.startedAt,
        detach: launched.detach,
      },
    };
  }
}

interface Launched<T> {
  group: ModelGroup;
  admitted: Admitted;
  reason: AttemptReason;
  waitedMs: number;
  startedAt: number;
  controller: AbortController;
  /** Stops following the caller's signal: when the attempt failed, lost, or (for a winner) its answer is done. */
  detach: () => void;
  result: Promise<Settled<T>>;
  recorded: boolean;
}

/**
 * Where a deployment's state is kept. A wildcard deployment (`openai/*`) serves many upstream models whose limits
 * and health differ (a 429 on one model says nothing about another), so each concrete model has its own state.
 */
function stateKey(deployment: Deployment): string {
  return deployment.modelName.includes("*") ? `${deployment.id}|${deployment.model}` : deployment.id;
}

function deadlineError(): GatewayError {
  return new GatewayError("timeout", "The request's deadline passed before a deployment answered.", {
    reason: "deadline_exceeded",
  });
}

/** Why nothing in a group can take the request now, as the error the caller (or the fallback logic) sees. */
function blockedError(
  group: string,
  why: "cooling" | "capacity" | "context_window",
  retryAfterMs: number | undefined,
  run: RequestRun,
): GatewayError {
  switch (why) {
    case "cooling":
      return new GatewayError(
        "unavailable",
        `Every deployment of model group '${group}' is cooling down after failures; try again later.`,
        { reason: "deployments_cooling_down", ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
      );
    case "capacity":
      return new GatewayError(
        "upstream_rate_limited",
        `Every deployment of model group '${group}' is at its rpm, tpm or parallel-request limit.`,
        { reason: "deployments_at_capacity", ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
      );
    case "context_window":
      return new GatewayError(
        "context_window_exceeded",
        `The prompt (about ${run.promptTokens} tokens) does not fit the context window of model group '${group}'.`,
        { reason: "context_window_precheck" },
      );
  }
}

/**
 * Yields the committed first batch, then the rest; stopping early aborts the upstream request. `onEnd` runs once
 * with the total tokens the stream reported (for tpm accounting and the in-flight lease).
 */
async function* relay(
  stream: UpstreamEventStream,
  onEnd: (totalTokens: number | undefined) => void,
): AsyncGenerator<ChatEvent[]> {
  let completed = false;
  let total: number | undefined;
  const watch = (batch: ChatEvent[]) => {
    for (const event of batch) if (event.type === "usage") total = event.usage.totalTokens;
  };
  try {
    watch(stream.first);
    yield stream.first;
    while (true) {
      const next = await stream.rest.next();
      if (next.done) break;
      watch(next.value);
      yield next.value;
    }
    completed = true;
  } finally {
    if (!completed) stream.abort();
    onEnd(total);
  }
}
