import { create, type JsonObject } from "@bufbuild/protobuf";
import {
  type Duration,
  durationFromMs,
  durationMs,
  type Timestamp,
  timestampDate,
  timestampFromDate,
} from "@bufbuild/protobuf/wkt";
import {
  type Key,
  KeyRole,
  KeySchema,
  KeyState,
  LimitsSchema,
  ModelLimitSchema,
  type Limits as ProtoLimits,
  type ModelLimit as ProtoModelLimit,
  type Team as ProtoTeam,
  TeamMemberSchema,
  TeamRole,
  TeamSchema,
} from "../../gen/switchboard/v1/keys_service_pb.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type { PrincipalRole } from "../core/types/principal.js";
import type { KeyDraft, KeyView, TeamDraft, TeamView } from "../keys/key-manager.js";
import type { KeyState as DomainKeyState, Limits, ModelLimit, TeamMemberRole } from "../keys/key-types.js";

/** Proto ↔ domain for the Keys service. Pure functions; validation of values is the domain's. */

export function roleFromProto(role: KeyRole): PrincipalRole | undefined {
  switch (role) {
    case KeyRole.UNSPECIFIED:
      return undefined;
    case KeyRole.ADMIN:
      return "admin";
    case KeyRole.TEAM_ADMIN:
      return "team_admin";
    case KeyRole.USER:
      return "user";
    case KeyRole.VIEWER:
      return "viewer";
    default:
      throw invalidRequest("role is not a known KeyRole.", "key.role");
  }
}

export function roleToProto(role: PrincipalRole): KeyRole {
  switch (role) {
    case "admin":
      return KeyRole.ADMIN;
    case "team_admin":
      return KeyRole.TEAM_ADMIN;
    case "user":
      return KeyRole.USER;
    case "viewer":
      return KeyRole.VIEWER;
  }
}

export function stateFromProto(state: KeyState): DomainKeyState | undefined {
  switch (state) {
    case KeyState.UNSPECIFIED:
      return undefined;
    case KeyState.ACTIVE:
      return "active";
    case KeyState.BLOCKED:
      return "blocked";
    case KeyState.REVOKED:
      return "revoked";
    case KeyState.EXPIRED:
      return "expired";
    default:
      throw invalidRequest("state is not a known KeyState.", "state");
  }
}

function stateToProto(state: DomainKeyState): KeyState {
  switch (state) {
    case "active":
      return KeyState.ACTIVE;
    case "blocked":
      return KeyState.BLOCKED;
    case "revoked":
      return KeyState.REVOKED;
    case "expired":
      return KeyState.EXPIRED;
  }
}

export function teamRoleFromProto(role: TeamRole): TeamMemberRole {
  switch (role) {
    case TeamRole.UNSPECIFIED:
    case TeamRole.MEMBER:
      return "member";
    case TeamRole.ADMIN:
      return "admin";
    default:
      throw invalidRequest("member.role is not a known TeamRole.", "member.role");
  }
}

function int(value: bigint | undefined, param: string): number | undefined {
  if (value === undefined) return undefined;
  if (value < 0n) throw invalidRequest(`${param} must be zero or positive.`, param);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidRequest(`${param} is too large.`, param);
  return Number(value);
}

function big(value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(Math.trunc(value));
}

export function limitsFromProto(limits: ProtoLimits | undefined, prefix: string): Limits | undefined {
  if (limits === undefined) return undefined;
  return {
    maxBudget: limits.maxBudget,
    budgetDuration: limits.budgetDuration === "" ? undefined : limits.budgetDuration,
    softBudget: limits.softBudget,
    rpmLimit: int(limits.rpmLimit, `${prefix}limits.rpm_limit`),
    tpmLimit: int(limits.tpmLimit, `${prefix}limits.tpm_limit`),
    maxParallelRequests: int(limits.maxParallelRequests, `${prefix}limits.max_parallel_requests`),
    modelLimits: limits.modelLimits.map(
      (limit: ProtoModelLimit): ModelLimit => ({
        model: limit.model,
        rpmLimit: int(limit.rpmLimit, `${prefix}limits.model_limits.rpm_limit`),
        tpmLimit: int(limit.tpmLimit, `${prefix}limits.model_limits.tpm_limit`),
        maxBudget: limit.maxBudget,
      }),
    ),
  };
}

function limitsToProto(limits: Limits): ProtoLimits {
  return create(LimitsSchema, {
    maxBudget: limits.maxBudget,
    budgetDuration: limits.budgetDuration ?? "",
    softBudget: limits.softBudget,
    rpmLimit: big(limits.rpmLimit),
    tpmLimit: big(limits.tpmLimit),
    maxParallelRequests: big(limits.maxParallelRequests),
    modelLimits: limits.modelLimits.map((limit) =>
      create(ModelLimitSchema, {
        model: limit.model,
        rpmLimit: big(limit.rpmLimit),
        tpmLimit: big(limit.tpmLimit),
        maxBudget: limit.maxBudget,
      }),
    ),
  });
}

function time(timestamp: Timestamp | undefined, param: string): Date | undefined {
  if (timestamp === undefined) return undefined;
  const date = timestampDate(timestamp);
  if (Number.isNaN(date.getTime())) throw invalidRequest(`${param} is not a valid time.`, param);
  return date;
}

function stamp(date: Date | undefined): Timestamp | undefined {
  return date === undefined ? undefined : timestampFromDate(date);
}

export function seconds(duration: Duration | undefined, param: string): number | undefined {
  if (duration === undefined) return undefined;
  const ms = durationMs(duration);
  if (!Number.isFinite(ms) || ms < 0) throw invalidRequest(`${param} must not be negative.`, param);
  return ms / 1_000;
}

function emptyToUndefined(text: string): string | undefined {
  return text === "" ? undefined : text;
}

const OUTPUT_ONLY_KEY_FIELDS = [
  ["keyId", "key_id"],
  ["state", "state"],
  ["displaySecret", "display_secret"],
  ["spend", "spend"],
  ["budgetResetTime", "budget_reset_time"],
  ["createdBy", "created_by"],
  ["createTime", "create_time"],
  ["updateTime", "update_time"],
  ["etag", "etag"],
  ["previousSecretExpireTime", "previous_secret_expire_time"],
] as const;

/** CreateKey's key: output-only fields must be empty (so that no caller can set state, spend or ids). */
export function keyDraftForCreate(key: Key | undefined): KeyDraft {
  if (key === undefined) return {};
  for (const [field, name] of OUTPUT_ONLY_KEY_FIELDS) {
    const value = key[field];
    const set = value !== undefined && value !== "" && value !== 0 && value !== KeyState.UNSPECIFIED;
    if (set) throw invalidRequest(`key.${name} is output only; leave it empty.`, `key.${name}`);
  }
  return keyDraft(key);
}

export function keyDraft(key: Key): KeyDraft {
  return {
    displayName: emptyToUndefined(key.displayName),
    userId: emptyToUndefined(key.userId),
    teamId: emptyToUndefined(key.teamId),
    role: roleFromProto(key.role),
    models: key.models.length === 0 ? undefined : [...key.models],
    limits: limitsFromProto(key.limits, "key."),
    expiresAt: time(key.expireTime, "key.expire_time"),
    metadata: key.metadata === undefined ? undefined : (key.metadata as Record<string, unknown>),
    tags: key.tags.length === 0 ? undefined : [...key.tags],
  };
}

export function keyToProto(view: KeyView): Key {
  const { key } = view;
  return create(KeySchema, {
    keyId: key.keyId,
    displayName: key.displayName,
    userId: key.userId ?? "",
    teamId: key.teamId ?? "",
    role: roleToProto(key.role),
    models: key.models,
    limits: limitsToProto(key.limits),
    expireTime: stamp(key.expiresAt),
    metadata: key.metadata as JsonObject,
    tags: key.tags,
    state: stateToProto(view.state),
    displaySecret: key.displaySecret,
    spend: key.spend,
    budgetResetTime: stamp(key.budgetResetAt),
    createdBy: key.createdBy,
    createTime: stamp(key.createdAt),
    updateTime: stamp(key.updatedAt),
    etag: view.etag,
    previousSecretExpireTime: stamp(key.previousSecretExpiresAt),
  });
}

export function teamDraft(team: ProtoTeam | undefined, forCreate = true): TeamDraft {
  if (team === undefined) return {};
  if (forCreate) checkTeamOutputOnly(team);
  return {
    teamId: emptyToUndefined(team.teamId),
    displayName: emptyToUndefined(team.displayName),
    models: team.models.length === 0 ? undefined : [...team.models],
    limits: limitsFromProto(team.limits, "team."),
    maxKeyDurationSeconds: seconds(team.maxKeyDuration, "team.max_key_duration"),
    metadata: team.metadata === undefined ? undefined : (team.metadata as Record<string, unknown>),
    tags: team.tags.length === 0 ? undefined : [...team.tags],
  };
}

/** On create, output-only fields must be empty; on update they are ignored (AIP-203). */
function checkTeamOutputOnly(team: ProtoTeam): void {
  if (team.members.length > 0) {
    throw invalidRequest("team.members is output only; use AddTeamMember.", "team.members");
  }
  if (team.spend !== 0) throw invalidRequest("team.spend is output only.", "team.spend");
  if (team.createTime !== undefined || team.updateTime !== undefined) {
    throw invalidRequest("team.create_time and team.update_time are output only.", "team.create_time");
  }
  if (team.etag !== "") throw invalidRequest("team.etag is output only.", "team.etag");
}

export function teamToProto(view: TeamView): ProtoTeam {
  const { team } = view;
  return create(TeamSchema, {
    teamId: team.teamId,
    displayName: team.displayName,
    models: team.models,
    limits: limitsToProto(team.limits),
    maxKeyDuration:
      team.maxKeyDurationSeconds === undefined
        ? undefined
        : durationFromMs(team.maxKeyDurationSeconds * 1_000),
    metadata: team.metadata as JsonObject,
    tags: team.tags,
    members: team.members.map((member) =>
      create(TeamMemberSchema, {
        userId: member.userId,
        role: member.role === "admin" ? TeamRole.ADMIN : TeamRole.MEMBER,
      }),
    ),
    spend: team.spend,
    createTime: stamp(team.createdAt),
    updateTime: stamp(team.updatedAt),
    etag: view.etag,
  });
}

/**
 * Binary (gRPC) requests keep fields this server does not know as `$unknown`; JSON requests already fail on
 * them. Either way an unknown field is InvalidArgument: a client that thinks it set something must learn it did not.
 */
export function rejectUnknownFields(message: unknown, path = ""): void {
  if (typeof message !== "object" || message === null) return;
  const record = message as Record<string, unknown>;
  const unknown = record["$unknown"];
  if (Array.isArray(unknown) && unknown.length > 0) {
    const first = unknown[0] as { no?: number } | undefined;
    const where = path === "" ? "the request" : path;
    throw invalidRequest(
      `Unknown field number ${first?.no ?? "?"} in ${where}.`,
      path === "" ? undefined : path,
    );
  }
  for (const [name, value] of Object.entries(record)) {
    if (name.startsWith("$") || name === "metadata") continue;
    const child = path === "" ? name : `${path}.${name}`;
    if (Array.isArray(value)) for (const item of value) rejectUnknownFields(item, child);
    else if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
      rejectUnknownFields(value, child);
    }
  }
}
