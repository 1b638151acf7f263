import type { Logger } from "../logging/logger.js";

export interface Drainable {
  /** Readiness false, refuse new requests, let in-flight ones finish for up to `graceMs`, flush usage. */
  close(graceMs: number): Promise<void>;
  server: { inFlight(): number; connections(): number };
}

export interface ShutdownOptions {
  graceMs: number;
  logger: Logger;
  signals?: readonly NodeJS.Signals[];
  /** Where signals come from (a test passes its own emitter); the process by default. */
  source?: Pick<NodeJS.Process, "on" | "off">;
}

/**
 * Graceful shutdown on SIGTERM/SIGINT, as one function that main.ts and a cluster worker call the same way
 * (GUARDS 15): the first signal drains `app` (readiness false at once, new requests 503 + `Connection: close`,
 * HTTP/2 GOAWAY, idle connections closed, in-flight work finished within `graceMs`, the usage ledger flushed).
 * A later signal only logs: the drain already bounds itself by the grace period.
 * Resolves with the signal once the drain is over; the caller then exits.
 */
export function closeOnSignal(app: Drainable, options: ShutdownOptions): Promise<NodeJS.Signals> {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const source = options.source ?? process;
  return new Promise<NodeJS.Signals>((resolve, reject) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (draining) {
        options.logger.warn({ signal }, "already draining; the grace period bounds the wait");
        return;
      }
      draining = true;
      const started = Date.now();
      options.logger.info(
        {
          signal,
          in_flight: app.server.inFlight(),
          connections: app.server.connections(),
          grace_ms: options.graceMs,
        },
        "shutting down: draining in-flight requests",
      );
      app.close(options.graceMs).then(
        () => {
          options.logger.info({ signal, drain_ms: Date.now() - started }, "drained");
          // Handlers stay installed until the drain is over: a second signal must not fall through to Node's
          // default (exit at once, cutting everything in flight).
          for (const name of signals) source.off(name, onSignal);
          resolve(signal);
        },
        (error: unknown) => {
          for (const name of signals) source.off(name, onSignal);
          reject(error);
        },
      );
    };
    for (const name of signals) source.on(name, onSignal);
  });
}
