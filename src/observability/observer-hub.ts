import type {
  RequestEnd,
  RequestObserver,
  RequestScope,
  RequestStart,
  RequestSurface,
} from "../core/chat/request-observer.js";
import type { Attempt } from "../core/types/routing.js";
import type { Alerter } from "./alerts/alerter.js";
import type { LoggingCallbacks } from "./callbacks/logging-callbacks.js";
import type { RequestTracer } from "./tracing/request-tracer.js";

/**
 * The one RequestObserver the core is given: metrics (aggregates, no per-request state) plus whatever follows
 * single requests — the tracer, the logging callbacks, the alerter. Only what is configured is present; with none
 * of the followers, `scope` is absent and the request path is what metrics alone cost.
 */
export interface ObserverParts {
  metrics?: RequestObserver | undefined;
  tracer?: RequestTracer | undefined;
  callbacks?: LoggingCallbacks | undefined;
  alerter?: Alerter | undefined;
}

export function composeObserver(parts: ObserverParts): RequestObserver | undefined {
  const { metrics, tracer, alerter } = parts;
  const callbacks = parts.callbacks !== undefined && parts.callbacks.size > 0 ? parts.callbacks : undefined;
  if (tracer === undefined && callbacks === undefined && alerter === undefined) return metrics;
  const hub: RequestObserver = {
    onStart: (surface: RequestSurface, stream: boolean) => metrics?.onStart(surface, stream),
    onAttempt: metrics?.onAttempt ?? noop,
    onEnd: (end: RequestEnd) => metrics?.onEnd(end),
    scope(start: RequestStart): RequestScope | undefined {
      const traced = tracer?.scope(start);
      const scopes: RequestScope[] = [];
      if (traced !== undefined) scopes.push(traced);
      if (callbacks !== undefined) scopes.push(callbacks.scope(start, traceIdOf(traced?.upstreamHeaders)));
      if (alerter !== undefined) scopes.push(alerter.scope(start));
      if (scopes.length === 1) return scopes[0];
      return new FanOutScope(scopes, traced?.upstreamHeaders);
    },
  };
  return hub;
}

function noop(_attempt: Attempt): void {}

/** The trace id in a `traceparent` the tracer made (for logging payloads to join traces). */
function traceIdOf(headers: Readonly<Record<string, string>> | undefined): string | undefined {
  const traceparent = headers?.traceparent;
  return traceparent === undefined ? undefined : traceparent.slice(3, 35);
}

/** Several followers of one request; one that throws never keeps the others from hearing. */
class FanOutScope implements RequestScope {
  constructor(
    private readonly scopes: readonly RequestScope[],
    readonly upstreamHeaders: Readonly<Record<string, string>> | undefined,
  ) {}

  onAttempt(attempt: Attempt): void {
    for (const scope of this.scopes) {
      try {
        scope.onAttempt(attempt);
      } catch {
        // Observers must not throw; if one does, the request and the other observers carry on.
      }
    }
  }

  onEnd(end: RequestEnd): void {
    for (const scope of this.scopes) {
      try {
        scope.onEnd(end);
      } catch {
        // As above.
      }
    }
  }
}
