/**
 * One ledger row: one attempt that reached a provider. Idempotent by (requestId, attempt). Never holds prompts,
 * completions or secrets — key ids and display names only.
 */
export interface UsageRecord {
  requestId: string;
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
  /** Response-cache status ("none" until a cache exists). */
  cacheStatus: string;
  /** ISO-8601 UTC with milliseconds (sorts as text on both databases). */
  startedAt: string;
  endedAt: string;
}
