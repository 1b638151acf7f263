import type { ErrorKind } from "../core/errors/error-kind.js";
import type { GatewayError } from "../core/errors/gateway-error.js";
import { type ErrorClassCounts, errorClassOf } from "./error-classes.js";
import type { FailurePolicy } from "./state/deployment-state.js";

export interface CooldownOptions {
  /** Failures per window before a cooldown (LiteLLM `allowed_fails`, default 3). */
  allowedFails: number;
  /** Per-class overrides (LiteLLM `allowed_fails_policy`). */
  allowedFailsPolicy: ErrorClassCounts;
  /** Cooldown length, ms (LiteLLM `cooldown_time`, default 5 s). */
  cooldownMs: number;
  /** Failures are counted over this window, ms (LiteLLM: one minute). */
  windowMs: number;
  /** LiteLLM `disable_cooldowns`. */
  disabled: boolean;
}

/** A Retry-After longer than the cooldown lengthens it, up to this. */
const MAX_RETRY_AFTER_COOLDOWN_MS = 5 * 60_000;

/**
 * Whether a failure counts against the deployment's health, and how. A deployment fails on its own account when
 * it is unreachable, overloaded, rate-limited, slow, or rejects our credential; a bad request, a content-policy
 * refusal or a too-long prompt is the request's fault and counts only when `allowed_fails_policy` names its class.
 * A failed half-open probe cools the deployment down again at once.
 */
export function failurePolicy(
  error: GatewayError,
  probe: boolean,
  options: CooldownOptions,
): FailurePolicy | undefined {
  if (options.disabled) return undefined;
  const errorClass = errorClassOf(error.kind);
  if (errorClass === undefined) return undefined;
  const configured = options.allowedFailsPolicy[errorClass];
  if (configured === undefined && !countsByDefault(error.kind)) return undefined;
  const retryAfter = error.kind === "upstream_rate_limited" ? (error.retryAfterMs ?? 0) : 0;
  return {
    allowedFails: configured ?? options.allowedFails,
    windowMs: options.windowMs,
    cooldownMs: Math.max(options.cooldownMs, Math.min(retryAfter, MAX_RETRY_AFTER_COOLDOWN_MS)),
    immediate: probe,
  };
}

function countsByDefault(kind: ErrorKind): boolean {
  return (
    kind === "upstream_rate_limited" ||
    kind === "upstream_unavailable" ||
    kind === "timeout" ||
    kind === "connection_error" ||
    kind === "upstream_auth" ||
    kind === "upstream_protocol"
  );
}
