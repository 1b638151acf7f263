/**
 * The tables of the gateway's own database, one schema for SQLite and PostgreSQL. Timestamps are ISO-8601 UTC
 * text with milliseconds (fixed width, so they sort as text on both databases); lists, per-model limits and
 * metadata are JSON text. Integer limits are BIGINT on PostgreSQL and parsed to numbers by the pool.
 */
export interface Database {
  sb_teams: TeamTable;
  sb_team_members: TeamMemberTable;
  sb_keys: KeyTable;
  sb_key_secrets: KeySecretTable;
  sb_usage: UsageTable;
  sb_responses: ResponseTable;
}

/** Stored OpenAI Responses (src/responses/): JSON as text, scoped to the creating key, expiring. */
export interface ResponseTable {
  response_id: string;
  key_id: string;
  created_at: string;
  expires_at: string;
  response: string;
  input_items: string;
  history: string;
}

/** The usage ledger: one row per attempt that reached a provider, keyed by (request_id, attempt). */
export interface UsageTable {
  request_id: string;
  /** The response's own id as the client saw it (`chatcmpl-…`, `msg_…`, `resp_…`); null on older rows. */
  response_id: string | null;
  attempt: number;
  key_id: string;
  team_id: string | null;
  user_id: string | null;
  model_group: string;
  deployment: string;
  provider: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  /** Null: unpriced. */
  cost_usd: number | null;
  usage_estimated: number;
  latency_ms: number;
  ttft_ms: number | null;
  status: string;
  stream: number;
  cache_status: string;
  /** Cache hits: the stored answer's original cost (migration 0004); null otherwise. */
  saved_cost_usd: number | null;
  started_at: string;
  ended_at: string;
}

/** Budget and rate-limit columns shared by keys and teams. */
export interface LimitColumns {
  max_budget: number | null;
  budget_duration: string | null;
  soft_budget: number | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
  /** JSON array of { model, rpm_limit?, tpm_limit?, max_budget? }. */
  model_limits: string;
}

export interface TeamTable extends LimitColumns {
  team_id: string;
  display_name: string;
  /** JSON array of model names, aliases or wildcards. */
  models: string;
  max_key_duration_seconds: number | null;
  metadata: string;
  tags: string;
  spend: number;
  budget_reset_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface TeamMemberTable {
  team_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface KeyTable extends LimitColumns {
  key_id: string;
  display_name: string;
  user_id: string | null;
  team_id: string | null;
  role: string;
  models: string;
  expires_at: string | null;
  metadata: string;
  tags: string;
  /** "active" | "blocked" | "revoked"; "expired" is derived from expires_at. */
  state: string;
  display_secret: string;
  spend: number;
  budget_reset_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** Every live secret of a key: the current one (expires_at null) and rotated ones in their grace period. */
export interface KeySecretTable {
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  secret_hash: string;
  key_id: string;
  created_at: string;
  expires_at: string | null;
}
