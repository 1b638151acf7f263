/**
 * Who is calling, as established by authentication. The edges put it in the request context; the core and the
 * usage and limit checks read it. It never carries the secret itself.
 */
export interface Principal {
  /** "master" for the master key, otherwise the virtual key's id. */
  keyId: string;
  role: PrincipalRole;
  teamId?: string;
  userId?: string;
  /** Model names, aliases or wildcards this principal may call; undefined means all. */
  allowedModels?: readonly string[];
  /** The key's team's allowed models, which cap allowedModels; undefined means the team sets no list. */
  teamAllowedModels?: readonly string[];
  /** Display form of the key (prefix + last 4), safe to log. */
  display: string;
  /** The key's own budget and rate limits, for the usage checks to enforce; undefined for the master key. */
  limits?: PrincipalLimits;
  /** The team's budget and rate limits, which cap every key of the team. */
  teamLimits?: PrincipalLimits;
  /** Reporting labels of the key. */
  tags?: readonly string[];
  /** Guardrails the key enforces (`metadata.guardrails`): they run on every request, and no request turns them off. */
  guardrails?: readonly string[];
  /** Guardrails the key's team enforces (the team's `metadata.guardrails`), likewise. */
  teamGuardrails?: readonly string[];
}

export type PrincipalRole = "admin" | "team_admin" | "user" | "viewer";

/** Budget and rate limits as stored on a key or team. Undefined fields mean "no limit of its own". */
export interface PrincipalLimits {
  maxBudget?: number | undefined;
  /** How often spend resets ("30d", "24h"); undefined: never. */
  budgetDuration?: string | undefined;
  softBudget?: number | undefined;
  rpmLimit?: number | undefined;
  tpmLimit?: number | undefined;
  maxParallelRequests?: number | undefined;
  modelLimits?: readonly PrincipalModelLimit[];
  /** Further limits over calendar-like windows ("10k tokens per day", "100 requests per hour"), several at once. */
  windows?: readonly PrincipalWindowLimit[];
}

/** One limit over one window: requests, tokens or dollars per minute, hour, day or month (UTC). */
export interface PrincipalWindowLimit {
  metric: "requests" | "tokens" | "dollars";
  window: "minute" | "hour" | "day" | "month";
  limit: number;
  /** Restrict the limit to one model (as the caller names it); undefined: every model. */
  model?: string | undefined;
}

export interface PrincipalModelLimit {
  model: string;
  rpmLimit?: number | undefined;
  tpmLimit?: number | undefined;
  maxBudget?: number | undefined;
}
