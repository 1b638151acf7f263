import { createHash } from "node:crypto";
import { invalidRequest } from "../core/errors/gateway-error.js";
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
import { type KeyFieldPath, WRITABLE_KEY_FIELDS } from "./key-fields.js";
import { generateSecret, newId, secretDisplay, secretLookupHash } from "./key-secret.js";
import type { KeyChanges, KeyListFilter, KeySortColumn, KeyStore } from "./key-store.js";
import {
  emptyLimits,
  type KeyState,
  keyState,
  type Limits,
  type StoredKeyState,
  type Team,
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
import {
  applyLimitPath,
  assertGuardrailsKept,
  checkEtag,
  denied,
  invalidState,
  notFound,
  publishSafely,
  requireManager,
  staleEtag,
} from "./manager-rules.js";
import { decodePageToken, encodePageToken, pageSize, queryFingerprint } from "./page-token.js";
import { TeamManager } from "./team-manager.js";

export { type TeamDraft, type TeamPage, type TeamView, teamEtag } from "./team-manager.js";

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

/** A key as the edges render it: the stored key plus its derived state and etag. */
export interface KeyView {
  key: VirtualKey;
  state: KeyState;
  etag: string;
}

export interface KeyPage {
  keys: KeyView[];
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
 * The keys domain, transport-neutral: both edges (KeysService, LiteLLM REST routes) call it with the
 * authenticated principal; teams are `teams` (team-manager.ts). It decides scope (admin: all; team admin: its own team's user/viewer keys; others:
 * their own key, read-only), per-role writable fields, the child-within-parent rule, etags, and publishes an
 * invalidation for every change that can affect authentication.
 */
export class KeyManager {
  private readonly store: KeyStore;
  private readonly bus: InvalidationBus;
  private readonly now: () => Date;
  private readonly onPublishError: (error: unknown) => void;

  /** The teams domain over the same store, bus and clock (team-manager.ts). */
  readonly teams: TeamManager;

  constructor(options: KeyManagerOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.now = options.now ?? (() => new Date());
    this.onPublishError = options.onPublishError ?? (() => {});
    this.teams = new TeamManager(options);
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
    const scoped = scopedKeyFilter(principal, filter);
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

  /**
   * A numbered page (LiteLLM's `/key/list?page=&size=&sort_by=`), in the caller's scope, with the total count.
   * `page` is 1-based; `size` 1..100 (LiteLLM's bound).
   */
  async listKeysNumbered(
    principal: Principal,
    filter: KeyListFilter,
    page: { page: number; size: number; sortBy: KeySortColumn; order: "asc" | "desc" },
  ): Promise<{ keys: KeyView[]; totalCount: number }> {
    if (!Number.isInteger(page.page) || page.page < 1 || page.page > 1_000_000)
      throw invalidRequest("page must be a whole number from 1.", "page");
    if (!Number.isInteger(page.size) || page.size < 1 || page.size > 100)
      throw invalidRequest("size must be between 1 and 100.", "size");
    const now = this.now();
    const listed = await this.store.listKeysByOffset(
      scopedKeyFilter(principal, filter),
      { offset: (page.page - 1) * page.size, limit: page.size, sortBy: page.sortBy, order: page.order },
      now,
    );
    return { keys: listed.keys.map((key) => view(key, now)), totalCount: listed.totalCount };
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

  private publish(invalidation: Parameters<InvalidationBus["publish"]>[0]): Promise<void> {
    return publishSafely(this.bus, this.onPublishError, invalidation);
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
}

/** What a principal may list: admins any key, team admins their team's, anyone else only itself. */
function scopedKeyFilter(principal: Principal, filter: KeyListFilter): KeyListFilter {
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
      if (filter.keyId !== undefined && filter.keyId !== principal.keyId) {
        throw denied("key_hash", "This key may list itself only.");
      }
      scoped.keyId = principal.keyId;
      break;
  }
  return scoped;
}

function view(key: VirtualKey, now: Date): KeyView {
  return { key, state: keyState(key, now), etag: keyEtag(key) };
}

/** Opaque, changes with every write. */
export function keyEtag(key: Pick<VirtualKey, "keyId" | "version">): string {
  return createHash("sha256").update(`key:${key.keyId}:${key.version}`).digest("base64url").slice(0, 16);
}

function assertWithin(key: BoundedKey, bounds: readonly KeyBound[]): void {
  for (const bound of bounds) {
    const excess = findExcess(key, bound);
    if (excess !== undefined) throw denied(excess.param, excess.message);
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
      case "expire_time":
        changes.expiresAt = draft.expiresAt;
        break;
      case "metadata":
        changes.metadata = draft.metadata ?? {};
        break;
      case "tags":
        changes.tags = draft.tags ?? [];
        break;
      default:
        if (applyLimitPath(limits, given, path)) limitsChanged = true;
    }
  }
  if (limitsChanged) {
    checkLimits(limits);
    changes.limits = limits;
  }
  return changes;
}
