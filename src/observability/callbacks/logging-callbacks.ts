import { Counter, Gauge, type Registry } from "prom-client";
import type { RequestEnd, RequestScope, RequestStart } from "../../core/chat/request-observer.js";
import type { Attempt } from "../../core/types/routing.js";
import { DeliveryQueue, type DeliveryQueueOptions } from "./delivery-queue.js";
import { buildLoggingPayload, type LoggedAttempt, type LoggingPayload } from "./logging-payload.js";
import type { LoggingSink } from "./sinks.js";

/** One configured callback: its sink and which outcomes it receives (`success_callback`, `failure_callback`, `callbacks`). */
export interface CallbackRoute {
  sink: LoggingSink;
  onSuccess: boolean;
  onFailure: boolean;
}

export interface LoggingCallbacksOptions {
  /** Messages and responses in payloads; false when `turn_off_message_logging` is set. */
  logMessages: boolean;
  queue?: Omit<DeliveryQueueOptions, "onDelivered" | "onDropped">;
  /** Where the delivery counters go (the `/metrics` registry); absent: counted in `stats()` only. */
  registry?: Registry;
  onFailure?: (callback: string, error: unknown) => void;
}

interface Lane {
  route: CallbackRoute;
  queue: DeliveryQueue<LoggingPayload>;
}

/**
 * LiteLLM-style logging callbacks: each request's standard payload (logging-payload.ts) goes to every configured
 * callback that wants its outcome, through one bounded delivery queue per callback. The request path only opens a
 * scope and, at the end, schedules the payload's construction on the next turn of the event loop: building,
 * scrubbing and sending never add to a request's latency, and nothing here can fail a request.
 */
export class LoggingCallbacks {
  private readonly lanes: Lane[];

  constructor(
    routes: readonly CallbackRoute[],
    private readonly options: LoggingCallbacksOptions,
  ) {
    const counters =
      options.registry === undefined
        ? undefined
        : new Counter({
            name: "switchboard_callback_events_total",
            help: "Logging callback payloads by outcome: delivered, dropped (queue full or shutdown) or rejected by the receiver.",
            labelNames: ["callback", "outcome"],
            registers: [options.registry],
          });
    this.lanes = routes.map((route) => {
      const name = route.sink.name;
      const queue = new DeliveryQueue<LoggingPayload>(
        (batch, signal) => route.sink.sendBatch(batch, signal),
        {
          ...options.queue,
          onDelivered: (count) => counters?.inc({ callback: name, outcome: "delivered" }, count),
          onDropped: (count, reason) =>
            counters?.inc({ callback: name, outcome: reason === "rejected" ? "rejected" : "dropped" }, count),
          onFailure: (error) => options.onFailure?.(name, error),
        },
      );
      return { route, queue };
    });
    if (options.registry !== undefined) {
      const lanes = this.lanes;
      new Gauge({
        name: "switchboard_callback_queue_depth",
        help: "Logging callback payloads waiting to be delivered.",
        labelNames: ["callback"],
        registers: [options.registry],
        collect() {
          for (const lane of lanes) this.set({ callback: lane.route.sink.name }, lane.queue.depth);
        },
      });
    }
  }

  get size(): number {
    return this.lanes.length;
  }

  scope(start: RequestStart, traceId: string | undefined): RequestScope {
    return new LoggingScope(this, start, traceId);
  }

  /** Counts per callback (tests, docs). */
  stats(): Record<string, DeliveryQueue<LoggingPayload>["stats"] & { depth: number }> {
    const out: Record<string, DeliveryQueue<LoggingPayload>["stats"] & { depth: number }> = {};
    for (const lane of this.lanes)
      out[lane.route.sink.name] = { ...lane.queue.stats, depth: lane.queue.depth };
    return out;
  }

  /** Delivers what is queued within `timeoutMs` (SIGTERM), all callbacks at once. */
  async close(timeoutMs: number): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.queue.close(timeoutMs)));
  }

  /** @internal */
  deliver(
    start: RequestStart,
    end: RequestEnd,
    attempts: readonly LoggedAttempt[],
    traceId: string | undefined,
  ) {
    const failed = end.error !== undefined;
    let payload: LoggingPayload | undefined;
    for (const lane of this.lanes) {
      if (failed ? !lane.route.onFailure : !lane.route.onSuccess) continue;
      payload ??= buildLoggingPayload(start, end, attempts, {
        logMessages: this.options.logMessages,
        traceId,
      });
      lane.queue.push(payload);
    }
  }
}

class LoggingScope implements RequestScope {
  private readonly attempts: LoggedAttempt[] = [];

  constructor(
    private readonly owner: LoggingCallbacks,
    private readonly start: RequestStart,
    private readonly traceId: string | undefined,
  ) {}

  onAttempt(attempt: Attempt): void {
    if (attempt.skipped !== undefined) return;
    const logged: LoggedAttempt = {
      deployment: attempt.deployment,
      provider: attempt.provider,
      model: attempt.model,
      reason: attempt.reason ?? "primary",
      outcome: attempt.outcome,
      latency_ms: attempt.latencyMs,
    };
    if (attempt.modelGroup !== undefined) logged.model_group = attempt.modelGroup;
    this.attempts.push(logged);
  }

  onEnd(end: RequestEnd): void {
    // Off the request's own turn: the caller has its answer before the payload is built.
    setImmediate(() => {
      try {
        this.owner.deliver(this.start, end, this.attempts, this.traceId);
      } catch {
        // A payload that cannot be built is lost, never the request.
      }
    });
  }
}
