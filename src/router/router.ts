import { setTimeout as delay } from "node:timers/promises";
import type { ChatContext, CommittedStream, Dispatcher, ModelDescriptor } from "../core/chat/dispatcher.js";
import { matchesModelPattern } from "../core/chat/model-access.js";
import { isRetryableKind } from "../core/errors/error-kind.js";
import { GatewayError, toGatewayError } from "../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import type { AttemptInvoker, AttemptLimits, UpstreamEventStream } from "../core/types/provider.js";
import { DEFAULT_ATTEMPT_LIMITS } from "../core/types/provider.js";
import type { Attempt, RoutingInfo } from "../core/types/routing.js";

export interface RouterOptions {
  /** Retries after the first attempt, for retryable kinds only (LiteLLM `num_retries`). */
  numRetries: number;
  /** Default per-attempt total timeout (LiteLLM `timeout` / `request_timeout`), ms. */
  timeoutMs: number;
  /** Default time to first token for streams (LiteLLM `stream_timeout`), ms. */
  streamTimeoutMs: number;
  /** `model_group_alias`: alias → group. */
  aliases: Record<string, string>;
  /** Base backoff between retries, ms (doubled each retry, with full jitter). */
  retryBackoffMs: number;
  /** What a provider can do, for ListModels (injected: the router does not import providers). */
  capabilitiesOf: (provider: string) => readonly string[];
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  numRetries: 2,
  timeoutMs: DEFAULT_ATTEMPT_LIMITS.totalTimeoutMs,
  streamTimeoutMs: DEFAULT_ATTEMPT_LIMITS.firstByteTimeoutMs,
  aliases: {},
  retryBackoffMs: 100,
  capabilitiesOf: () => [],
};

interface Group {
  name: string;
  deployments: Deployment[];
  wildcard: boolean;
}

/**
 * Model groups → deployments, and the attempt loop: pick a deployment, call it, retry retryable failures on
 * another deployment of the group (or the same one) with backoff, never after the first byte went out.
 * Every attempt is recorded for the caller to see.
 */
export class Router implements Dispatcher {
  private readonly groups = new Map<string, Group>();
  private readonly wildcards: Group[] = [];
  private readonly options: RouterOptions;

  constructor(
    deployments: readonly Deployment[],
    private readonly invoker: AttemptInvoker,
    options: Partial<RouterOptions> = {},
  ) {
    this.options = { ...DEFAULT_ROUTER_OPTIONS, ...options };
    for (const deployment of deployments) {
      let group = this.groups.get(deployment.modelName);
      if (group === undefined) {
        group = { name: deployment.modelName, deployments: [], wildcard: deployment.modelName.includes("*") };
        this.groups.set(deployment.modelName, group);
        if (group.wildcard) this.wildcards.push(group);
      }
      group.deployments.push(deployment);
    }
    // The most specific pattern first: `openai/gpt-4o*` before `openai/*` before `*`.
    this.wildcards.sort((a, b) => b.name.length - a.name.length);
  }

  hasModel(model: string): boolean {
    return this.findGroup(model) !== undefined;
  }

  listModels(): ModelDescriptor[] {
    const out: ModelDescriptor[] = [];
    const add = (id: string, group: Group) => {
      const providers = new Set(group.deployments.map((deployment) => deployment.provider));
      const first = group.deployments[0];
      const descriptor: ModelDescriptor = {
        id,
        provider: providers.size === 1 ? (first?.provider ?? "") : "mixed",
        deployments: group.deployments.length,
        capabilities: providers.size === 1 ? [...this.options.capabilitiesOf(first?.provider ?? "")] : [],
      };
      const maxInput = first?.info.maxInputTokens;
      const maxOutput = first?.info.maxOutputTokens ?? first?.info.maxTokens;
      if (maxInput !== undefined) descriptor.maxInputTokens = maxInput;
      if (maxOutput !== undefined) descriptor.maxOutputTokens = maxOutput;
      out.push(descriptor);
    };
    for (const group of this.groups.values()) add(group.name, group);
    for (const [alias, target] of Object.entries(this.options.aliases)) {
      const group = this.groups.get(target);
      if (group !== undefined) add(alias, group);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async complete(
    request: ChatRequest,
    context: ChatContext,
  ): Promise<{ response: ChatResponse; routing: RoutingInfo }> {
    const { value, routing } = await this.run(request, context, false, (deployment, signal, limits) =>
      this.invoker.complete(deployment, request, context.requestId, signal, limits),
    );
    return { response: value, routing };
  }

  async stream(request: ChatRequest, context: ChatContext): Promise<CommittedStream> {
    const { value, routing } = await this.run(request, context, true, (deployment, signal, limits) =>
      this.invoker.stream(deployment, request, context.requestId, signal, limits),
    );
    return { routing, events: relay(value) };
  }

  private findGroup(model: string): { group: Group; deployments: Deployment[] } | undefined {
    const name = this.options.aliases[model] ?? model;
    const exact = this.groups.get(name);
    if (exact !== undefined && !exact.wildcard) return { group: exact, deployments: exact.deployments };
    for (const group of this.wildcards) {
      if (!matchesModelPattern(group.name, name)) continue;
      return {
        group,
        deployments: group.deployments.map((deployment) => concretise(deployment, group.name, name)),
      };
    }
    return undefined;
  }

  private async run<T>(
    request: ChatRequest,
    context: ChatContext,
    stream: boolean,
    call: (deployment: Deployment, signal: AbortSignal, limits: AttemptLimits) => Promise<T>,
  ): Promise<{ value: T; routing: RoutingInfo }> {
    const found = this.findGroup(request.model);
    if (found === undefined) {
      throw new GatewayError(
        "model_not_found",
        `The model '${request.model}' does not exist or is not served here.`,
        {
          param: "model",
          reason: "model_not_found",
        },
      );
    }
    const attempts: Attempt[] = [];
    const tried = new Set<string>();
    const maxAttempts = 1 + this.options.numRetries;
    let lastError: GatewayError | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const deployment = pick(found.deployments, tried);
      tried.add(deployment.id);
      const limits = this.limitsFor(deployment, stream, context);
      const started = performance.now();
      try {
        const value = await call(deployment, context.signal, limits);
        attempts.push(attemptOf(deployment, "ok", started));
        return {
          value,
          routing: {
            modelGroup: found.group.name,
            deployment: deployment.id,
            provider: deployment.provider,
            model: deployment.model,
            attempts,
          },
        };
      } catch (error) {
        const failure = toGatewayError(error);
        attempts.push(attemptOf(deployment, failure.kind, started));
        lastError = failure;
        if (context.signal.aborted || !isRetryableKind(failure.kind) || attempt + 1 >= maxAttempts) break;
        const backoff = Math.min(
          failure.retryAfterMs ?? Math.random() * this.options.retryBackoffMs * 2 ** attempt,
          this.remaining(context),
        );
        if (backoff > 0) await delay(backoff, undefined, { signal: context.signal }).catch(() => undefined);
      }
    }
    throw lastError ?? new GatewayError("internal", "No attempt was made.");
  }

  private remaining(context: ChatContext): number {
    return context.deadline === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, context.deadline - Date.now());
  }

  private limitsFor(deployment: Deployment, stream: boolean, context: ChatContext): AttemptLimits {
    const total = Math.min(deployment.params.timeoutMs ?? this.options.timeoutMs, this.remaining(context));
    const first = stream
      ? (deployment.params.streamTimeoutMs ?? this.options.streamTimeoutMs)
      : (deployment.params.timeoutMs ?? this.options.timeoutMs);
    return { ...DEFAULT_ATTEMPT_LIMITS, totalTimeoutMs: total, firstByteTimeoutMs: Math.min(first, total) };
  }
}

/** A wildcard deployment made concrete for one model: `openai/*` + `openai/gpt-4o` → model `gpt-4o`. */
function concretise(deployment: Deployment, pattern: string, model: string): Deployment {
  if (!deployment.model.includes("*")) return deployment;
  const star = pattern.indexOf("*");
  const captured = star === -1 ? model : model.slice(star, model.length - (pattern.length - star - 1));
  return { ...deployment, model: deployment.model.replace("*", captured) };
}

/** Weighted random pick among deployments not tried yet for this request (all of them once each is tried). */
function pick(deployments: Deployment[], tried: Set<string>): Deployment {
  let pool = deployments.filter((deployment) => !tried.has(deployment.id));
  if (pool.length === 0) pool = deployments;
  if (pool.length === 1) return pool[0] as Deployment;
  const weights = pool.map((deployment) => deployment.params.weight ?? deployment.params.rpm ?? 1);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let target = Math.random() * total;
  for (let index = 0; index < pool.length; index++) {
    target -= weights[index] as number;
    if (target <= 0) return pool[index] as Deployment;
  }
  return pool[pool.length - 1] as Deployment;
}

function attemptOf(deployment: Deployment, outcome: Attempt["outcome"], started: number): Attempt {
  return {
    deployment: deployment.id,
    provider: deployment.provider,
    model: deployment.model,
    outcome,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
  };
}

/** Yields the committed first batch, then the rest; stopping early aborts the upstream request. */
async function* relay(stream: UpstreamEventStream): AsyncGenerator<ChatEvent[]> {
  let completed = false;
  try {
    yield stream.first;
    while (true) {
      const next = await stream.rest.next();
      if (next.done) break;
      yield next.value;
    }
    completed = true;
  } finally {
    if (!completed) stream.abort();
  }
}
