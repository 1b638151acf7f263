import type { PrincipalRole } from "../core/types/principal.js";

/**
 * Paths of a key that a caller may write, spelled as in the proto's FieldMask. The REST edge maps LiteLLM's
 * field names onto them, so per-role rules and error `param`s are decided here once.
 */
export const KEY_FIELD_PATHS = [
  "display_name",
  "user_id",
  "team_id",
  "role",
  "models",
  "limits.max_budget",
  "limits.budget_duration",
  "limits.soft_budget",
  "limits.rpm_limit",
  "limits.tpm_limit",
  "limits.max_parallel_requests",
  "limits.model_limits",
  "expire_time",
  "metadata",
  "tags",
] as const;

export type KeyFieldPath = (typeof KEY_FIELD_PATHS)[number];

export const TEAM_FIELD_PATHS = [
  "display_name",
  "models",
  "limits.max_budget",
  "limits.budget_duration",
  "limits.soft_budget",
  "limits.rpm_limit",
  "limits.tpm_limit",
  "limits.max_parallel_requests",
  "limits.model_limits",
  "max_key_duration",
  "metadata",
  "tags",
] as const;

export type TeamFieldPath = (typeof TEAM_FIELD_PATHS)[number];

const ALL_KEY_FIELDS: ReadonlySet<KeyFieldPath> = new Set(KEY_FIELD_PATHS);
const NO_FIELDS = new Set<never>();

/**
 * Which key fields each role may change with UpdateKey (no mass assignment: anything else in the mask is
 * PermissionDenied naming the field). State, secrets, spend and timestamps are never writable here.
 * On CreateKey a team admin may also name `team_id` (its own team only) and `role` (user or viewer only).
 */
export const WRITABLE_KEY_FIELDS: Readonly<Record<PrincipalRole, ReadonlySet<KeyFieldPath>>> = {
  admin: ALL_KEY_FIELDS,
  team_admin: new Set(KEY_FIELD_PATHS.filter((path) => path !== "team_id" && path !== "role")),
  user: NO_FIELDS,
  viewer: NO_FIELDS,
};

/** Which team fields each role may change with UpdateTeam: team admins may rename and label, never raise caps. */
export const WRITABLE_TEAM_FIELDS: Readonly<Record<PrincipalRole, ReadonlySet<TeamFieldPath>>> = {
  admin: new Set(TEAM_FIELD_PATHS),
  team_admin: new Set<TeamFieldPath>(["display_name", "metadata", "tags"]),
  user: NO_FIELDS,
  viewer: NO_FIELDS,
};

/** Expands a mask path: "limits" stands for every limits.* field. */
export function expandKeyPath(path: string): KeyFieldPath[] | undefined {
  if (path === "limits") return KEY_FIELD_PATHS.filter((candidate) => candidate.startsWith("limits."));
  return (KEY_FIELD_PATHS as readonly string[]).includes(path) ? [path as KeyFieldPath] : undefined;
}

export function expandTeamPath(path: string): TeamFieldPath[] | undefined {
  if (path === "limits") return TEAM_FIELD_PATHS.filter((candidate) => candidate.startsWith("limits."));
  return (TEAM_FIELD_PATHS as readonly string[]).includes(path) ? [path as TeamFieldPath] : undefined;
}
