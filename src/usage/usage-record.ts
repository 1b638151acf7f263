import { scrubSecrets } from "../shared/secret-scrubber.js";

/**
 * One ledger row: one attempt that reached a provider. Idempotent by (requestId, attempt). Never holds prompts,
 * completions or secrets — key ids and display names only.
 */
export interface UsageRecord {
  requestId: string;
  /**
   * The id the client saw in the response body (`chatcmpl-…`, `msg_…`, `resp_…`), indexed beside the request id
   * so that LiteLLM's `/spend/logs?request_id=<response id>` finds the row. Absent on rows journaled before it.
   */
  responseId?: string | null;
  /** 1-based attempt number within the request. */
  attempt: number;
  keyId: string;
  teamId: string | null;
  userId: string | null;
  modelGroup: string;
  deployment: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  /** US dollars; null when the model is unpriced (never a silent zero). */
  costUsd: number | null;
  /** Tokens estimated with a tokenizer (the provider reported nothing, e.g. a stream cut early). */
  usageEstimated: boolean;
  latencyMs: number;
  /** Time to first token (streams), ms; null when unknown. */
  ttftMs: number | null;
  /** "ok", "cut_short", or the error kind that ended the attempt. */
  status: string;
  stream: boolean;
  /** Response-cache status: "none" (not served from the cache) or "hit". */
  cacheStatus: string;
  /** For a cache hit: what the stored answer cost when it was first produced (null: unpriced, or not a hit). */
  savedCostUsd?: number | null;
  /** ISO-8601 UTC with milliseconds (sorts as text on both databases). */
  startedAt: string;
  endedAt: string;
}

/**
 * The record with its free-text fields scrubbed of secrets: the ledger's last line of defence (GUARDS 5). Model
 * names come from callers on wildcard deployments, and a caller who pastes a key into one must not have it
 * stored, journaled and replicated.
 */
export function scrubbedRecord(record: UsageRecord): UsageRecord {
  return {
    ...record,
    modelGroup: scrubSecrets(record.modelGroup),
    deployment: scrubSecrets(record.deployment),
    provider: scrubSecrets(record.provider),
    model: scrubSecrets(record.model),
    status: scrubSecrets(record.status),
  };
}
