import type { ModelGroup } from "../catalog/model-catalog.js";
import type { ResolvedRequest } from "../catalog/resolved-request.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../types/chat.js";
import type { Principal } from "../types/principal.js";
import type { Attempt, RoutingInfo } from "../types/routing.js";
import type { MeterSnapshot } from "./metering.js";
import type { RequestSurface } from "./request-observer.js";
import type { CacheInfo } from "./response-cache.js";

/** Per-request facts the edges hand to the core. */
export interface ChatContext {
  requestId: string;
  /**
   * The id the edge gives the response (`chatcmpl-…`, `msg_…`, `resp_…`); the ledger stores it beside the request
   * id so the caller can look its usage up by the id it saw.
   */
  responseId?: string;
  principal: Principal;
  /** Aborts when the caller disconnects, cancels or its deadline passes. */
  signal: AbortSignal;
  /** The caller's absolute deadline (gRPC/Connect timeout), epoch ms; bounds all attempts together. */
  deadline?: number;
  /** Called by the router for every attempt as it ends, failed ones included (the usage ledger bills each). */
  onAttempt?: (attempt: Attempt) => void;
  /** The edge the request came in through (metrics label); absent: "other". */
  surface?: RequestSurface;
  /** The caller's W3C `traceparent` header, as received (edges copy it; only a tracer reads it). */
  traceparent?: string | undefined;
  /** Headers the gateway adds to every upstream call of this request (trace propagation); set by the core. */
  upstreamHeaders?: Readonly<Record<string, string>> | undefined;
  /** The request's model resolution and prompt estimate, set once at admission (ChatGateway). */
  resolved?: ResolvedRequest;
}

/** A stream whose first batch has arrived from the deployment that serves it; no retry from here on. */
export interface CommittedStream {
  routing: RoutingInfo;
  events: AsyncIterable<ChatEvent[]>;
  /** Spend and limits at admission, for the edges' response headers (set by the gateway's metering). */
  metering?: MeterSnapshot;
  /** Set when the response cache applied: a replayed hit, or a miss being recorded. */
  cache?: CacheInfo;
}

/** What the router must give the core. */
export interface Dispatcher {
  complete(
    request: ChatRequest,
    context: ChatContext,
  ): Promise<{ response: ChatResponse; routing: RoutingInfo }>;
  stream(request: ChatRequest, context: ChatContext): Promise<CommittedStream>;
  /**
   * The groups a failure of `group` may fall back to for this request and caller, by configured name: every
   * kind of configured fallback and the request's own `fallbacks`, only those served and usable by the caller.
   * Throws a GatewayError when the request's own `fallbacks` are not allowed, not served, or not usable.
   */
  fallbackGroups(
    group: ModelGroup,
    request: ChatRequest,
    context: ChatContext,
  ): ReadonlyMap<string, ModelGroup>;
}

export interface ModelDescriptor {
  id: string;
  provider: string;
  deployments: number;
  capabilities: string[];
  maxInputTokens?: number;
  maxOutputTokens?: number;
  /** The first deployment's prices, US dollars per token, where it is priced (never a made-up zero). */
  pricing?: ModelPricing;
}

/** What a deployment costs, per token, and where the figure came from. */
export interface ModelPricing {
  inputPerToken: number;
  outputPerToken: number;
  cacheReadPerToken?: number;
  cacheWritePerToken?: number;
  /** `table` (the model catalog @pydantic/genai-prices, else the shipped table), `price_file` or `model_info`. */
  source: string;
}

/** What is known of a deployment beyond its config: limits and prices (injected: the core does not read prices). */
export interface DeploymentFacts {
  maxInputTokens?: number;
  maxOutputTokens?: number;
  pricing?: ModelPricing;
}
