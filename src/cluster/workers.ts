import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../logging/logger.js";

/** How many gateway processes to run, or why more than one would be wrong here. */
export type WorkerPlan = { workers: number } | { refused: string };

export interface WorkerPlanInput {
  /** `--workers N` / `--num_workers N`; undefined: the default. */
  requested: number | undefined;
  redisUrl: string | undefined;
  /** PostgreSQL; undefined: the embedded SQLite database. */
  databaseUrl: string | undefined;
  /** The machine's cores (os.availableParallelism()). */
  cores: number;
}

/**
 * One worker per core when state is shared outside the process (Redis for rate limits, budget counters,
 * cooldowns and key invalidation; PostgreSQL for keys and the ledger), else one. More than one worker on the
 * embedded default is refused rather than run wrong: each worker would admit a key's whole rpm limit and keep
 * its own cooldowns, and the SQLite database is opened by one process only.
 */
export function planWorkers(input: WorkerPlanInput): WorkerPlan {
  const redis = input.redisUrl !== undefined && input.redisUrl !== "";
  const postgres = input.databaseUrl !== undefined && input.databaseUrl !== "";
  if (input.requested === undefined) return { workers: redis && postgres ? Math.max(1, input.cores) : 1 };
  if (input.requested <= 1) return { workers: 1 };
  const missing = [
    ...(redis ? [] : ["Redis (REDIS_URL): rate limits, budget counters, cooldowns and key revocations"]),
    ...(postgres
      ? []
      : ["PostgreSQL (DATABASE_URL): the embedded SQLite database is opened by one process only"]),
  ];
  if (missing.length === 0) return { workers: input.requested };
  return {
    refused:
      `--workers ${input.requested} needs state shared between the workers, and this configuration keeps it ` +
      `in one process. Missing: ${missing.join("; ")}. Without them each worker would admit a key's whole ` +
      "limit on its own. Run one worker (the default here), or configure Redis and PostgreSQL.",
  };
}

const LISTENING = "switchboard:listening";

interface ListeningMessage {
  type: typeof LISTENING;
  url: string;
}

function isListening(message: unknown): message is ListeningMessage {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === LISTENING &&
    typeof (message as { url?: unknown }).url === "string"
  );
}

/** True in a process forked by runPrimary. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** The worker's logger carries `worker: <id>` so that lines of several workers can be told apart. */
export function workerLogger(logger: Logger): Logger {
  return cluster.isWorker && cluster.worker !== undefined
    ? logger.child({ worker: cluster.worker.id })
    : logger;
}

/** A worker tells the primary it serves (the primary prints the banner once, when every worker does). */
export function announceListening(url: string): void {
  if (cluster.isWorker) process.send?.({ type: LISTENING, url } satisfies ListeningMessage);
}

/** A worker whose primary is gone (killed without forwarding a signal) drains and exits instead of lingering. */
export function onPrimaryGone(stop: () => void): void {
  if (cluster.isWorker) process.once("disconnect", stop);
}

/** A worker that has drained lets go of the primary's IPC channel (which would otherwise keep it alive). */
export function leaveCluster(): void {
  if (cluster.isWorker && process.connected) process.disconnect();
}

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** Called once, when every worker listens: the banner. */
  onReady: (url: string) => void;
  /** The workers' drain time; a worker still running this long (+5 s) after SIGTERM is killed. */
  shutdownGraceMs: number;
  /** Crash restarts allowed within `restartWindowMs` before the primary gives up (default 5 in 60 s). */
  maxRestarts?: number;
  restartWindowMs?: number;
}

/**
 * The primary of `--workers N`: forks the workers (the first alone, so that database migrations and the usage
 * journal replay run once, then the rest together), prints the banner once, restarts a worker that crashes
 * (bounded: more than `maxRestarts` in `restartWindowMs` stops the gateway rather than loop), and on SIGTERM or
 * SIGINT forwards SIGTERM to every worker, which drains as a single process does, and returns when all have
 * exited. Opens no database and serves nothing itself; the workers share the port through node:cluster.
 * Returns the process exit code.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options;
  const maxRestarts = options.maxRestarts ?? 5;
  const restartWindowMs = options.restartWindowMs ?? 60_000;
  const restarts: number[] = [];
  const listening = new Set<Worker>();
  let ready = false;
  let stopping = false;
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;

  return new Promise<number>((resolve) => {
    const live = () => Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);

    const finishIfDone = () => {
      if (!stopping || live().length > 0) return;
      if (killTimer !== undefined) clearTimeout(killTimer);
      process.off("SIGTERM", onSigterm);
      process.off("SIGINT", onSigint);
      resolve(exitCode);
    };

    const stop = (reason: string, code: number) => {
      if (code !== 0) exitCode = code;
      if (stopping) return;
      stopping = true;
      logger.info({ reason, workers: live().length }, "stopping workers: each drains its in-flight requests");
      for (const worker of live()) worker.process.kill("SIGTERM");
      killTimer = setTimeout(() => {
        for (const worker of live()) {
          logger.warn({ worker: worker.id }, "worker did not exit after the grace period; killing it");
          worker.process.kill("SIGKILL");
        }
      }, options.shutdownGraceMs + 5_000);
      killTimer.unref();
      finishIfDone();
    };
    const onSigterm = () => stop("SIGTERM", 0);
    const onSigint = () => stop("SIGINT", 0);
    process.on("SIGTERM", onSigterm);
    process.on("SIGINT", onSigint);

    const fork = (): Worker => {
      const worker = cluster.fork();
      worker.on("message", (message: unknown) => {
        if (!isListening(message) || listening.has(worker)) return;
        listening.add(worker);
        if (stopping) {
          // It was still starting when SIGTERM was forwarded (before its handler existed): tell it again.
          worker.process.kill("SIGTERM");
          return;
        }
        if (!ready && listening.size === 1 && live().length < options.workers) {
          // The first worker has migrated the database and replayed the journal: start the others together.
          for (let index = live().length; index < options.workers; index++) fork();
        }
        if (!ready && listening.size >= options.workers) {
          ready = true;
          logger.info({ workers: options.workers }, "all workers listening");
          options.onReady(message.url);
        }
      });
      return worker;
    };

    cluster.on("exit", (worker, code, signal) => {
      const wasListening = listening.delete(worker);
      if (stopping) {
        finishIfDone();
        return;
      }
      logger.error({ worker: worker.id, pid: worker.process.pid, code, signal }, "worker exited");
      if (!ready && !wasListening) {
        // A worker that cannot start will not start on a retry either (bad config, port taken, database down).
        stop("a worker failed to start", 1);
        return;
      }
      const now = Date.now();
      while (restarts.length > 0 && (restarts[0] as number) < now - restartWindowMs) restarts.shift();
      if (restarts.length >= maxRestarts) {
        logger.error(
          { restarts: restarts.length, window_ms: restartWindowMs },
          "workers keep crashing; stopping the gateway instead of restarting again",
        );
        stop("restart limit reached", 1);
        return;
      }
      restarts.push(now);
      logger.warn({ worker: worker.id }, "restarting the worker");
      fork();
    });

    fork();
  });
}
