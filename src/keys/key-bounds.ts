import { parseDurationSeconds } from "./durations.js";
import type { Limits, ModelLimit, Team, VirtualKey } from "./key-types.js";
import { listCovers } from "./model-access.js";

/**
 * What a new or changed key must stay within: its team, and (for keys minted by a non-admin) the creator's own
 * key. Guard 3 of GUARDS.md: nothing created exceeds its creator.
 */
export interface KeyBound {
  /** "team" or "creator", used in error messages. */
  kind: "team" | "creator";
  models: readonly string[];
  limits: Limits;
  expiresAt?: Date | undefined;
  maxLifetimeSeconds?: number | undefined;
}

/** The shape of a key that bounds are checked on. */
export interface BoundedKey {
  models: string[];
  limits: Limits;
  expiresAt?: Date | undefined;
  /** When the key's lifetime started (its creation), for a team's maximum key lifetime. */
  createdAt: Date;
  /** True when expiresAt was filled from a bound rather than chosen by the caller (a later bound may lower it). */
  expiryInherited?: boolean | undefined;
}

export interface Excess {
  /** The field at fault, as a FieldMask path ("limits.rpm_limit"). */
  param: string;
  message: string;
}

export function teamBound(team: Team): KeyBound {
  return {
    kind: "team",
    models: team.models,
    limits: team.limits,
    maxLifetimeSeconds: team.maxKeyDurationSeconds,
  };
}

export function creatorBound(creator: VirtualKey): KeyBound {
  return { kind: "creator", models: creator.models, limits: creator.limits, expiresAt: creator.expiresAt };
}

const CAPPED_LIMITS = [
  ["maxBudget", "limits.max_budget"],
  ["rpmLimit", "limits.rpm_limit"],
  ["tpmLimit", "limits.tpm_limit"],
  ["maxParallelRequests", "limits.max_parallel_requests"],
] as const;

const MODEL_LIMIT_FIELDS = [
  ["rpmLimit", "rpm_limit", "rpmLimit"],
  ["tpmLimit", "tpm_limit", "tpmLimit"],
  ["maxBudget", "max_budget", "maxBudget"],
] as const;

/**
 * Fills what the caller left unset from a bound, so that "unset" never means "more than the creator": the
 * creator's models, limits, per-model limits and expiry; a team's maximum key lifetime.
 */
export function inheritFrom(key: BoundedKey, bound: KeyBound): BoundedKey {
  const limits: Limits = {
    ...key.limits,
    modelLimits: key.limits.modelLimits.map((limit) => ({ ...limit })),
  };
  let models = key.models;
  if (bound.kind === "creator") {
    if (models.length === 0) models = [...bound.models];
    for (const [field] of CAPPED_LIMITS) {
      if (limits[field] === undefined) limits[field] = bound.limits[field];
    }
    if (
      limits.maxBudget !== undefined &&
      limits.budgetDuration === undefined &&
      bound.limits.maxBudget !== undefined
    ) {
      limits.budgetDuration = bound.limits.budgetDuration;
    }
    for (const parentLimit of bound.limits.modelLimits) {
      if (!limits.modelLimits.some((limit) => limit.model === parentLimit.model)) {
        limits.modelLimits.push({ ...parentLimit });
      }
    }
  }
  let expiresAt = key.expiresAt;
  let expiryInherited = key.expiryInherited;
  const latest = latestExpiry(key, bound);
  const unset = expiresAt === undefined || expiryInherited === true;
  if (unset && latest !== undefined && (expiresAt === undefined || latest.getTime() < expiresAt.getTime())) {
    expiresAt = latest;
    expiryInherited = true;
  }
  return { ...key, models, limits, expiresAt, expiryInherited };
}

/** The first way the key exceeds the bound, or undefined when it stays within. */
export function findExcess(key: BoundedKey, bound: KeyBound): Excess | undefined {
  const of = bound.kind === "team" ? "the team's" : "your key's";
  if (bound.models.length > 0) {
    // An empty list on a team key means "the team's models"; for a creator bound it would mean more than the creator.
    const within = key.models.length === 0 ? bound.kind === "team" : listCovers(bound.models, key.models);
    if (!within) return { param: "models", message: `models grants models outside ${of} allowed models.` };
  }
  for (const [field, param] of CAPPED_LIMITS) {
    const cap = bound.limits[field];
    if (cap === undefined) continue;
    const value = key.limits[field];
    if (value === undefined) {
      if (bound.kind === "team") continue; // the team's own counter caps it
      return { param, message: `${param} must be set, at most ${cap} (${of} limit).` };
    }
    if (value > cap) return { param, message: `${param} is ${value}, above ${of} limit of ${cap}.` };
  }
  if (key.limits.softBudget !== undefined && bound.limits.maxBudget !== undefined) {
    if (key.limits.softBudget > bound.limits.maxBudget) {
      return { param: "limits.soft_budget", message: `limits.soft_budget is above ${of} max_budget.` };
    }
  }
  if (bound.limits.maxBudget !== undefined && key.limits.maxBudget !== undefined) {
    const parentPeriod = periodSeconds(bound.limits.budgetDuration);
    const childPeriod = periodSeconds(key.limits.budgetDuration);
    // A budget that resets more often than its parent's can spend more than the parent over the parent's period.
    if (childPeriod < parentPeriod) {
      return {
        param: "limits.budget_duration",
        message: `limits.budget_duration resets more often than ${of} budget (${bound.limits.budgetDuration ?? "never"}).`,
      };
    }
  }
  for (const limit of key.limits.modelLimits) {
    const excess = modelLimitExcess(limit, bound, of);
    if (excess !== undefined) return excess;
  }
  if (bound.kind === "creator") {
    for (const parentLimit of bound.limits.modelLimits) {
      if (!key.limits.modelLimits.some((limit) => limit.model === parentLimit.model)) {
        return {
          param: "limits.model_limits",
          message: `limits.model_limits must keep ${of} limit for model '${parentLimit.model}'.`,
        };
      }
    }
  }
  const latest = latestExpiry(key, bound);
  if (latest !== undefined) {
    if (key.expiresAt === undefined || key.expiresAt.getTime() > latest.getTime()) {
      return {
        param: "expire_time",
        message: `expire_time must be no later than ${latest.toISOString()} (${of} limit).`,
      };
    }
  }
  return undefined;
}

function modelLimitExcess(limit: ModelLimit, bound: KeyBound, of: string): Excess | undefined {
  const parent = bound.limits.modelLimits.find((candidate) => candidate.model === limit.model);
  for (const [field, name, overall] of MODEL_LIMIT_FIELDS) {
    const value = limit[field];
    const caps = [parent?.[field], bound.limits[overall]].filter((cap): cap is number => cap !== undefined);
    if (value === undefined) {
      if (bound.kind === "creator" && parent?.[field] !== undefined) {
        return {
          param: "limits.model_limits",
          message: `limits.model_limits: ${name} for '${limit.model}' must be set (${of} limit).`,
        };
      }
      continue;
    }
    const cap = Math.min(...caps);
    if (caps.length > 0 && value > cap) {
      return {
        param: "limits.model_limits",
        message: `limits.model_limits: ${name} for '${limit.model}' is above ${of} limit of ${cap}.`,
      };
    }
  }
  return undefined;
}

/** The latest expiry a bound allows for this key, if it sets one. */
function latestExpiry(key: BoundedKey, bound: KeyBound): Date | undefined {
  const candidates: number[] = [];
  if (bound.expiresAt !== undefined) candidates.push(bound.expiresAt.getTime());
  if (bound.maxLifetimeSeconds !== undefined) {
    candidates.push(key.createdAt.getTime() + bound.maxLifetimeSeconds * 1_000);
  }
  return candidates.length === 0 ? undefined : new Date(Math.min(...candidates));
}

/** A budget period in seconds; no duration means the budget never resets (an infinite period). */
function periodSeconds(duration: string | undefined): number {
  if (duration === undefined) return Number.POSITIVE_INFINITY;
  return parseDurationSeconds(duration) ?? Number.POSITIVE_INFINITY;
}
