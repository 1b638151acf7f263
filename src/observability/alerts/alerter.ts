import { Counter, type Registry } from "prom-client";
import type { RequestEnd, RequestScope, RequestStart } from "../../core/chat/request-observer.js";
import type { Principal } from "../../core/types/principal.js";
import type { Attempt } from "../../core/types/routing.js";
import { scrubSecrets } from "../../shared/secret-scrubber.js";
import { DeliveryError, DeliveryQueue, retryableStatus } from "../callbacks/delivery-queue.js";
import type { DeploymentHealth } from "../metrics.js";

/** LiteLLM's `alert_types` names for the alerts Switchboard sends. */
export const ALERT_TYPES = [
  "budget_alerts",
  "cooldown_deployment",
  "outage_alerts",
  "db_exceptions",
  "llm_too_slow",
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export interface AlerterOptions {
  /** Slack-compatible incoming webhook (`SLACK_WEBHOOK_URL`). */
  webhookUrl: string;
  /** Which alerts to send (`general_settings.alert_types`); default all. */
  alertTypes?: readonly AlertType[];
  /** `general_settings.alerting_threshold`: a request slower than this many seconds alerts (`llm_too_slow`). */
  slowRequestSeconds?: number;
  /** An alert with the same subject is sent again only after this long (default 1 h; budgets 24 h). */
  dedupMs?: number;
  budgetDedupMs?: number;
  /** Alerts sent at most per minute (default 20); the rest are counted and skipped. */
  maxPerMinute?: number;
  /** A provider's failed attempts over this share of its attempts in the window alerts (default 0.5) … */
  errorRateThreshold?: number;
  /** … once it made at least this many attempts in the window (default 10) … */
  errorRateMinAttempts?: number;
  /** … over this window (default 60 s). */
  errorRateWindowMs?: number;
  /** Usage rows journaled and not yet in the database above which the journal is backing up (default 1 000). */
  journalDepthThreshold?: number;
  /** How often deployment states and the journal are read (default 10 s). */
  pollIntervalMs?: number;
  registry?: Registry;
  /** Deployment states and journal depth, read on the poll timer (never on the request path). */
  sources?: { deployments?: () => Promise<readonly DeploymentHealth[]>; journalDepth?: () => number };
  now?: () => number;
}

interface ProviderWindow {
  startedAt: number;
  attempts: number;
  failures: number;
}

/**
 * Slack-compatible alerts (`general_settings.alerting: ["slack"]`): a key or team over its soft budget, a budget
 * exhausted, a deployment cooling down, a provider's error rate over the threshold, the usage journal backing up,
 * a request slower than `alerting_threshold`. Each alert has a subject (its type and what it is about); the same
 * subject is sent again only after the de-duplication period, and all alerts together are rate-limited. Alerts
 * carry ids, names and numbers only — never request content or a secret — and are delivered through a bounded,
 * retried queue off the request path.
 */
export class Alerter {
  private readonly types: ReadonlySet<AlertType>;
  private readonly sentAt = new Map<string, number>();
  private readonly windows = new Map<string, ProviderWindow>();
  private readonly queue: DeliveryQueue<string>;
  private readonly now: () => number;
  private readonly counter: Counter | undefined;
  private sentThisMinute = 0;
  private minuteStartedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly cooling = new Set<string>();
  /** Alert texts handed to the queue, and those skipped by de-duplication or the rate limit (tests, docs). */
  readonly stats = { queued: 0, deduplicated: 0, rateLimited: 0 };

  constructor(private readonly options: AlerterOptions) {
    this.types = new Set(options.alertTypes ?? ALERT_TYPES);
    this.now = options.now ?? Date.now;
    const url = options.webhookUrl;
    this.queue = new DeliveryQueue<string>(
      async (batch, signal) => {
        for (const text of batch) {
          const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text }),
            signal,
            redirect: "error",
          }).catch((cause: unknown) => {
            throw new DeliveryError(`alert webhook: ${scrubSecrets(String(cause))}`, true);
          });
          await response.body?.cancel().catch(() => undefined);
          if (!response.ok)
            throw new DeliveryError(
              `alert webhook: HTTP ${response.status}`,
              retryableStatus(response.status),
            );
        }
      },
      { maxQueue: 1_000, batchSize: 1, flushIntervalMs: 200 },
    );
    this.counter =
      options.registry === undefined
        ? undefined
        : new Counter({
            name: "switchboard_alerts_total",
            help: "Alerts by type and outcome: sent (queued), deduplicated, rate_limited.",
            labelNames: ["type", "outcome"],
            registers: [options.registry],
          });
    const sources = options.sources;
    if (sources !== undefined && (sources.deployments !== undefined || sources.journalDepth !== undefined)) {
      this.timer = setInterval(() => void this.poll(), options.pollIntervalMs ?? 10_000);
      this.timer.unref();
    }
  }

  scope(start: RequestStart): RequestScope {
    return new AlertScope(this, start.principal);
  }

  /** Reads deployment states and the journal depth once (the timer calls it; tests may too). */
  async poll(): Promise<void> {
    const sources = this.options.sources;
    try {
      const depth = sources?.journalDepth?.();
      const threshold = this.options.journalDepthThreshold ?? 1_000;
      if (depth !== undefined && depth > threshold)
        this.raise(
          "db_exceptions",
          "journal",
          `:warning: Usage journal backing up: ${depth} rows not yet in the database (threshold ${threshold}).`,
        );
      const deployments = await sources?.deployments?.();
      for (const deployment of deployments ?? []) {
        if (deployment.state === 2) {
          if (!this.cooling.has(deployment.deployment)) {
            this.cooling.add(deployment.deployment);
            this.raise(
              "cooldown_deployment",
              `cooldown:${deployment.deployment}`,
              `:snowflake: Deployment cooling down: ${deployment.deployment} (model group ${deployment.modelGroup}, provider ${deployment.provider}).`,
            );
          }
        } else this.cooling.delete(deployment.deployment);
      }
    } catch {
      // A source that fails is not an alert storm; the next poll tries again.
    }
  }

  /** @internal An upstream attempt ended: feeds the provider's error-rate window. */
  attempt(attempt: Attempt): void {
    if (attempt.skipped !== undefined || !this.types.has("outage_alerts")) return;
    const now = this.now();
    const windowMs = this.options.errorRateWindowMs ?? 60_000;
    let window = this.windows.get(attempt.provider);
    if (window === undefined || now - window.startedAt > windowMs) {
      window = { startedAt: now, attempts: 0, failures: 0 };
      this.windows.set(attempt.provider, window);
    }
    window.attempts += 1;
    if (attempt.outcome !== "ok" && attempt.outcome !== "cancelled") window.failures += 1;
    const threshold = this.options.errorRateThreshold ?? 0.5;
    if (
      window.attempts >= (this.options.errorRateMinAttempts ?? 10) &&
      window.failures / window.attempts > threshold
    )
      this.raise(
        "outage_alerts",
        `error-rate:${attempt.provider}`,
        `:rotating_light: Provider ${attempt.provider}: ${window.failures} of ${window.attempts} attempts failed in the last ${Math.round(windowMs / 1000)} s (threshold ${Math.round(threshold * 100)}%); last error: ${attempt.outcome}.`,
      );
  }

  /** @internal A request ended: budgets and slowness. */
  end(principal: Principal, end: RequestEnd): void {
    const error = end.error;
    if (error?.kind === "budget_exceeded") {
      const subject = error.limit?.name.startsWith("team") === true ? "team" : "key";
      const id = subject === "team" ? (principal.teamId ?? principal.keyId) : principal.keyId;
      this.raise(
        "budget_alerts",
        `budget-exhausted:${subject}:${id}`,
        `:no_entry: Budget exhausted for ${subject} ${id}: requests are refused until the budget resets or is raised.`,
        this.options.budgetDedupMs ?? 86_400_000,
      );
    }
    const soft = principal.limits?.softBudget;
    const spend = end.keySpendUsd;
    if (soft !== undefined && spend !== undefined && spend >= soft)
      this.raise(
        "budget_alerts",
        `soft-budget:key:${principal.keyId}`,
        `:warning: Key ${principal.keyId} crossed its soft budget: spend $${spend.toFixed(4)} of soft budget $${soft.toFixed(2)}.`,
        this.options.budgetDedupMs ?? 86_400_000,
      );
    const slow = this.options.slowRequestSeconds;
    if (slow !== undefined && error === undefined && (end.endedAt - end.startedAt) / 1000 > slow) {
      const group = end.modelGroup ?? "unknown";
      this.raise(
        "llm_too_slow",
        `slow:${group}`,
        `:turtle: Slow responses from model group ${group}: a request took ${((end.endedAt - end.startedAt) / 1000).toFixed(1)} s (threshold ${slow} s).`,
      );
    }
  }

  private raise(type: AlertType, subject: string, text: string, dedupMs?: number): void {
    if (!this.types.has(type)) return;
    const now = this.now();
    const last = this.sentAt.get(subject);
    if (last !== undefined && now - last < (dedupMs ?? this.options.dedupMs ?? 3_600_000)) {
      this.stats.deduplicated += 1;
      this.counter?.inc({ type, outcome: "deduplicated" });
      return;
    }
    if (now - this.minuteStartedAt >= 60_000) {
      this.minuteStartedAt = now;
      this.sentThisMinute = 0;
    }
    if (this.sentThisMinute >= (this.options.maxPerMinute ?? 20)) {
      this.stats.rateLimited += 1;
      this.counter?.inc({ type, outcome: "rate_limited" });
      return;
    }
    this.sentThisMinute += 1;
    this.sentAt.set(subject, now);
    if (this.sentAt.size > 10_000) this.sentAt.delete(this.sentAt.keys().next().value as string);
    this.stats.queued += 1;
    this.counter?.inc({ type, outcome: "sent" });
    this.queue.push(scrubSecrets(`[switchboard] ${text}`));
  }

  get pending(): number {
    return this.queue.depth;
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.queue.close(timeoutMs);
  }
}

class AlertScope implements RequestScope {
  constructor(
    private readonly alerter: Alerter,
    private readonly principal: Principal,
  ) {}

  onAttempt(attempt: Attempt): void {
    this.alerter.attempt(attempt);
  }

  onEnd(end: RequestEnd): void {
    this.alerter.end(this.principal, end);
  }
}
