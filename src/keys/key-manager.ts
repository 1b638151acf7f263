import { createHash } from "node:crypto";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { Principal, PrincipalRole } from "../core/types/principal.js";
import type { InvalidationBus } from "./invalidation-bus.js";
import {
  type BoundedKey,
  creatorBound,
  findExcess,
  inheritFrom,
  type KeyBound,
  teamBound,
} from "./key-bounds.js";
import {
  type KeyFieldPath,
  type TeamFieldPath,
  WRITABLE_KEY_FIELDS,
  WRITABLE_TEAM_FIELDS,
} from "./key-fields.js";
import { generateSecret, newId, secretDisplay, secretLookupHash } from "./key-secret.js";
import type { KeyChanges, KeyListFilter, KeyStore, TeamChanges } from "./key-store.js";
import {
  emptyLimits,
  type KeyState,
  keyState,
  type Limits,
  type StoredKeyState,
  type Team,
  type TeamMemberRole,
  type VirtualKey,
} from "./key-types.js";
import {
  checkFutureExpiry,
  checkId,
  checkLimits,
  checkMetadata,
  checkModels,
  checkTags,
  checkText,
} from "./key-validation.js";
import { decodePageToken, encodePageToken, pageSize, queryFingerprint } from "./page-token.js";

/** What a caller may set on a key; absent fields are unset (create) or untouched unless in the mask (update). */
export interface KeyDraft {
  displayName?: string | undefined;
  userId?: string | undefined;
  teamId?: string | undefined;
  role?: PrincipalRole | undefined;
  models?: string[] | undefined;
  limits?: Limits | undefined;
  expiresAt?: Date | undefined;
  metadata?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
}

export interface TeamDraft {
  teamId?: string | undefined;
  displayName?: string | undefined;
  models?: string[] | undefined;
  limits?: Limits | undefined;
  maxKeyDurationSeconds?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
}

/** A key as the edges render it: the stored key plus its derived state and etag. */
export interface KeyView {
  key: VirtualKey;
  state: KeyState;
  etag: string;
}

export interface TeamView {
  team: Team;
  etag: string;
}

export interface KeyPage {
  keys: KeyView[];
  nextPageToken: string;
}

export interface TeamPage {
  teams: TeamView[];
  nextPageToken: string;
}

export interface KeyManagerOptions {
  store: KeyStore;
  bus: InvalidationBus;
  now?: () => Date;
  /** Called when a notice could not reach Redis (the change is committed; other replicas use their short TTL). */
  onPublishError?: (error: unknown) => void;
}

/** Longest grace period a rotated-away secret may keep working. */
export const MAX_GRACE_SECONDS = 30 * 86_400;

/**
 * The keys and teams domain, transport-neutral: both edges (KeysService, LiteLLM REST routes) call it with the
 * authenticated principal. It decides scope (admin: all; team admin: its own team's user/viewer keys; others:
 * their own key, read-only), per-role writable fields, the child-within-parent rule, etags, and publishes an
 * invalidation for every change that can affect authentication.
 */
export class KeyManager {
  private readonly store: KeyStore;
  private readonly bus: InvalidationBus;
  private readonly now: () => Date;
  private readonly onPublishError: (error: unknown) => void;

  constructor(options: KeyManagerOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.now = options.now ?? (() => new Date());
    this.onPublishError = options.onPublishError ?? (() => {});
  }

  async createKey(
    principal: Principal,
    draft: KeyDraft,
    ttlSeconds?: number,
  ): Promise<{ view: KeyView; secret: string }> {
    const now = this.now();
    requireManager(principal);
    validateKeyDraft(draft, now);
    if (ttlSeconds !== undefined) {
      if (draft.expiresAt !== undefined) throw invalidRequest("Set expire_time or ttl, not both.", "ttl");
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
        throw invalidRequest("ttl must be positive.", "ttl");
      draft = { ...draft, expiresAt: new Date(now.getTime() + ttlSeconds * 1_000) };
    }
    const role: PrincipalRole = draft.role ?? "user";
    let teamId = draft.teamId;
    if (principal.role === "team_admin") {
      if (teamId !== undefined && teamId !== principal.teamId) {
        throw denied("team_id", "A team admin may create keys only in its own team.");
      }
      teamId = principal.teamId;
      if (role !== "user" && role !== "viewer") {
        throw denied("role", "A team admin may create user and viewer keys only.");
      }
    }
    const team = await this.teamFor(teamId);
    if (principal.role === "team_admin" && team === undefined) {
      throw denied("team_id", "This team admin key has no team.");
    }
    if (role === "team_admin" && team === undefined) {
      throw invalidRequest("A team admin key needs a team_id.", "team_id");
    }
    const bounds = await this.boundsFor(principal, team);
    let shape: BoundedKey = {
      models: draft.models ?? [],
      limits: draft.limits ?? emptyLimits(),
      expiresAt: draft.expiresAt,
      createdAt: now,
    };
    for (const bound of bounds) shape = inheritFrom(shape, bound);
    assertWithin(shape, bounds);
    const secret = generateSecret();
    const key: VirtualKey = {
      keyId: newId("key"),
      displayName: draft.displayName ?? "",
      userId: draft.userId,
      teamId,
      role,
      models: shape.models,
      limits: shape.limits,
      expiresAt: shape.expiresAt,
      metadata: draft.metadata ?? {},
      tags: draft.tags ?? [],
      storedState: "active",
      displaySecret: secretDisplay(secret),
      spend: 0,
      budgetResetAt: undefined,
      createdBy: principal.keyId,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await this.store.insertKey(key, secretLookupHash(secret));
    return { view: view(key, now), secret };
  }

  async getKey(principal: Principal, keyId: string): Promise<KeyView> {
    const key = await this.readableKey(principal, keyId);
    return view(key, this.now());
  }

  /** Resolves a secret passed in a request body (LiteLLM clients send the key itself) to its id. */
  async keyIdForSecret(secret: string): Promise<string | undefined> {
    if (secret.length > 512) return undefined;
    const found = await this.store.findKeyBySecretHash(secretLookupHash(secret), this.now());
    return found?.key.keyId;
  }

  async listKeys(
    principal: Principal,
    filter: KeyListFilter,
    page: { pageSize?: number | undefined; pageToken?: string | undefined },
  ): Promise<KeyPage> {
    const now = this.now();
    const scoped: KeyListFilter = { ...filter };
    switch (principal.role) {
      case "admin":
        break;
      case "team_admin":
        if (filter.teamId !== undefined && filter.teamId !== principal.teamId) {
          throw denied("team_id", "A team admin may list its own team's keys only.");
        }
        scoped.teamId = principal.teamId ?? "\u0000none";
        break;
      case "user":
      case "viewer":
        scoped.keyId = principal.keyId;
        break;
    }
    const size = pageSize(page.pageSize);
    const fingerprint = queryFingerprint(["keys", principal.keyId, scoped]);
    const cursor = decodePageToken(page.pageToken ?? "", fingerprint);
    const keys = await this.store.listKeys(scoped, cursor, size + 1, now);
    const more = keys.length > size;
    const pageKeys = more ? keys.slice(0, size) : keys;
    const last = pageKeys[pageKeys.length - 1];
    return {
      keys: pageKeys.map((key) => view(key, now)),
      nextPageToken:
        more && last !== undefined
          ? encodePageToken(fingerprint, { createdAt: last.createdAt.toISOString(), id: last.keyId })
          : "",
    };
  }

  async updateKey(
    principal: Principal,
    keyId: string,
    paths: ReadonlySet<KeyFieldPath>,
    draft: KeyDraft,
    etag: string | undefined,
  ): Promise<KeyView> {
    const now = this.now();
    if (paths.size === 0) throw invalidRequest("update_mask names no field to change.", "update_mask");
    const writable = WRITABLE_KEY_FIELDS[principal.role];
    for (const path of paths) {
      if (!writable.has(path)) throw denied(path, `This key may not change ${path}.`);
    }
    const key = await this.managedKey(principal, keyId);
    checkEtag(etag, keyEtag(key));
    if (key.storedState === "revoked") throw invalidState("A revoked key cannot be changed.");
    validateKeyDraft(draft, now);
    const changes = applyKeyPaths(key, paths, draft);
    assertGuardrailsKept(principal, key.metadata, changes.metadata);
    const merged: VirtualKey = { ...key, ...changes };
    const team = await this.teamFor(merged.teamId);
    if (merged.role === "team_admin" && team === undefined) {
      throw invalidRequest("A team admin key needs a team_id.", "team_id");
    }
    const bounds = await this.boundsFor(principal, team);
    assertWithin(
      { models: merged.models, limits: merged.limits, expiresAt: merged.expiresAt, createdAt: key.createdAt },
      bounds,
    );
    const updated = await this.store.updateKey(keyId, key.version, changes, now);
    if (updated === undefined) throw staleEtag();
    await this.publish({ kind: "key", keyId });
    return view(updated, now);
  }

  async setKeyState(
    principal: Principal,
    keyId: string,
    target: StoredKeyState,
    etag: string | undefined,
  ): Promise<KeyView> {
    const now = this.now();
    const key = await this.managedKey(principal, keyId);
    checkEtag(etag, keyEtag(key));
    if (key.storedState === target) return view(key, now);
    if (key.storedState === "revoked") throw invalidState("A revoked key stays revoked.");
    if (target === "active" && key.storedState !== "blocked")
      throw invalidState("Only a blocked key can be unblocked.");
    const updated = await this.store.setKeyState(keyId, key.version, target, now);
    if (updated === undefined) throw staleEtag();
    await this.publish({ kind: "key", keyId });
    return view(updated, now);
  }

  async rotateKey(
    principal: Principal,
    keyId: string,
    graceSeconds: number,
    etag: string | undefined,
  ): Promise<{ view: KeyView; secret: string }> {
    const now = this.now();
    if (!Number.isFinite(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
      throw invalidRequest(
        `grace_period must be between 0 and ${MAX_GRACE_SECONDS} seconds.`,
        "grace_period",
      );
    }
    const key = await this.managedKey(principal, keyId);
    checkEtag(etag, keyEtag(key));
    if (key.storedState === "revoked") throw invalidState("A revoked key cannot be rotated.");
    const secret = generateSecret();
    const graceUntil = graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1_000) : undefined;
    const updated = await this.store.rotateKey(
      keyId,
      key.version,
      secretLookupHash(secret),
      secretDisplay(secret),
      graceUntil,
      now,
    );
    if (updated === undefined) throw staleEtag();
    await this.publish({ kind: "key", keyId });
    return { view: view(updated, now), secret };
  }

  async createTeam(principal: Principal, draft: TeamDraft): Promise<TeamView> {
    const now = this.now();
    requireAdmin(principal);
    validateTeamDraft(draft);
    const team: Team = {
      teamId: draft.teamId ?? newId("team"),
      displayName: draft.displayName ?? "",
      models: draft.models ?? [],
      limits: draft.limits ?? emptyLimits(),
      maxKeyDurationSeconds: draft.maxKeyDurationSeconds,
      metadata: draft.metadata ?? {},
      tags: draft.tags ?? [],
      members: [],
      spend: 0,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (!(await this.store.insertTeam(team))) {
      throw new GatewayError("conflict", `A team with team_id '${team.teamId}' already exists.`, {
        param: "team_id",
        reason: "already_exists",
      });
    }
    return teamView(team);
  }

  async getTeam(principal: Principal, teamId: string): Promise<TeamView> {
    return teamView(await this.visibleTeam(principal, teamId));
  }

  async listTeams(
    principal: Principal,
    page: { pageSize?: number | undefined; pageToken?: string | undefined },
  ): Promise<TeamPage> {
    let scope: string[] | undefined;
    if (principal.role === "team_admin") scope = principal.teamId === undefined ? [] : [principal.teamId];
    else if (principal.role !== "admin") throw denied(undefined, "This key may not list teams.");
    const size = pageSize(page.pageSize);
    const fingerprint = queryFingerprint(["teams", principal.keyId, scope ?? null]);
    const cursor = decodePageToken(page.pageToken ?? "", fingerprint);
    const teams = await this.store.listTeams(scope, cursor, size + 1);
    const more = teams.length > size;
    const pageTeams = more ? teams.slice(0, size) : teams;
    const last = pageTeams[pageTeams.length - 1];
    return {
      teams: pageTeams.map(teamView),
      nextPageToken:
        more && last !== undefined
          ? encodePageToken(fingerprint, { createdAt: last.createdAt.toISOString(), id: last.teamId })
          : "",
    };
  }

  async updateTeam(
    principal: Principal,
    teamId: string,
    paths: ReadonlySet<TeamFieldPath>,
    draft: TeamDraft,
    etag: string | undefined,
  ): Promise<TeamView> {
    const now = this.now();
    if (paths.size === 0) throw invalidRequest("update_mask names no field to change.", "update_mask");
    const writable = WRITABLE_TEAM_FIELDS[principal.role];
    for (const path of paths) {
      if (!writable.has(path)) throw denied(path, `This key may not change the team's ${path}.`);
    }
    const team = await this.visibleTeam(principal, teamId);
    checkEtag(etag, teamEtag(team));
    validateTeamDraft({ ...draft, teamId: undefined });
    const changes = applyTeamPaths(team, paths, draft);
    assertGuardrailsKept(principal, team.metadata, changes.metadata);
    const updated = await this.store.updateTeam(teamId, team.version, changes, now);
    if (updated === undefined) throw staleEtag();
    await this.publish({ kind: "team", teamId });
    return teamView(updated);
  }

  async deleteTeam(principal: Principal, teamId: string, etag: string | undefined): Promise<void> {
    requireAdmin(principal);
    const team = await this.visibleTeam(principal, teamId);
    checkEtag(etag, teamEtag(team));
    const revoked = await this.store.deleteTeam(teamId, team.version, this.now());
    if (revoked === undefined) throw staleEtag();
    await this.publish({ kind: "team", teamId });
    for (const keyId of revoked) await this.publish({ kind: "key", keyId });
  }

  async addTeamMember(
    principal: Principal,
    teamId: string,
    userId: string,
    role: TeamMemberRole,
  ): Promise<TeamView> {
    checkId(userId, "member.user_id");
    if (principal.role === "team_admin" && role === "admin") {
      throw denied("member.role", "A team admin may add members only.");
    }
    await this.managedTeam(principal, teamId);
    await this.store.upsertTeamMember(teamId, userId, role, this.now());
    return this.getTeam(principal, teamId);
  }

  async removeTeamMember(principal: Principal, teamId: string, userId: string): Promise<TeamView> {
    await this.managedTeam(principal, teamId);
    if (!(await this.store.deleteTeamMember(teamId, userId, this.now()))) {
      throw new GatewayError("not_found", `User '${userId}' is not a member of this team.`, {
        param: "user_id",
        reason: "not_found",
      });
    }
    return this.getTeam(principal, teamId);
  }

  private async publish(invalidation: Parameters<InvalidationBus["publish"]>[0]): Promise<void> {
    try {
      await this.bus.publish(invalidation);
    } catch (error) {
      this.onPublishError(error);
    }
  }

  private async teamFor(teamId: string | undefined): Promise<Team | undefined> {
    if (teamId === undefined) return undefined;
    const team = await this.store.getTeam(teamId);
    if (team === undefined) throw invalidRequest(`team_id '${teamId}' does not exist.`, "team_id");
    return team;
  }

  /** The team, plus the creator's own key for anyone but an admin. */
  private async boundsFor(principal: Principal, team: Team | undefined): Promise<KeyBound[]> {
    const bounds: KeyBound[] = [];
    if (team !== undefined) bounds.push(teamBound(team));
    if (principal.role !== "admin") {
      const creator = await this.store.getKey(principal.keyId, this.now());
      if (creator === undefined) throw denied(undefined, "This key may not manage keys.");
      bounds.push(creatorBound(creator));
    }
    return bounds;
  }

  /** A key the principal may read: any (admin), its team's (team admin), its own (everyone). */
  private async readableKey(principal: Principal, keyId: string): Promise<VirtualKey> {
    const key = await this.store.getKey(keyId, this.now());
    if (principal.role === "admin") {
      if (key === undefined) throw notFound("key_id", "No key with this key_id.");
      return key;
    }
    const mine = keyId === principal.keyId;
    const team = principal.role === "team_admin" && key !== undefined && key.teamId === principal.teamId;
    if (key === undefined || !(mine || team)) throw denied("key_id", "This key may not read that key.");
    return key;
  }

  /** A key the principal may change: any (admin), or a user/viewer key of its own team (team admin). */
  private async managedKey(principal: Principal, keyId: string): Promise<VirtualKey> {
    requireManager(principal);
    const key = await this.store.getKey(keyId, this.now());
    if (principal.role === "admin") {
      if (key === undefined) throw notFound("key_id", "No key with this key_id.");
      return key;
    }
    if (
      key === undefined ||
      key.teamId === undefined ||
      key.teamId !== principal.teamId ||
      (key.role !== "user" && key.role !== "viewer")
    ) {
      throw denied("key_id", "This key may not change that key.");
    }
    return key;
  }

  private async visibleTeam(principal: Principal, teamId: string): Promise<Team> {
    if (principal.role !== "admin" && !(principal.role === "team_admin" && principal.teamId === teamId)) {
      throw denied("team_id", "This key may not read that team.");
    }
    const team = await this.store.getTeam(teamId);
    if (team === undefined) throw notFound("team_id", "No team with this team_id.");
    return team;
  }

  private async managedTeam(principal: Principal, teamId: string): Promise<Team> {
    requireManager(principal);
    return this.visibleTeam(principal, teamId);
  }
}

function view(key: VirtualKey, now: Date): KeyView {
  return { key, state: keyState(key, now), etag: keyEtag(key) };
}

function teamView(team: Team): TeamView {
  return { team, etag: teamEtag(team) };
}

/** Opaque, changes with every write. */
export function keyEtag(key: Pick<VirtualKey, "keyId" | "version">): string {
  return createHash("sha256").update(`key:${key.keyId}:${key.version}`).digest("base64url").slice(0, 16);
}

export function teamEtag(team: Pick<Team, "teamId" | "version">): string {
  return createHash("sha256").update(`team:${team.teamId}:${team.version}`).digest("base64url").slice(0, 16);
}

function checkEtag(given: string | undefined, current: string): void {
  if (given !== undefined && given !== "" && given !== current) throw staleEtag();
}

function staleEtag(): GatewayError {
  return new GatewayError(
    "conflict",
    "etag does not match: the resource changed since you read it. Read it again.",
    {
      param: "etag",
      reason: "etag_mismatch",
    },
  );
}

function invalidState(message: string): GatewayError {
  return new GatewayError("conflict", message, { param: "state", reason: "invalid_state" });
}

function denied(param: string | undefined, message: string): GatewayError {
  return new GatewayError("permission_denied", message, { param, reason: "permission_denied" });
}

function notFound(param: string, message: string): GatewayError {
  return new GatewayError("not_found", message, { param, reason: "not_found" });
}

function requireAdmin(principal: Principal): void {
  if (principal.role !== "admin") throw denied(undefined, "Only an admin may do this.");
}

function requireManager(principal: Principal): void {
  if (principal.role !== "admin" && principal.role !== "team_admin") {
    throw denied(undefined, "Only an admin or a team admin may manage keys.");
  }
}

function assertWithin(key: BoundedKey, bounds: readonly KeyBound[]): void {
  for (const bound of bounds) {
    const excess = findExcess(key, bound);
    if (excess !== undefined) throw denied(excess.param, excess.message);
  }
}

/**
 * `metadata.guardrails` enforces guardrails on a key or team (docs/guardrails.md): only an admin may change it on
 * an existing key or team, so a team admin cannot lift a guardrail an admin set (GUARDS 3).
 */
function assertGuardrailsKept(
  principal: Principal,
  before: Record<string, unknown>,
  after: Record<string, unknown> | undefined,
): void {
  if (principal.role === "admin" || after === undefined) return;
  if (JSON.stringify(before["guardrails"] ?? null) !== JSON.stringify(after["guardrails"] ?? null)) {
    throw denied("metadata.guardrails", "Only an admin may change the guardrails a key or team enforces.");
  }
}

function validateKeyDraft(draft: KeyDraft, now: Date): void {
  checkText(draft.displayName, "display_name");
  checkId(draft.userId, "user_id");
  checkId(draft.teamId, "team_id");
  checkModels(draft.models);
  checkLimits(draft.limits);
  checkFutureExpiry(draft.expiresAt, now);
  checkMetadata(draft.metadata);
  checkTags(draft.tags);
}

function validateTeamDraft(draft: TeamDraft): void {
  if (draft.teamId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(draft.teamId)) {
    throw invalidRequest("team_id must be 1..64 characters of letters, digits, _ and -.", "team_id");
  }
  checkText(draft.displayName, "display_name");
  checkModels(draft.models);
  checkLimits(draft.limits);
  if (
    draft.maxKeyDurationSeconds !== undefined &&
    (!Number.isFinite(draft.maxKeyDurationSeconds) || draft.maxKeyDurationSeconds <= 0)
  ) {
    throw invalidRequest("max_key_duration must be positive.", "max_key_duration");
  }
  checkMetadata(draft.metadata);
  checkTags(draft.tags);
}

/** Applies only the masked paths; a limits.* path replaces that one limit, leaving the others. */
function applyKeyPaths(key: VirtualKey, paths: ReadonlySet<KeyFieldPath>, draft: KeyDraft): KeyChanges {
  const changes: KeyChanges = {};
  const limits: Limits = { ...key.limits };
  let limitsChanged = false;
  const given = draft.limits ?? emptyLimits();
  for (const path of paths) {
    switch (path) {
      case "display_name":
        changes.displayName = draft.displayName ?? "";
        break;
      case "user_id":
        changes.userId = draft.userId;
        break;
      case "team_id":
        changes.teamId = draft.teamId;
        break;
      case "role":
        changes.role = draft.role ?? "user";
        break;
      case "models":
        changes.models = draft.models ?? [];
        break;
      case "limits.max_budget":
        limits.maxBudget = given.maxBudget;
        limitsChanged = true;
        break;
      case "limits.budget_duration":
        limits.budgetDuration = given.budgetDuration;
        limitsChanged = true;
        break;
      case "limits.soft_budget":
        limits.softBudget = given.softBudget;
        limitsChanged = true;
        break;
      case "limits.rpm_limit":
        limits.rpmLimit = given.rpmLimit;
        limitsChanged = true;
        break;
      case "limits.tpm_limit":
        limits.tpmLimit = given.tpmLimit;
        limitsChanged = true;
        break;
      case "limits.max_parallel_requests":
        limits.maxParallelRequests = given.maxParallelRequests;
        limitsChanged = true;
        break;
      case "limits.model_limits":
        limits.modelLimits = given.modelLimits;
        limitsChanged = true;
        break;
      case "expire_time":
        changes.expiresAt = draft.expiresAt;
        break;
      case "metadata":
        changes.metadata = draft.metadata ?? {};
        break;
      case "tags":
        changes.tags = draft.tags ?? [];
        break;
    }
  }
  if (limitsChanged) {
    checkLimits(limits);
    changes.limits = limits;
  }
  return changes;
}

function applyTeamPaths(team: Team, paths: ReadonlySet<TeamFieldPath>, draft: TeamDraft): TeamChanges {
  const changes: TeamChanges = {};
  const limits: Limits = { ...team.limits };
  let limitsChanged = false;
  const given = draft.limits ?? emptyLimits();
  for (const path of paths) {
    switch (path) {
      case "display_name":
        changes.displayName = draft.displayName ?? "";
        break;
      case "models":
        changes.models = draft.models ?? [];
        break;
      case "limits.max_budget":
        limits.maxBudget = given.maxBudget;
        limitsChanged = true;
        break;
      case "limits.budget_duration":
        limits.budgetDuration = given.budgetDuration;
        limitsChanged = true;
        break;
      case "limits.soft_budget":
        limits.softBudget = given.softBudget;
        limitsChanged = true;
        break;
      case "limits.rpm_limit":
        limits.rpmLimit = given.rpmLimit;
        limitsChanged = true;
        break;
      case "limits.tpm_limit":
        limits.tpmLimit = given.tpmLimit;
        limitsChanged = true;
        break;
      case "limits.max_parallel_requests":
        limits.maxParallelRequests = given.maxParallelRequests;
        limitsChanged = true;
        break;
      case "limits.model_limits":
        limits.modelLimits = given.modelLimits;
        limitsChanged = true;
        break;
      case "max_key_duration":
        changes.maxKeyDurationSeconds = draft.maxKeyDurationSeconds;
        break;
      case "metadata":
        changes.metadata = draft.metadata ?? {};
        break;
      case "tags":
        changes.tags = draft.tags ?? [];
        break;
    }
  }
  if (limitsChanged) {
    checkLimits(limits);
    changes.limits = limits;
  }
  return changes;
}
