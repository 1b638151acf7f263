import type { PrincipalLimits, PrincipalRole } from "../core/types/principal.js";

/** Stored life-cycle state; "expired" is never stored, it is derived from expiresAt. */
export type StoredKeyState = "active" | "blocked" | "revoked";
export type KeyState = StoredKeyState | "expired";
export type TeamMemberRole = "admin" | "member";

/** One model's own limits below the key's or team's overall ones. */
export interface ModelLimit {
  model: string;
  rpmLimit?: number | undefined;
  tpmLimit?: number | undefined;
  maxBudget?: number | undefined;
}

/** Budget and rate limits of a key or team. Undefined means "no limit of its own". */
export interface Limits {
  maxBudget?: number | undefined;
  /** "30s", "10m", "24h", "30d"; undefined: the budget never resets. */
  budgetDuration?: string | undefined;
  softBudget?: number | undefined;
  rpmLimit?: number | undefined;
  tpmLimit?: number | undefined;
  maxParallelRequests?: number | undefined;
  modelLimits: ModelLimit[];
}

/** A virtual key as the domain sees it. Never holds the secret. */
export interface VirtualKey {
  keyId: string;
  displayName: string;
  userId?: string | undefined;
  teamId?: string | undefined;
  role: PrincipalRole;
  /** Names, aliases or wildcards; empty means "whatever the team allows" (or everything without a team). */
  models: string[];
  limits: Limits;
  expiresAt?: Date | undefined;
  metadata: Record<string, unknown>;
  tags: string[];
  storedState: StoredKeyState;
  displaySecret: string;
  spend: number;
  budgetResetAt?: Date | undefined;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  /** When the newest rotated-away secret stops working, if one is still in its grace period. */
  previousSecretExpiresAt?: Date | undefined;
}

export interface TeamMember {
  userId: string;
  role: TeamMemberRole;
}

export interface Team {
  teamId: string;
  displayName: string;
  models: string[];
  limits: Limits;
  maxKeyDurationSeconds?: number | undefined;
  metadata: Record<string, unknown>;
  tags: string[];
  members: TeamMember[];
  spend: number;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** The state a caller sees: expiry wins over active and blocked; revoked wins over everything. */
export function keyState(key: Pick<VirtualKey, "storedState" | "expiresAt">, now: Date): KeyState {
  if (key.storedState === "revoked") return "revoked";
  if (key.expiresAt !== undefined && key.expiresAt.getTime() <= now.getTime()) return "expired";
  return key.storedState;
}

/** The limits as the Principal carries them to the usage checks. */
export function toPrincipalLimits(limits: Limits): PrincipalLimits {
  return {
    maxBudget: limits.maxBudget,
    budgetDuration: limits.budgetDuration,
    softBudget: limits.softBudget,
    rpmLimit: limits.rpmLimit,
    tpmLimit: limits.tpmLimit,
    maxParallelRequests: limits.maxParallelRequests,
    modelLimits: limits.modelLimits.map((limit) => ({ ...limit })),
  };
}

export function emptyLimits(): Limits {
  return { modelLimits: [] };
}
