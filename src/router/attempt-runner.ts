import type { ModelGroup } from "../core/catalog/model-catalog.js";
import { GatewayError, toGatewayError } from "../core/errors/gateway-error.js";
import { DEFAULT_ATTEMPT_LIMITS } from "../core/types/provider.js";
import type { Attempt, AttemptReason } from "../core/types/routing.js";
import { attemptLimits } from "./attempt-limits.js";
import { type CooldownOptions, failurePolicy } from "./cooldown-policy.js";
import type { DeploymentPicker } from "./deployment-picker.js";
import {
  type Admitted,
  type Launched,
  type RequestRun,
  remainingMs,
  type Settled,
  type Won,
} from "./request-run.js";
import type { RetryBudget } from "./retry-budget.js";
import type { RouterOptions } from "./router-options.js";
import type { RouterStateStore } from "./state/state-store.js";

/**
 * Runs admitted attempts: launch (own abort controller, limits bounded by the deadline), hedge (a second
 * deployment when the first is slow; the first good answer wins), settle (attempt log, failure counts and
 * cooldowns, half-open close). The group and fallback loop (router.ts) decides what to attempt; this decides
 * nothing about what comes next.
 */
export class AttemptRunner {
  constructor(
    private readonly picker: DeploymentPicker,
    private readonly store: RouterStateStore,
    private readonly budget: RetryBudget,
    private readonly cooldown: CooldownOptions,
    private readonly options: RouterOptions,
  ) {}

  /**
   * Runs one admitted attempt, hedged when the group asks for it: if no answer came within the hedge delay, a
   * second deployment starts the same request; the first good answer wins and the other attempt is aborted.
   */
  async attempt<T>(
    group: ModelGroup,
    admitted: Admitted,
    reason: AttemptReason,
    waitedMs: number,
    tried: Set<string>,
    run: RequestRun<T>,
  ): Promise<Settled<Won<T>>> {
    const hedgeAfter = this.options.hedgeAfterMs[group.name];
    const hedged = hedgeAfter !== undefined && group.deployments.length >= 2;
    const first = this.launch(
      group,
      admitted,
      admitted.probe ? "probe" : reason,
      waitedMs,
      tried,
      run,
      hedged,
    );
    if (!hedged) return this.settle(first, run);
    let timer: NodeJS.Timeout | undefined;
    const hedgeDue = new Promise<"hedge">((resolve) => {
      timer = setTimeout(() => resolve("hedge"), hedgeAfter);
    });
    const early = await Promise.race([first.result.then(() => "settled" as const), hedgeDue]);
    clearTimeout(timer);
    if (early === "settled" || remainingMs(run.context) <= 0) return this.settle(first, run);
    const picked = await this.picker.pick(group, tried, new Set([admitted.deployment.id]), run);
    if (!picked.ok || !this.budget.tryRetry()) {
      if (picked.ok) this.picker.release(picked.value, {});
      return this.settle(first, run);
    }
    const second = this.launch(group, picked.value, "hedge", 0, tried, run, true);
    const launched = [first, second];
    // The first success wins; a failure waits for the other attempt.
    const winner = await new Promise<Launched<T> | undefined>((resolve) => {
      let failed = 0;
      for (const attempt of launched) {
        void attempt.result.then((settled) => {
          if (settled.ok) resolve(attempt);
          else if (++failed === launched.length) resolve(undefined);
        });
      }
    });
    for (const attempt of launched) {
      if (attempt !== winner) {
        attempt.controller?.abort(new GatewayError("cancelled", "Another hedged attempt answered first."));
      }
    }
    let last: Settled<Won<T>> = { ok: false, error: deadlineError() };
    for (const attempt of launched) {
      if (attempt !== winner) last = await this.settle(attempt, run, winner !== undefined);
    }
    return winner === undefined ? last : this.settle(winner, run);
  }

  /**
   * Starts an attempt on an admitted deployment. An attempt that may be hedged (`ownSignal`) gets its own abort
   * controller, so that a hedge loser is aborted alone; any other attempt runs on the caller's signal itself
   * (one AbortSignal per request on the common path: the executor removes its listener when the attempt ends).
   */
  private launch<T>(
    group: ModelGroup,
    admitted: Admitted,
    reason: AttemptReason,
    waitedMs: number,
    tried: Set<string>,
    run: RequestRun<T>,
    ownSignal: boolean,
  ): Launched<T> {
    tried.add(admitted.deployment.id);
    run.started++;
    const callerSignal = run.context.signal;
    let controller: AbortController | undefined;
    let detach = NO_DETACH;
    if (ownSignal) {
      // Following the caller's signal. Not AbortSignal.any: on Node 20 it keeps every combined signal alive as
      // long as the caller's.
      const own = new AbortController();
      const forward = () => own.abort(callerSignal.reason);
      if (callerSignal.aborted) forward();
      else callerSignal.addEventListener("abort", forward, { once: true });
      controller = own;
      detach = () => callerSignal.removeEventListener("abort", forward);
    }
    const signal = controller?.signal ?? callerSignal;
    const limits = attemptLimits(
      admitted.deployment,
      run.request,
      run.stream,
      {
        timeoutMs: this.options.timeoutMs,
        streamTimeoutMs: this.options.streamTimeoutMs,
        idleTimeoutMs: this.options.idleTimeoutMs,
        connectTimeoutMs: DEFAULT_ATTEMPT_LIMITS.connectTimeoutMs,
      },
      remainingMs(run.context),
    );
    const startedAt = performance.now();
    const result = Promise.resolve()
      .then(() => run.call(admitted.deployment, signal, limits))
      .then(
        (value): Settled<T> => ({ ok: true, value }),
        (error: unknown): Settled<T> => ({ ok: false, error: toGatewayError(error) }),
      );
    return { group, admitted, reason, waitedMs, startedAt, controller, detach, result, recorded: false };
  }

  /** Waits for a launched attempt and records it: attempt log, failure counts and cooldowns, half-open close. */
  private async settle<T>(launched: Launched<T>, run: RequestRun<T>, lost = false): Promise<Settled<Won<T>>> {
    const settled = await launched.result;
    const { admitted } = launched;
    const now = Date.now();
    if (!launched.recorded) {
      launched.recorded = true;
      // A hedged attempt that answered after the winner is reported as cancelled (it was aborted, not used).
      const outcome = settled.ok ? (lost ? "cancelled" : "ok") : settled.error.kind;
      const attempt: Attempt = {
        deployment: admitted.deployment.id,
        provider: admitted.deployment.provider,
        model: admitted.deployment.model,
        outcome,
        latencyMs: Math.round((performance.now() - launched.startedAt) * 100) / 100,
        reason: launched.reason,
        modelGroup: launched.group.name,
        ...(launched.waitedMs > 0 ? { backoffMs: Math.round(launched.waitedMs) } : {}),
      };
      run.attempts.push(attempt);
      // The usage ledger bills every attempt, failed ones included (ChatContext.onAttempt).
      run.context.onAttempt?.(attempt);
      if (!settled.ok || lost) {
        this.picker.release(admitted, {});
        launched.detach();
      }
      if (!settled.ok && settled.error.kind !== "cancelled") {
        const policy = failurePolicy(settled.error, admitted.probe, this.cooldown);
        if (settled.error.retryAfterMs !== undefined) {
          run.notBefore.set(admitted.deployment.id, now + settled.error.retryAfterMs);
        }
        if (policy !== undefined) {
          await this.store.recordFailure(admitted.key, policy, now).catch(() => false);
        }
      }
      if (settled.ok && !lost && (admitted.probe || admitted.state?.health === "half-open")) {
        await this.store.recordSuccess(admitted.key, now).catch(() => undefined);
      }
    }
    if (!settled.ok) return settled;
    if (lost) {
      run.dispose(settled.value);
      return { ok: false, error: new GatewayError("cancelled", "Another hedged attempt answered first.") };
    }
    return {
      ok: true,
      value: {
        value: settled.value,
        admitted,
        group: launched.group,
        startedAt: launched.startedAt,
        detach: launched.detach,
      },
    };
  }
}

const NO_DETACH = (): void => {};

export function deadlineError(): GatewayError {
  return new GatewayError("timeout", "The request's deadline passed before a deployment answered.", {
    reason: "deadline_exceeded",
  });
}
