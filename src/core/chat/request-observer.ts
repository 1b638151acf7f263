import type { GatewayError } from "../errors/gateway-error.js";
import type { Usage } from "../types/chat.js";
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
  /** Set when the request failed (refused, upstream error, cancelled). */
  error?: GatewayError | undefined;
}
