import type { StoredKeyState, Team, TeamMemberRole, VirtualKey } from "./key-types.js";

/** A key found by one of its secrets, with that secret's own end (set while it is in a rotation grace period). */
export interface KeyBySecret {
  key: VirtualKey;
  secretExpiresAt?: Date | undefined;
}

export interface KeyListFilter {
  teamId?: string | undefined;
  userId?: string | undefined;
  /** Restrict to one key (users listing "their keys"). */
  keyId?: string | undefined;
  state?: "active" | "blocked" | "revoked" | "expired" | undefined;
  /** Exact key alias (LiteLLM's `key_alias`). */
  displayName?: string | undefined;
}

/** Columns a numbered key listing may sort by (LiteLLM's `sort_by`); the key id breaks ties. */
export type KeySortColumn = "created_at" | "spend" | "key_alias" | "user_id" | "team_id";

/** A numbered page (LiteLLM's `page`/`size`): offset paging with a total count. */
export interface KeyOffsetPage {
  offset: number;
  limit: number;
  sortBy: KeySortColumn;
  order: "asc" | "desc";
}

/** Keyset position for newest-first listing. */
export interface ListCursor {
  createdAt: string;
  id: string;
}

/** Fields of a key that UpdateKey may write (state, secrets, spend and timestamps have their own paths). */
export type KeyChanges = Partial<
  Pick<
    VirtualKey,
    "displayName" | "userId" | "teamId" | "role" | "models" | "limits" | "expiresAt" | "metadata" | "tags"
  >
>;

export type TeamChanges = Partial<
  Pick<Team, "displayName" | "models" | "limits" | "maxKeyDurationSeconds" | "metadata" | "tags">
>;

/**
 * Persistence of keys, their secrets and teams. Writes that must not race take the version the caller read and
 * return undefined when it no longer matches (optimistic concurrency: the etag).
 */
export interface KeyStore {
  insertKey(key: VirtualKey, secretHash: string): Promise<void>;
  getKey(keyId: string, now: Date): Promise<VirtualKey | undefined>;
  findKeyBySecretHash(secretHash: string, now: Date): Promise<KeyBySecret | undefined>;
  listKeys(
    filter: KeyListFilter,
    after: ListCursor | undefined,
    limit: number,
    now: Date,
  ): Promise<VirtualKey[]>;
  /** One numbered page of keys and how many keys match in all. */
  listKeysByOffset(
    filter: KeyListFilter,
    page: KeyOffsetPage,
    now: Date,
  ): Promise<{ keys: VirtualKey[]; totalCount: number }>;
  updateKey(keyId: string, version: number, changes: KeyChanges, now: Date): Promise<VirtualKey | undefined>;
  setKeyState(
    keyId: string,
    version: number,
    state: StoredKeyState,
    now: Date,
  ): Promise<VirtualKey | undefined>;
  /** Adds a new current secret; older secrets end at graceUntil (or now, when undefined). */
  rotateKey(
    keyId: string,
    version: number,
    secretHash: string,
    displaySecret: string,
    graceUntil: Date | undefined,
    now: Date,
  ): Promise<VirtualKey | undefined>;

  insertTeam(team: Team): Promise<boolean>;
  getTeam(teamId: string): Promise<Team | undefined>;
  listTeams(
    teamIds: readonly string[] | undefined,
    after: ListCursor | undefined,
    limit: number,
  ): Promise<Team[]>;
  updateTeam(teamId: string, version: number, changes: TeamChanges, now: Date): Promise<Team | undefined>;
  /** Deletes the team and its members and revokes its keys; returns the revoked key ids, or undefined on a stale version. */
  deleteTeam(teamId: string, version: number, now: Date): Promise<string[] | undefined>;
  upsertTeamMember(teamId: string, userId: string, role: TeamMemberRole, now: Date): Promise<void>;
  deleteTeamMember(teamId: string, userId: string, now: Date): Promise<boolean>;
}
