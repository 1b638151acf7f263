import { randomUUID } from "node:crypto";
import { catalogOf, type RouterSettings, registerConfiguredSecrets, servesEmbeddings } from "../app.js";
import { ChatGateway } from "../core/chat/chat-gateway.js";
import type { ChatContext } from "../core/chat/dispatcher.js";
import { EmbeddingsGateway } from "../core/embeddings/embeddings-gateway.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type { Deployment } from "../core/types/deployment.js";
import type { Principal } from "../core/types/principal.js";
import type { ProviderInvoker } from "../providers/provider-invoker.js";
import { fromOpenAIEmbeddingRequest, toOpenAIEmbeddingResponse } from "../rest/embeddings.js";
import { fromOpenAIRequest } from "../rest/from-openai.js";
import { OpenAIChunkWriter, toOpenAIResponse } from "../rest/to-openai.js";
import { Router as CoreRouter } from "../router/router.js";
import { MemoryStateStore } from "../router/state/memory-state-store.js";
import { PriceTable } from "../usage/price-table.js";
import { CostMetering } from "./cost-metering.js";
import { toLibraryError } from "./errors.js";
import { CompletionStream } from "./stream.js";
import type { ChatCompletion, EmbeddingResponse, UsageCallback } from "./types.js";

/** The caller in-process: the application itself, allowed every model it configured. */
const LIBRARY_PRINCIPAL: Principal = { keyId: "library", role: "admin", display: "library" };

let sharedPrices: PriceTable | undefined;

/** The price table every engine shares (catalog + shipped table), built on first use. */
export function defaultPrices(): PriceTable {
  sharedPrices ??= new PriceTable();
  return sharedPrices;
}

export interface EngineOptions {
  deployments: readonly Deployment[];
  router: RouterSettings;
  dropParams: boolean;
  invoker: ProviderInvoker;
  onUsage?: UsageCallback;
  prices?: PriceTable;
}

/** A request body (OpenAI's shape, library keys removed) with the call's signal and usage callback. */
export interface EngineCall {
  body: Record<string, unknown>;
  signal?: AbortSignal;
  onUsage?: UsageCallback;
  /** Per-call override of `num_retries` is applied by building the router; here only the body is sent. */
}

/**
 * The proxy's core, in-process: the same ChatGateway → Router → ProviderInvoker the server builds in app.ts, with a
 * local router state and the library's cost metering instead of the ledger. No HTTP server, no database.
 */
export class Engine {
  private readonly gateway: ChatGateway;
  private readonly embeddings: EmbeddingsGateway;
  private readonly metering: CostMetering;

  constructor(private readonly options: EngineOptions) {
    registerConfiguredSecrets(options.deployments, [], {});
    const { redis: _redis, onSharedStateChange: _ignored, ...routerOptions } = options.router;
    const catalog = catalogOf(options.deployments, routerOptions, options.prices ?? defaultPrices());
    const router = new CoreRouter(catalog, options.invoker, {
      ...routerOptions,
      stateStore: routerOptions.stateStore ?? new MemoryStateStore(),
    });
    this.metering = new CostMetering(
      new Map(options.deployments.map((deployment) => [deployment.id, deployment])),
      options.prices ?? defaultPrices(),
      options.onUsage,
    );
    this.gateway = new ChatGateway(router, {
      catalog,
      dropParams: options.dropParams,
      metering: this.metering,
    });
    this.embeddings = new EmbeddingsGateway(router, {
      catalog,
      servesEmbeddings,
      dropParams: options.dropParams,
      metering: this.metering,
    });
  }

  get deployments(): readonly Deployment[] {
    return this.options.deployments;
  }

  async complete(call: EngineCall): Promise<ChatCompletion> {
    const requestId = randomUUID();
    try {
      const { request } = fromOpenAIRequest({ ...call.body, stream: false });
      const context = this.context(requestId, call);
      const { response } = await this.gateway.complete(request, context);
      return toOpenAIResponse(response, `chatcmpl-${requestId}`) as unknown as ChatCompletion;
    } catch (error) {
      throw toLibraryError(error);
    } finally {
      this.metering.callbacks.delete(requestId);
    }
  }

  /**
   * One embeddings call through the same router, retries, fallbacks and cost metering as chat. The library's
   * default encoding is `float` (number arrays); `base64` returns OpenAI's little-endian float32 strings.
   */
  async embed(call: EngineCall): Promise<EmbeddingResponse> {
    const requestId = randomUUID();
    try {
      const request = fromOpenAIEmbeddingRequest(call.body);
      const { result } = await this.embeddings.embed(request, this.context(requestId, call));
      const response = toOpenAIEmbeddingResponse(
        result,
        request.encodingFormat ?? "float",
      ) as EmbeddingResponse;
      if (result.usage?.costUsd !== undefined) response.usage.cost = result.usage.costUsd;
      return response;
    } catch (error) {
      throw toLibraryError(error);
    } finally {
      this.metering.callbacks.delete(requestId);
    }
  }

  /** Resolves once the first upstream event has arrived (errors before it are thrown here, after retries). */
  async stream(call: EngineCall): Promise<CompletionStream> {
    const requestId = randomUUID();
    try {
      const { request } = fromOpenAIRequest({ ...call.body, stream: true });
      const context = this.context(requestId, call);
      const committed = await this.gateway.stream(request, context);
      const writer = new OpenAIChunkWriter(
        `chatcmpl-${requestId}`,
        committed.routing.model,
        request.includeUsage === true,
      );
      return new CompletionStream(committed.events[Symbol.asyncIterator](), writer);
    } catch (error) {
      this.metering.callbacks.delete(requestId);
      throw toLibraryError(error);
    }
  }

  private context(requestId: string, call: EngineCall): ChatContext {
    if (call.signal !== undefined && !(call.signal instanceof AbortSignal)) {
      throw invalidRequest("'signal' must be an AbortSignal.", "signal");
    }
    if (call.onUsage !== undefined) {
      if (typeof call.onUsage !== "function")
        throw invalidRequest("'onUsage' must be a function.", "onUsage");
      this.metering.callbacks.set(requestId, call.onUsage);
    }
    return {
      requestId,
      principal: LIBRARY_PRINCIPAL,
      signal: call.signal ?? new AbortController().signal,
    };
  }
}
