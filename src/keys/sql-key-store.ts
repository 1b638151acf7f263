import type { Kysely, Selectable } from "kysely";
import type { PrincipalRole } from "../core/types/principal.js";
import type { Database, KeyTable, LimitColumns, TeamTable } from "../store/schema.js";
import type {
  KeyBySecret,
  KeyChanges,
  KeyListFilter,
  KeyOffsetPage,
  KeySortColumn,
  KeyStore,
  ListCursor,
  TeamChanges,
} from "./key-store.js";
import type {
  Limits,
  ModelLimit,
  StoredKeyState,
  Team,
  TeamMember,
  TeamMemberRole,
  VirtualKey,
} from "./key-types.js";

const SORT_COLUMNS: Record<KeySortColumn, "created_at" | "spend" | "display_name" | "user_id" | "team_id"> = {
  created_at: "created_at",
  spend: "spend",
  key_alias: "display_name",
  user_id: "user_id",
  team_id: "team_id",
};

/**
 * The key store over Kysely, for SQLite and PostgreSQL alike (one schema, the same queries). Every value is
 * bound as a parameter by Kysely.
 */
export class SqlKeyStore implements KeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insertKey(key: VirtualKey, secretHash: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto("sb_keys").values(keyToRow(key)).execute();
      await tx
        .insertInto("sb_key_secrets")
        .values({
          secret_hash: secretHash,
          key_id: key.keyId,
          created_at: iso(key.createdAt),
          expires_at: null,
        })
        .execute();
    });
  }

  async getKey(keyId: string, now: Date): Promise<VirtualKey | undefined> {
    const row = await this.db
      .selectFrom("sb_keys")
      .selectAll()
      .where("key_id", "=", keyId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return this.withGrace(rowToKey(row), now);
  }

  async findKeyBySecretHash(secretHash: string, now: Date): Promise<KeyBySecret | undefined> {
    const secret = await this.db
      .selectFrom("sb_key_secrets")
      .select(["key_id", "expires_at"])
      .where("secret_hash", "=", secretHash)
      .where((where) => where.or([where("expires_at", "is", null), where("expires_at", ">", iso(now))]))
      .executeTakeFirst();
    if (secret === undefined) return undefined;
    const key = await this.getKey(secret.key_id, now);
    if (key === undefined) return undefined;
    return { key, secretExpiresAt: parseDate(secret.expires_at) };
  }

  async listKeys(
    filter: KeyListFilter,
    after: ListCursor | undefined,
    limit: number,
    now: Date,
  ): Promise<VirtualKey[]> {
    let query = this.filteredKeys(filter, now).selectAll();
    if (after !== undefined) {
      query = query.where((where) =>
        where.or([
          where("created_at", "<", after.createdAt),
          where.and([where("created_at", "=", after.createdAt), where("key_id", "<", after.id)]),
        ]),
      );
    }
    const rows = await query.orderBy("created_at", "desc").orderBy("key_id", "desc").limit(limit).execute();
    const keys: VirtualKey[] = [];
    for (const row of rows) keys.push(await this.withGrace(rowToKey(row), now));
    return keys;
  }

  async listKeysByOffset(
    filter: KeyListFilter,
    page: KeyOffsetPage,
    now: Date,
  ): Promise<{ keys: VirtualKey[]; totalCount: number }> {
    const counted = await this.filteredKeys(filter, now)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    const column = SORT_COLUMNS[page.sortBy];
    const rows = await this.filteredKeys(filter, now)
      .selectAll()
      .orderBy(column, page.order)
      .orderBy("key_id", page.order)
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const keys: VirtualKey[] = [];
    for (const row of rows) keys.push(await this.withGrace(rowToKey(row), now));
    return { keys, totalCount: Number(counted?.n ?? 0) };
  }

  /** The keys a filter selects (state derived from expiry at `now`), before ordering and paging. */
  private filteredKeys(filter: KeyListFilter, now: Date) {
    let query = this.db.selectFrom("sb_keys");
    if (filter.teamId !== undefined) query = query.where("team_id", "=", filter.teamId);
    if (filter.userId !== undefined) query = query.where("user_id", "=", filter.userId);
    if (filter.keyId !== undefined) query = query.where("key_id", "=", filter.keyId);
    if (filter.displayName !== undefined) query = query.where("display_name", "=", filter.displayName);
    const nowText = iso(now);
    switch (filter.state) {
      case undefined:
        break;
      case "revoked":
        query = query.where("state", "=", "revoked");
        break;
      case "expired":
        query = query.where("state", "!=", "revoked").where("expires_at", "<=", nowText);
        break;
      case "active":
      case "blocked":
        query = query
          .where("state", "=", filter.state)
          .where((where) => where.or([where("expires_at", "is", null), where("expires_at", ">", nowText)]));
        break;
    }
    return query;
  }

  async updateKey(
    keyId: string,
    version: number,
    changes: KeyChanges,
    now: Date,
  ): Promise<VirtualKey | undefined> {
    const values: Partial<KeyTable> = { updated_at: iso(now), version: version + 1 };
    if ("displayName" in changes) values.display_name = changes.displayName ?? "";
    if ("userId" in changes) values.user_id = changes.userId ?? null;
    if ("teamId" in changes) values.team_id = changes.teamId ?? null;
    if ("role" in changes && changes.role !== undefined) values.role = changes.role;
    if ("models" in changes) values.models = JSON.stringify(changes.models ?? []);
    if ("limits" in changes && changes.limits !== undefined)
      Object.assign(values, limitsToColumns(changes.limits));
    if ("expiresAt" in changes)
      values.expires_at = changes.expiresAt === undefined ? null : iso(changes.expiresAt);
    if ("metadata" in changes) values.metadata = JSON.stringify(changes.metadata ?? {});
    if ("tags" in changes) values.tags = JSON.stringify(changes.tags ?? []);
    const result = await this.db
      .updateTable("sb_keys")
      .set(values)
      .where("key_id", "=", keyId)
      .where("version", "=", version)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    return this.getKey(keyId, now);
  }

  async setKeyState(
    keyId: string,
    version: number,
    state: StoredKeyState,
    now: Date,
  ): Promise<VirtualKey | undefined> {
    const updated = await this.db.transaction().execute(async (tx) => {
      const result = await tx
        .updateTable("sb_keys")
        .set({ state, updated_at: iso(now), version: version + 1 })
        .where("key_id", "=", keyId)
        .where("version", "=", version)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      // A revoked key has no secrets left: a lookup by any of them finds nothing.
      if (state === "revoked") await tx.deleteFrom("sb_key_secrets").where("key_id", "=", keyId).execute();
      return true;
    });
    return updated ? this.getKey(keyId, now) : undefined;
  }

  async rotateKey(
    keyId: string,
    version: number,
    secretHash: string,
    displaySecret: string,
    graceUntil: Date | undefined,
    now: Date,
  ): Promise<VirtualKey | undefined> {
    const nowText = iso(now);
    const updated = await this.db.transaction().execute(async (tx) => {
      const result = await tx
        .updateTable("sb_keys")
        .set({ display_secret: displaySecret, updated_at: nowText, version: version + 1 })
        .where("key_id", "=", keyId)
        .where("version", "=", version)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      // Secrets already past their end go; the current one (and any in grace) end at graceUntil at the latest.
      await tx
        .deleteFrom("sb_key_secrets")
        .where("key_id", "=", keyId)
        .where("expires_at", "<=", nowText)
        .execute();
      if (graceUntil === undefined) {
        await tx.deleteFrom("sb_key_secrets").where("key_id", "=", keyId).execute();
      } else {
        const until = iso(graceUntil);
        await tx
          .updateTable("sb_key_secrets")
          .set({ expires_at: until })
          .where("key_id", "=", keyId)
          .where((where) => where.or([where("expires_at", "is", null), where("expires_at", ">", until)]))
          .execute();
      }
      await tx
        .insertInto("sb_key_secrets")
        .values({ secret_hash: secretHash, key_id: keyId, created_at: nowText, expires_at: null })
        .execute();
      return true;
    });
    return updated ? this.getKey(keyId, now) : undefined;
  }

  async insertTeam(team: Team): Promise<boolean> {
    const result = await this.db
      .insertInto("sb_teams")
      .values(teamToRow(team))
      .onConflict((conflict) => conflict.column("team_id").doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async getTeam(teamId: string): Promise<Team | undefined> {
    const row = await this.db
      .selectFrom("sb_teams")
      .selectAll()
      .where("team_id", "=", teamId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const members = await this.db
      .selectFrom("sb_team_members")
      .select(["user_id", "role"])
      .where("team_id", "=", teamId)
      .orderBy("user_id")
      .execute();
    return rowToTeam(row, members.map(memberFromRow));
  }

  async listTeams(
    teamIds: readonly string[] | undefined,
    after: ListCursor | undefined,
    limit: number,
  ): Promise<Team[]> {
    if (teamIds !== undefined && teamIds.length === 0) return [];
    let query = this.db.selectFrom("sb_teams").select("team_id");
    if (teamIds !== undefined) query = query.where("team_id", "in", [...teamIds]);
    if (after !== undefined) {
      query = query.where((where) =>
        where.or([
          where("created_at", "<", after.createdAt),
          where.and([where("created_at", "=", after.createdAt), where("team_id", "<", after.id)]),
        ]),
      );
    }
    const rows = await query.orderBy("created_at", "desc").orderBy("team_id", "desc").limit(limit).execute();
    const teams: Team[] = [];
    for (const row of rows) {
      const team = await this.getTeam(row.team_id);
      if (team !== undefined) teams.push(team);
    }
    return teams;
  }

  async updateTeam(
    teamId: string,
    version: number,
    changes: TeamChanges,
    now: Date,
  ): Promise<Team | undefined> {
    const values: Partial<TeamTable> = { updated_at: iso(now), version: version + 1 };
    if ("displayName" in changes) values.display_name = changes.displayName ?? "";
    if ("models" in changes) values.models = JSON.stringify(changes.models ?? []);
    if ("limits" in changes && changes.limits !== undefined)
      Object.assign(values, limitsToColumns(changes.limits));
    if ("maxKeyDurationSeconds" in changes)
      values.max_key_duration_seconds = changes.maxKeyDurationSeconds ?? null;
    if ("metadata" in changes) values.metadata = JSON.stringify(changes.metadata ?? {});
    if ("tags" in changes) values.tags = JSON.stringify(changes.tags ?? []);
    const result = await this.db
      .updateTable("sb_teams")
      .set(values)
      .where("team_id", "=", teamId)
      .where("version", "=", version)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    return this.getTeam(teamId);
  }

  async deleteTeam(teamId: string, version: number, now: Date): Promise<string[] | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const result = await tx
        .deleteFrom("sb_teams")
        .where("team_id", "=", teamId)
        .where("version", "=", version)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) return undefined;
      await tx.deleteFrom("sb_team_members").where("team_id", "=", teamId).execute();
      const keys = await tx
        .selectFrom("sb_keys")
        .select(["key_id", "version"])
        .where("team_id", "=", teamId)
        .execute();
      const keyIds = keys.map((key) => key.key_id);
      if (keyIds.length > 0) {
        await tx.deleteFrom("sb_key_secrets").where("key_id", "in", keyIds).execute();
        for (const key of keys) {
          await tx
            .updateTable("sb_keys")
            .set({ state: "revoked", updated_at: iso(now), version: key.version + 1 })
            .where("key_id", "=", key.key_id)
            .execute();
        }
      }
      return keyIds;
    });
  }

  async upsertTeamMember(teamId: string, userId: string, role: TeamMemberRole, now: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("sb_team_members")
        .values({ team_id: teamId, user_id: userId, role, created_at: iso(now) })
        .onConflict((conflict) => conflict.columns(["team_id", "user_id"]).doUpdateSet({ role }))
        .execute();
      await bumpTeam(tx, teamId, now);
    });
  }

  async deleteTeamMember(teamId: string, userId: string, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const result = await tx
        .deleteFrom("sb_team_members")
        .where("team_id", "=", teamId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await bumpTeam(tx, teamId, now);
      return true;
    });
  }

  /** Adds when the newest rotated-away secret ends, so that callers can see the grace period. */
  private async withGrace(key: VirtualKey, now: Date): Promise<VirtualKey> {
    const row = await this.db
      .selectFrom("sb_key_secrets")
      .select("expires_at")
      .where("key_id", "=", key.keyId)
      .where("expires_at", ">", iso(now))
      .orderBy("expires_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return { ...key, previousSecretExpiresAt: parseDate(row?.expires_at ?? null) };
  }
}

async function bumpTeam(db: Kysely<Database>, teamId: string, now: Date): Promise<void> {
  const row = await db
    .selectFrom("sb_teams")
    .select("version")
    .where("team_id", "=", teamId)
    .executeTakeFirst();
  if (row === undefined) return;
  await db
    .updateTable("sb_teams")
    .set({ version: row.version + 1, updated_at: iso(now) })
    .where("team_id", "=", teamId)
    .execute();
}

/** Fixed-width ISO-8601 UTC, so that text comparison is time order on both databases. */
export function iso(date: Date): string {
  return date.toISOString();
}

function parseDate(text: string | null | undefined): Date | undefined {
  return text === null || text === undefined ? undefined : new Date(text);
}

function optionalNumber(value: number | string | null): number | undefined {
  if (value === null) return undefined;
  return typeof value === "number" ? value : Number(value);
}

function parseJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function stringList(text: string): string[] {
  const value = parseJson(text, []);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function record(text: string): Record<string, unknown> {
  const value = parseJson(text, {});
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function modelLimits(text: string): ModelLimit[] {
  const value = parseJson(text, []);
  if (!Array.isArray(value)) return [];
  const limits: ModelLimit[] = [];
  for (const item of value) {
    if (typeof item !== "object" || item === null) continue;
    const entry = item as Record<string, unknown>;
    if (typeof entry["model"] !== "string") continue;
    const number = (name: string) => (typeof entry[name] === "number" ? (entry[name] as number) : undefined);
    limits.push({
      model: entry["model"],
      rpmLimit: number("rpmLimit"),
      tpmLimit: number("tpmLimit"),
      maxBudget: number("maxBudget"),
    });
  }
  return limits;
}

function limitsToColumns(limits: Limits): LimitColumns {
  return {
    max_budget: limits.maxBudget ?? null,
    budget_duration: limits.budgetDuration ?? null,
    soft_budget: limits.softBudget ?? null,
    rpm_limit: limits.rpmLimit ?? null,
    tpm_limit: limits.tpmLimit ?? null,
    max_parallel_requests: limits.maxParallelRequests ?? null,
    model_limits: JSON.stringify(limits.modelLimits),
  };
}

function columnsToLimits(row: Selectable<LimitColumns>): Limits {
  return {
    maxBudget: optionalNumber(row.max_budget),
    budgetDuration: row.budget_duration ?? undefined,
    softBudget: optionalNumber(row.soft_budget),
    rpmLimit: optionalNumber(row.rpm_limit),
    tpmLimit: optionalNumber(row.tpm_limit),
    maxParallelRequests: optionalNumber(row.max_parallel_requests),
    modelLimits: modelLimits(row.model_limits),
  };
}

function keyToRow(key: VirtualKey): KeyTable {
  return {
    key_id: key.keyId,
    display_name: key.displayName,
    user_id: key.userId ?? null,
    team_id: key.teamId ?? null,
    role: key.role,
    models: JSON.stringify(key.models),
    ...limitsToColumns(key.limits),
    expires_at: key.expiresAt === undefined ? null : iso(key.expiresAt),
    metadata: JSON.stringify(key.metadata),
    tags: JSON.stringify(key.tags),
    state: key.storedState,
    display_secret: key.displaySecret,
    spend: key.spend,
    budget_reset_at: key.budgetResetAt === undefined ? null : iso(key.budgetResetAt),
    created_by: key.createdBy,
    created_at: iso(key.createdAt),
    updated_at: iso(key.updatedAt),
    version: key.version,
  };
}

function rowToKey(row: Selectable<KeyTable>): VirtualKey {
  return {
    keyId: row.key_id,
    displayName: row.display_name,
    userId: row.user_id ?? undefined,
    teamId: row.team_id ?? undefined,
    role: parseRole(row.role),
    models: stringList(row.models),
    limits: columnsToLimits(row),
    expiresAt: parseDate(row.expires_at),
    metadata: record(row.metadata),
    tags: stringList(row.tags),
    storedState: parseState(row.state),
    displaySecret: row.display_secret,
    spend: optionalNumber(row.spend) ?? 0,
    budgetResetAt: parseDate(row.budget_reset_at),
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: optionalNumber(row.version) ?? 0,
  };
}

function teamToRow(team: Team): TeamTable {
  return {
    team_id: team.teamId,
    display_name: team.displayName,
    models: JSON.stringify(team.models),
    ...limitsToColumns(team.limits),
    max_key_duration_seconds: team.maxKeyDurationSeconds ?? null,
    metadata: JSON.stringify(team.metadata),
    tags: JSON.stringify(team.tags),
    spend: team.spend,
    budget_reset_at: null,
    created_at: iso(team.createdAt),
    updated_at: iso(team.updatedAt),
    version: team.version,
  };
}

function rowToTeam(row: Selectable<TeamTable>, members: TeamMember[]): Team {
  return {
    teamId: row.team_id,
    displayName: row.display_name,
    models: stringList(row.models),
    limits: columnsToLimits(row),
    maxKeyDurationSeconds: optionalNumber(row.max_key_duration_seconds),
    metadata: record(row.metadata),
    tags: stringList(row.tags),
    members,
    spend: optionalNumber(row.spend) ?? 0,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: optionalNumber(row.version) ?? 0,
  };
}

function memberFromRow(row: { user_id: string; role: string }): TeamMember {
  return { userId: row.user_id, role: row.role === "admin" ? "admin" : "member" };
}

function parseRole(text: string): PrincipalRole {
  switch (text) {
    case "admin":
    case "team_admin":
    case "user":
    case "viewer":
      return text;
    default:
      // An unknown stored role grants the least.
      return "viewer";
  }
}

function parseState(text: string): StoredKeyState {
  switch (text) {
    case "active":
    case "blocked":
    case "revoked":
      return text;
    default:
      // An unknown stored state is refused.
      return "revoked";
  }
}
