import { GatewayError } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";
import type { InvalidationBus } from "./invalidation-bus.js";
import type { Limits } from "./key-types.js";

/**
 * The rules the key and team managers share: etag checks, the errors they render from, who may manage, and how a
 * change is announced to the other replicas.
 */

export function checkEtag(given: string | undefined, current: string): void {
  if (given !== undefined && given !== "" && given !== current) throw staleEtag();
}

export function staleEtag(): GatewayError {
  return new GatewayError(
    "conflict",
    "etag does not match: the resource changed since you read it. Read it again.",
    {
      param: "etag",
      reason: "etag_mismatch",
    },
  );
}

export function invalidState(message: string): GatewayError {
  return new GatewayError("conflict", message, { param: "state", reason: "invalid_state" });
}

export function denied(param: string | undefined, message: string): GatewayError {
  return new GatewayError("permission_denied", message, { param, reason: "permission_denied" });
}

export function notFound(param: string, message: string): GatewayError {
  return new GatewayError("not_found", message, { param, reason: "not_found" });
}

export function requireAdmin(principal: Principal): void {
  if (principal.role !== "admin") throw denied(undefined, "Only an admin may do this.");
}

export function requireManager(principal: Principal): void {
  if (principal.role !== "admin" && principal.role !== "team_admin") {
    throw denied(undefined, "Only an admin or a team admin may manage keys.");
  }
}

/** Announces a change; a notice that cannot reach Redis is reported, not thrown (the change is committed). */
export async function publishSafely(
  bus: InvalidationBus,
  onError: (error: unknown) => void,
  invalidation: Parameters<InvalidationBus["publish"]>[0],
): Promise<void> {
  try {
    await bus.publish(invalidation);
  } catch (error) {
    onError(error);
  }
}

/**
 * `metadata.guardrails` enforces guardrails on a key or team (docs/guardrails.md): only an admin may change it on
 * an existing key or team, so a team admin cannot lift a guardrail an admin set (GUARDS 3).
 */
export function assertGuardrailsKept(
  principal: Principal,
  before: Record<string, unknown>,
  after: Record<string, unknown> | undefined,
): void {
  if (principal.role === "admin" || after === undefined) return;
  if (JSON.stringify(before["guardrails"] ?? null) !== JSON.stringify(after["guardrails"] ?? null)) {
    throw denied("metadata.guardrails", "Only an admin may change the guardrails a key or team enforces.");
  }
}

/**
 * One `limits.*` field-mask path of a key or team update: copies that limit from `given` into `limits`. False when
 * the path names no limit (the caller handles its other fields).
 */
export function applyLimitPath(limits: Limits, given: Limits, path: string): boolean {
  switch (path) {
    case "limits.max_budget":
      limits.maxBudget = given.maxBudget;
      return true;
    case "limits.budget_duration":
      limits.budgetDuration = given.budgetDuration;
      return true;
    case "limits.soft_budget":
      limits.softBudget = given.softBudget;
      return true;
    case "limits.rpm_limit":
      limits.rpmLimit = given.rpmLimit;
      return true;
    case "limits.tpm_limit":
      limits.tpmLimit = given.tpmLimit;
      return true;
    case "limits.max_parallel_requests":
      limits.maxParallelRequests = given.maxParallelRequests;
      return true;
    case "limits.model_limits":
      limits.modelLimits = given.modelLimits;
      return true;
    default:
      return false;
  }
}
