import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";

/**
 * The migrations, in code so that the build carries them and both databases run the same steps. Append only:
 * never edit a migration that has shipped; add a new one.
 */
export const MIGRATIONS: Record<string, Migration> = {
  "0001_keys_and_teams": {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("sb_teams")
        .addColumn("team_id", "text", (column) => column.primaryKey())
        .addColumn("display_name", "text", (column) => column.notNull().defaultTo(""))
        .addColumn("models", "text", (column) => column.notNull().defaultTo("[]"))
        .addColumn("max_budget", "double precision")
        .addColumn("budget_duration", "text")
        .addColumn("soft_budget", "double precision")
        .addColumn("rpm_limit", "bigint")
        .addColumn("tpm_limit", "bigint")
        .addColumn("max_parallel_requests", "bigint")
        .addColumn("model_limits", "text", (column) => column.notNull().defaultTo("[]"))
        .addColumn("max_key_duration_seconds", "bigint")
        .addColumn("metadata", "text", (column) => column.notNull().defaultTo("{}"))
        .addColumn("tags", "text", (column) => column.notNull().defaultTo("[]"))
        .addColumn("spend", "double precision", (column) => column.notNull().defaultTo(0))
        .addColumn("budget_reset_at", "text")
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .addColumn("version", "integer", (column) => column.notNull())
        .execute();

      await db.schema
        .createTable("sb_team_members")
        .addColumn("team_id", "text", (column) => column.notNull())
        .addColumn("user_id", "text", (column) => column.notNull())
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addPrimaryKeyConstraint("sb_team_members_pk", ["team_id", "user_id"])
        .execute();

      await db.schema
        .createTable("sb_keys")
        .addColumn("key_id", "text", (column) => column.primaryKey())
        .addColumn("display_name", "text", (column) => column.notNull().defaultTo(""))
        .addColumn("user_id", "text")
        .addColumn("team_id", "text")
        .addColumn("role", "text", (column) => column.notNull())
        .addColumn("models", "text", (column) => column.notNull().defaultTo("[]"))
        .addColumn("max_budget", "double precision")
        .addColumn("budget_duration", "text")
        .addColumn("soft_budget", "double precision")
        .addColumn("rpm_limit", "bigint")
        .addColumn("tpm_limit", "bigint")
        .addColumn("max_parallel_requests", "bigint")
        .addColumn("model_limits", "text", (column) => column.notNull().defaultTo("[]"))
        .addColumn("expires_at", "text")
        .addColumn("metadata", "text", (column) => column.notNull().defaultTo("{}"))
        .addColumn("tags", "text", (column) => column.notNull().defaultTo("[]"))
        .addColumn("state", "text", (column) => column.notNull())
        .addColumn("display_secret", "text", (column) => column.notNull())
        .addColumn("spend", "double precision", (column) => column.notNull().defaultTo(0))
        .addColumn("budget_reset_at", "text")
        .addColumn("created_by", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("updated_at", "text", (column) => column.notNull())
        .addColumn("version", "integer", (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex("sb_keys_team_idx")
        .on("sb_keys")
        .columns(["team_id", "created_at"])
        .execute();
      await db.schema
        .createIndex("sb_keys_user_idx")
        .on("sb_keys")
        .columns(["user_id", "created_at"])
        .execute();
      await db.schema
        .createIndex("sb_keys_created_idx")
        .on("sb_keys")
        .columns(["created_at", "key_id"])
        .execute();

      await db.schema
        .createTable("sb_key_secrets")
        .addColumn("secret_hash", "text", (column) => column.primaryKey())
        .addColumn("key_id", "text", (column) => column.notNull())
        .addColumn("created_at", "text", (column) => column.notNull())
        .addColumn("expires_at", "text")
        .execute();
      await db.schema.createIndex("sb_key_secrets_key_idx").on("sb_key_secrets").column("key_id").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["sb_key_secrets", "sb_keys", "sb_team_members", "sb_teams"]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
};

MIGRATIONS["0002_usage_ledger"] = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("sb_usage")
      .addColumn("request_id", "text", (column) => column.notNull())
      .addColumn("attempt", "integer", (column) => column.notNull())
      .addColumn("key_id", "text", (column) => column.notNull())
      .addColumn("team_id", "text")
      .addColumn("user_id", "text")
      .addColumn("model_group", "text", (column) => column.notNull())
      .addColumn("deployment", "text", (column) => column.notNull())
      .addColumn("provider", "text", (column) => column.notNull())
      .addColumn("model", "text", (column) => column.notNull())
      .addColumn("prompt_tokens", "bigint", (column) => column.notNull())
      .addColumn("completion_tokens", "bigint", (column) => column.notNull())
      .addColumn("cached_tokens", "bigint", (column) => column.notNull())
      .addColumn("cache_write_tokens", "bigint", (column) => column.notNull())
      .addColumn("reasoning_tokens", "bigint", (column) => column.notNull())
      .addColumn("total_tokens", "bigint", (column) => column.notNull())
      .addColumn("cost_usd", "double precision")
      .addColumn("usage_estimated", "integer", (column) => column.notNull())
      .addColumn("latency_ms", "double precision", (column) => column.notNull())
      .addColumn("ttft_ms", "double precision")
      .addColumn("status", "text", (column) => column.notNull())
      .addColumn("stream", "integer", (column) => column.notNull())
      .addColumn("cache_status", "text", (column) => column.notNull())
      .addColumn("started_at", "text", (column) => column.notNull())
      .addColumn("ended_at", "text", (column) => column.notNull())
      .addPrimaryKeyConstraint("sb_usage_pk", ["request_id", "attempt"])
      .execute();
    await db.schema
      .createIndex("sb_usage_key_idx")
      .on("sb_usage")
      .columns(["key_id", "started_at"])
      .execute();
    await db.schema
      .createIndex("sb_usage_team_idx")
      .on("sb_usage")
      .columns(["team_id", "started_at"])
      .execute();
    await db.schema.createIndex("sb_usage_started_idx").on("sb_usage").columns(["started_at"]).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("sb_usage").ifExists().execute();
  },
};

MIGRATIONS["0003_stored_responses"] = {
  async up(db: Kysely<unknown>): Promise<void> {
    // OpenAI Responses conversation state (src/responses/): scoped to the creating key, expiring.
    await db.schema
      .createTable("sb_responses")
      .addColumn("response_id", "text", (column) => column.primaryKey())
      .addColumn("key_id", "text", (column) => column.notNull())
      .addColumn("created_at", "text", (column) => column.notNull())
      .addColumn("expires_at", "text", (column) => column.notNull())
      .addColumn("response", "text", (column) => column.notNull())
      .addColumn("input_items", "text", (column) => column.notNull())
      .addColumn("history", "text", (column) => column.notNull())
      .execute();
    await db.schema.createIndex("sb_responses_expires_idx").on("sb_responses").column("expires_at").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("sb_responses").ifExists().execute();
  },
};

MIGRATIONS["0004_usage_response_id"] = {
  async up(db: Kysely<unknown>): Promise<void> {
    // The id the client saw (`chatcmpl-…`, `msg_…`, `resp_…`), so /spend/logs?request_id= finds a row by it.
    await db.schema.alterTable("sb_usage").addColumn("response_id", "text").execute();
    await db.schema.createIndex("sb_usage_response_idx").on("sb_usage").column("response_id").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("sb_usage_response_idx").ifExists().execute();
    await db.schema.alterTable("sb_usage").dropColumn("response_id").execute();
  },
};

MIGRATIONS["0005_usage_saved_cost"] = {
  async up(db: Kysely<unknown>): Promise<void> {
    // Response-cache hits (src/cache/): what the stored answer cost when it was first produced.
    await db.schema.alterTable("sb_usage").addColumn("saved_cost_usd", "double precision").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("sb_usage").dropColumn("saved_cost_usd").execute();
  },
};

class InCodeMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/**
 * Brings the schema to the newest migration. Runs on every start; Kysely takes a lock (an advisory lock on
 * PostgreSQL) so replicas starting together migrate once. Throws when a migration fails: a gateway with a
 * half-migrated database must not serve.
 */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(),
    migrationTableName: "sb_migrations",
    migrationLockTableName: "sb_migrations_lock",
    // Kysely finds its tables by introspecting every schema: name ours, or another schema's tables would match.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new Error("Database migration failed.", { cause: error });
  }
  return (results ?? [])
    .filter((result) => result.status === "Success")
    .map((result) => result.migrationName);
}
