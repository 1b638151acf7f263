import { type Kysely, sql } from "kysely";
import type { Database, UsageTable } from "../store/schema.js";
import type { UsageRecord } from "./usage-record.js";

export interface UsageFilter {
  /** A request id (x-request-id) or a response id (`chatcmpl-…`, `msg_…`, `resp_…`): rows matching either. */
  requestId?: string | undefined;
  keyId?: string | undefined;
  teamId?: string | undefined;
  userId?: string | undefined;
  modelGroup?: string | undefined;
  deployment?: string | undefined;
  provider?: string | undefined;
  /** ISO-8601 UTC, inclusive. */
  from?: string | undefined;
  /** ISO-8601 UTC, exclusive. */
  to?: string | undefined;
}

export type UsageGroupBy = "key" | "team" | "model" | "provider" | "day" | "deployment" | "user";

export interface UsageSummaryRow {
  group: string;
  spendUsd: number;
  /** Rows whose cost is unknown (unpriced models): their spend is not in spendUsd. */
  unpricedRequests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  requests: number;
  errors: number;
}

/** Position after the last row of a page (newest first). */
export interface UsageCursor {
  startedAt: string;
  requestId: string;
  attempt: number;
}

const CHAT_ID_PREFIX = "chatcmpl-";

const GROUP_COLUMNS = {
  key: "key_id",
  team: "team_id",
  model: "model_group",
  provider: "provider",
  deployment: "deployment",
  user: "user_id",
} as const;

/** Reads and writes the ledger table through Kysely (parameters bound, no SQL built from strings). */
export class UsageStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: "sqlite" | "postgres",
  ) {}

  /**
   * Inserts rows, ignoring ones already present (same request id and attempt): replays never duplicate. Chunks of
   * 200 rows; between chunks the event loop gets a turn, so a big batch never holds requests up for long.
   */
  async insert(records: readonly UsageRecord[]): Promise<void> {
    for (let offset = 0; offset < records.length; offset += 200) {
      if (offset > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const rows = records.slice(offset, offset + 200).map(toRow);
      await this.db
        .insertInto("sb_usage")
        .values(rows)
        .onConflict((conflict) => conflict.columns(["request_id", "attempt"]).doNothing())
        .execute();
    }
  }

  async query(filter: UsageFilter, after: UsageCursor | undefined, limit: number): Promise<UsageRecord[]> {
    let query = this.filtered(filter).selectAll();
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb("started_at", "<", after.startedAt),
          eb.and([eb("started_at", "=", after.startedAt), eb("request_id", "<", after.requestId)]),
          eb.and([
            eb("started_at", "=", after.startedAt),
            eb("request_id", "=", after.requestId),
            eb("attempt", "<", after.attempt),
          ]),
        ]),
      );
    }
    const rows = await query
      .orderBy("started_at", "desc")
      .orderBy("request_id", "desc")
      .orderBy("attempt", "desc")
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  async summarize(filter: UsageFilter, groupBy: UsageGroupBy): Promise<UsageSummaryRow[]> {
    const group =
      groupBy === "day"
        ? sql<string>`substr(started_at, 1, 10)`
        : sql<string>`coalesce(${sql.ref(GROUP_COLUMNS[groupBy])}, '')`;
    const rows = await this.filtered(filter)
      .select([
        group.as("group_value"),
        sql<number>`coalesce(sum(cost_usd), 0)`.as("spend"),
        sql<number>`sum(case when cost_usd is null then 1 else 0 end)`.as("unpriced"),
        sql<number>`coalesce(sum(prompt_tokens), 0)`.as("prompt"),
        sql<number>`coalesce(sum(completion_tokens), 0)`.as("completion"),
        sql<number>`coalesce(sum(total_tokens), 0)`.as("total"),
        sql<number>`count(*)`.as("requests"),
        sql<number>`sum(case when status = 'ok' then 0 else 1 end)`.as("errors"),
      ])
      .groupBy(group)
      .orderBy(group)
      .execute();
    return rows.map((row) => ({
      group: String(row.group_value),
      spendUsd: Number(row.spend),
      unpricedRequests: Number(row.unpriced),
      promptTokens: Number(row.prompt),
      completionTokens: Number(row.completion),
      totalTokens: Number(row.total),
      requests: Number(row.requests),
      errors: Number(row.errors),
    }));
  }

  /** Spend, tokens and requests of one subject since `from` (seeds counters of long windows). */
  async totals(
    subject: { keyId?: string; teamId?: string; modelPattern?: string },
    from: string | undefined,
  ): Promise<{ spendUsd: number; tokens: number; requests: number }> {
    let query = this.db.selectFrom("sb_usage");
    if (subject.keyId !== undefined) query = query.where("key_id", "=", subject.keyId);
    if (subject.teamId !== undefined) query = query.where("team_id", "=", subject.teamId);
    if (subject.modelPattern !== undefined) {
      query = subject.modelPattern.includes("*")
        ? query.where("model_group", "like", subject.modelPattern.replace(/[%_]/g, "").replace(/\*/g, "%"))
        : query.where("model_group", "=", subject.modelPattern);
    }
    if (from !== undefined) query = query.where("started_at", ">=", from);
    const row = await query
      .select([
        sql<number>`coalesce(sum(cost_usd), 0)`.as("spend"),
        sql<number>`coalesce(sum(total_tokens), 0)`.as("tokens"),
        sql<number>`count(distinct request_id)`.as("requests"),
      ])
      .executeTakeFirst();
    return {
      spendUsd: Number(row?.spend ?? 0),
      tokens: Number(row?.tokens ?? 0),
      requests: Number(row?.requests ?? 0),
    };
  }

  async count(filter: UsageFilter = {}): Promise<number> {
    const row = await this.filtered(filter).select(sql<number>`count(*)`.as("n")).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  get databaseDialect(): "sqlite" | "postgres" {
    return this.dialect;
  }

  private filtered(filter: UsageFilter) {
    let query = this.db.selectFrom("sb_usage");
    const requestId = filter.requestId;
    if (requestId !== undefined) {
      // Chat ids are `chatcmpl-<request id>`: rows written before response ids were stored match by the suffix.
      const bare = requestId.startsWith(CHAT_ID_PREFIX) ? requestId.slice(CHAT_ID_PREFIX.length) : undefined;
      query = query.where((eb) =>
        eb.or([
          eb("request_id", "=", requestId),
          eb("response_id", "=", requestId),
          ...(bare === undefined || bare === "" ? [] : [eb("request_id", "=", bare)]),
        ]),
      );
    }
    if (filter.keyId !== undefined) query = query.where("key_id", "=", filter.keyId);
    if (filter.teamId !== undefined) query = query.where("team_id", "=", filter.teamId);
    if (filter.userId !== undefined) query = query.where("user_id", "=", filter.userId);
    if (filter.modelGroup !== undefined) query = query.where("model_group", "=", filter.modelGroup);
    if (filter.deployment !== undefined) query = query.where("deployment", "=", filter.deployment);
    if (filter.provider !== undefined) query = query.where("provider", "=", filter.provider);
    if (filter.from !== undefined) query = query.where("started_at", ">=", filter.from);
    if (filter.to !== undefined) query = query.where("started_at", "<", filter.to);
    return query;
  }
}

/**
 * Ledger columns and the record fields they hold, in one table: the store's inserts and the SQLite writer thread
 * (which gets this table as data) map rows the same way. `flag` columns hold booleans as 0/1.
 */
export const USAGE_COLUMNS: readonly (readonly [keyof UsageTable, keyof UsageRecord, "value" | "flag"])[] = [
  ["request_id", "requestId", "value"],
  ["response_id", "responseId", "value"],
  ["attempt", "attempt", "value"],
  ["key_id", "keyId", "value"],
  ["team_id", "teamId", "value"],
  ["user_id", "userId", "value"],
  ["model_group", "modelGroup", "value"],
  ["deployment", "deployment", "value"],
  ["provider", "provider", "value"],
  ["model", "model", "value"],
  ["prompt_tokens", "promptTokens", "value"],
  ["completion_tokens", "completionTokens", "value"],
  ["cached_tokens", "cachedTokens", "value"],
  ["cache_write_tokens", "cacheWriteTokens", "value"],
  ["reasoning_tokens", "reasoningTokens", "value"],
  ["total_tokens", "totalTokens", "value"],
  ["cost_usd", "costUsd", "value"],
  ["usage_estimated", "usageEstimated", "flag"],
  ["latency_ms", "latencyMs", "value"],
  ["ttft_ms", "ttftMs", "value"],
  ["status", "status", "value"],
  ["stream", "stream", "flag"],
  ["cache_status", "cacheStatus", "value"],
  ["saved_cost_usd", "savedCostUsd", "value"],
  ["started_at", "startedAt", "value"],
  ["ended_at", "endedAt", "value"],
];

function toRow(record: UsageRecord): UsageTable {
  const row: Record<string, unknown> = {};
  for (const [column, field, kind] of USAGE_COLUMNS) {
    const value = record[field];
    row[column] = kind === "flag" ? (value ? 1 : 0) : (value ?? null);
  }
  return row as unknown as UsageTable;
}

function fromRow(row: UsageTable): UsageRecord {
  return {
    requestId: row.request_id,
    responseId: row.response_id ?? null,
    attempt: Number(row.attempt),
    keyId: row.key_id,
    teamId: row.team_id,
    userId: row.user_id,
    modelGroup: row.model_group,
    deployment: row.deployment,
    provider: row.provider,
    model: row.model,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedTokens: Number(row.cached_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    totalTokens: Number(row.total_tokens),
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    usageEstimated: Number(row.usage_estimated) === 1,
    latencyMs: Number(row.latency_ms),
    ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
    status: row.status,
    stream: Number(row.stream) === 1,
    cacheStatus: row.cache_status,
    savedCostUsd:
      row.saved_cost_usd === null || row.saved_cost_usd === undefined ? null : Number(row.saved_cost_usd),
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}
