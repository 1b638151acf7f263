import type { GatewayError } from "../errors/gateway-error.js";
import type { ChatRequest, ChatResponse, FinishReason, Usage } from "../types/chat.js";
import type { Principal } from "../types/principal.js";
import type { Attempt, RoutingInfo } from "../types/routing.js";

/** Which edge a request came in through: a closed set, so it can be a metric label. */
export type RequestSurface = "chat_completions" | "messages" | "rpc" | "responses" | "other";

/**
 * The observation port: what the core tells observers (metrics today; traces and logging callbacks later) about
 * each request, from the one request path (ChatGateway). Implemented outside the core (src/observability) and
 * injected by app.ts. Calls are synchronous and must not throw or do I/O: they run on the hot path.
 * Protocol: `onStart` once per request that reached the gateway, `onAttempt` for every upstream attempt as it
 * ends, then exactly one `onEnd`, on every exit path (success, refusal, upstream error, client gone).
 */
export interface RequestObserver {
  onStart(surface: RequestSurface, stream: boolean): void;
  /** Passed on as a plain function: implementations bind it (an arrow property). */
  onAttempt(attempt: Attempt): void;
  onEnd(end: RequestEnd): void;
  /**
   * Observers that follow one request from start to end (traces, logging callbacks) open a scope for it; absent,
   * or undefined returned: nothing follows the request. Same rules as above: synchronous, no throw, no I/O.
   */
  scope?(start: RequestStart): RequestScope | undefined;
}

/** What a scope learns when its request reaches the gateway. */
export interface RequestStart {
  surface: RequestSurface;
  stream: boolean;
  requestId: string;
  principal: Principal;
  /** The request as the caller sent it (read only; content is logged only where the operator enabled it). */
  request: ChatRequest;
  /** The caller's W3C `traceparent` header, unvalidated (the tracer parses it strictly). */
  traceparent?: string | undefined;
  /** `performance.now()` mark. */
  startedAt: number;
}

/** One request followed from start to end; told of each attempt and of the end, exactly as the observer is. */
export interface RequestScope {
  /** Headers every upstream call of this request carries (the W3C `traceparent` of the gateway's span). */
  readonly upstreamHeaders?: Readonly<Record<string, string>> | undefined;
  onAttempt(attempt: Attempt): void;
  onEnd(end: RequestEnd): void;
}

/** How one request ended. Times are `performance.now()` marks. */
export interface RequestEnd {
  surface: RequestSurface;
  stream: boolean;
  /** The resolved model group the caller asked for (before fallbacks); undefined when the model did not resolve. */
  modelGroup: string | undefined;
  startedAt: number;
  endedAt: number;
  /** For streams: when the first content reached the gateway from upstream. */
  firstTokenAt?: number | undefined;
  /** What served the request (absent when nothing did). */
  routing?: RoutingInfo | undefined;
  /** Usage as billed (the provider's, or the bounded estimate). */
  usage?: Usage | undefined;
  costUsd?: number | undefined;
  /** The key's spend in its current budget window after this request, when metered (soft-budget alerts). */
  keySpendUsd?: number | undefined;
  /** Unary requests: the response as returned (scopes read its model, finish reasons and, if enabled, content). */
  response?: ChatResponse | undefined;
  /** Streams: the model the provider named and each choice's finish reason. */
  responseModel?: string | undefined;
  finishReasons?: readonly FinishReason[] | undefined;
  /** Set when the request failed (refused, upstream error, cancelled). */
  error?: GatewayError | undefined;
}
