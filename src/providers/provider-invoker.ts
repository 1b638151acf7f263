import type { EmbedRequest, EmbedResult } from "../core/embeddings/embed-types.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import type { ModerationRequest, ModerationResult } from "../core/moderations/moderation-types.js";
import type { RerankRequest, RerankResult } from "../core/rerank/rerank-types.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import type {
  AttemptInvoker,
  HttpProviderAdapter,
  ProviderAdapter,
  ProviderCallContext,
} from "../core/types/provider.js";
import { anthropicCountTokensAdapter } from "./anthropic/anthropic-count-tokens.js";
import { invokeEmbeddings } from "./embedding-invoker.js";
import { forDeploymentProvider } from "./native-only.js";
import { invokeOperation } from "./operation-invoker.js";
import { getProvider } from "./registry.js";
import {
  type AttemptLimits,
  DEFAULT_ATTEMPT_LIMITS,
  type UpstreamEventStream,
  UpstreamExecutor,
} from "./shared/execute.js";

/** Providers with a prompt-counting endpoint, by provider id: the Messages surface's count_tokens uses them. */
const COUNT_TOKENS_ADAPTERS: Readonly<Record<string, HttpProviderAdapter>> = {
  anthropic: anthropicCountTokensAdapter,
};

/** Provider ids (and their aliases) whose namespaced provider options belong to another provider. */
function isKnownNamespace(id: string): boolean {
  return getProvider(id) !== undefined || id === "google" || id === "vertex" || id === "openai_compatible";
}

/**
 * Runs one attempt against one deployment: finds its adapter and hands it to the executor (HTTP providers) or
 * calls it in-process (the mock). The router calls this once per attempt.
 */
export class ProviderInvoker implements AttemptInvoker {
  constructor(private readonly executor: UpstreamExecutor = new UpstreamExecutor()) {}

  adapterFor(deployment: Deployment): ProviderAdapter {
    const adapter = getProvider(deployment.provider);
    if (adapter === undefined) {
      throw new GatewayError("internal", `No provider '${deployment.provider}' in this build.`, {
        provider: deployment.provider,
      });
    }
    return adapter;
  }

  /**
   * The adapter that serves this request: a legacy text completion goes to the provider's `completions`
   * adapter and never to a chat translator (admission routes it only to providers that have one).
   */
  private adapterForRequest(deployment: Deployment, request: ChatRequest): ProviderAdapter {
    const adapter = this.adapterFor(deployment);
    if (request.textCompletion === undefined) return adapter;
    if (adapter.kind === "http" && adapter.completions !== undefined) return adapter.completions;
    throw new GatewayError(
      "invalid_request",
      `The model '${request.model}' is served by provider '${adapter.id}', which has no text completions API.`,
      { param: "model", reason: "invalid_request" },
    );
  }

  async complete(
    deployment: Deployment,
    request: ChatRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
    upstreamHeaders?: Readonly<Record<string, string>>,
  ): Promise<ChatResponse> {
    const adapter = this.adapterForRequest(deployment, request);
    request = forDeploymentProvider(request, deployment);
    const context: ProviderCallContext = { deployment, stream: false, requestId, upstreamHeaders };
    if (adapter.kind === "local") return adapter.complete(request, context, signal);
    return this.executor.complete(adapter, request, context, signal, limits);
  }

  /**
   * The deployment's own count of a request's prompt tokens, through the same executor (timeouts, size caps,
   * error mapping); undefined when its provider has no counting endpoint.
   */
  countTokens(
    deployment: Deployment,
    request: ChatRequest,
    requestId: string,
    signal: AbortSignal,
  ): Promise<number> | undefined {
    const adapter = COUNT_TOKENS_ADAPTERS[deployment.provider];
    if (adapter === undefined) return undefined;
    const prepared = forDeploymentProvider(request, deployment);
    const context: ProviderCallContext = { deployment, stream: false, requestId };
    return this.executor
      .complete(adapter, prepared, context, signal, DEFAULT_ATTEMPT_LIMITS)
      .then((response) => response.usage?.promptTokens ?? 0);
  }

  async stream(
    deployment: Deployment,
    request: ChatRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
    upstreamHeaders?: Readonly<Record<string, string>>,
  ): Promise<UpstreamEventStream> {
    const adapter = this.adapterForRequest(deployment, request);
    request = forDeploymentProvider(request, deployment);
    const context: ProviderCallContext = { deployment, stream: true, requestId, upstreamHeaders };
    if (adapter.kind === "http") return this.executor.stream(adapter, request, context, signal, limits);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const iterator = adapter.stream(request, context, controller.signal)[Symbol.asyncIterator]();
    let first: IteratorResult<ChatEvent[]>;
    try {
      first = await iterator.next();
    } catch (error) {
      signal.removeEventListener("abort", onAbort);
      throw error;
    }
    if (first.done) {
      signal.removeEventListener("abort", onAbort);
      throw new GatewayError("upstream_protocol", `Provider '${adapter.id}' produced no events.`);
    }
    return {
      first: first.value,
      rest: iterator,
      abort: () => {
        signal.removeEventListener("abort", onAbort);
        controller.abort(new Error("consumer stopped"));
      },
    };
  }

  /** One embeddings attempt: the provider's batches through the executor (embedding-invoker.ts). */
  async embed(
    deployment: Deployment,
    request: EmbedRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<EmbedResult> {
    const adapter = this.adapterFor(deployment);
    if (adapter.kind === "local") {
      throw new GatewayError("invalid_request", `Provider '${adapter.id}' has no embeddings API.`, {
        param: "model",
        reason: "invalid_request",
      });
    }
    return invokeEmbeddings(
      this.executor,
      adapter,
      deployment,
      request,
      requestId,
      signal,
      limits,
      isKnownNamespace,
    );
  }

  /** One rerank attempt: the provider's rerank translator through the executor (operation-invoker.ts). */
  rerank(
    deployment: Deployment,
    request: RerankRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<RerankResult> {
    const adapter = this.httpAdapterFor(deployment, "rerank");
    return invokeOperation(
      this.executor,
      adapter,
      adapter.rerank,
      "rerank",
      deployment,
      request,
      requestId,
      signal,
      limits,
      isKnownNamespace,
    );
  }

  /** One moderations attempt: the provider's moderations translator through the executor. */
  moderate(
    deployment: Deployment,
    request: ModerationRequest,
    requestId: string,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<ModerationResult> {
    const adapter = this.httpAdapterFor(deployment, "moderations");
    return invokeOperation(
      this.executor,
      adapter,
      adapter.moderations,
      "moderations",
      deployment,
      request,
      requestId,
      signal,
      limits,
      isKnownNamespace,
    );
  }

  /** The deployment's HTTP adapter; the in-process mock serves chat only. */
  private httpAdapterFor(deployment: Deployment, operation: string): HttpProviderAdapter {
    const adapter = this.adapterFor(deployment);
    if (adapter.kind === "local") {
      throw new GatewayError("invalid_request", `Provider '${adapter.id}' has no ${operation} API.`, {
        param: "model",
        reason: "invalid_request",
      });
    }
    return adapter;
  }

  close(): Promise<void> {
    return this.executor.close();
  }
}
