import type { ErrorKind } from "../core/errors/error-kind.js";
import type { AttemptReason } from "../core/types/routing.js";

export interface FallbackOptions {
  /** Group → groups, for any failure that another group might not have (LiteLLM `fallbacks`; `*` = any group). */
  fallbacks: Record<string, string[]>;
  /** Taken on a context-window error, or before the call when the prompt cannot fit (`context_window_fallbacks`). */
  contextWindowFallbacks: Record<string, string[]>;
  /** Taken on a content-policy refusal (`content_policy_fallbacks`). */
  contentPolicyFallbacks: Record<string, string[]>;
  /** For groups without `fallbacks` of their own (`default_fallbacks`). */
  defaultFallbacks: string[];
  /** At most this many fallback groups per request (`max_fallbacks`, default 5). */
  maxFallbacks: number;
}

export interface FallbackPlan {
  groups: string[];
  reason: AttemptReason;
}

/**
 * Which groups to try after `group` failed with `kind`, in order. Context-window and content-policy failures take
 * their own lists only (a generic fallback of the same size would fail the same way); other failures of the
 * upstream or of capacity take the request's own list when it may give one, else the group's, else `*`, else
 * `default_fallbacks`. Caller errors (invalid request, cancelled…) never fall back.
 */
export function planFallbacks(
  group: string,
  kind: ErrorKind,
  options: FallbackOptions,
  requestFallbacks: readonly string[] | undefined,
): FallbackPlan | undefined {
  let plan: FallbackPlan | undefined;
  if (kind === "context_window_exceeded") {
    plan = { groups: options.contextWindowFallbacks[group] ?? [], reason: "context_window_fallback" };
  } else if (kind === "content_policy") {
    plan = { groups: options.contentPolicyFallbacks[group] ?? [], reason: "content_policy_fallback" };
  } else if (takesGenericFallbacks(kind)) {
    const groups =
      requestFallbacks ?? options.fallbacks[group] ?? options.fallbacks["*"] ?? options.defaultFallbacks;
    plan = { groups: [...groups], reason: "fallback" };
  }
  if (plan === undefined) return undefined;
  plan.groups = plan.groups.filter((name) => name !== group).slice(0, Math.max(0, options.maxFallbacks));
  return plan.groups.length === 0 ? undefined : plan;
}

function takesGenericFallbacks(kind: ErrorKind): boolean {
  switch (kind) {
    case "upstream_rate_limited":
    case "upstream_unavailable":
    case "timeout":
    case "connection_error":
    case "upstream_auth":
    case "upstream_protocol":
    case "unavailable":
      return true;
    case "upstream_bad_request":
    case "invalid_request":
    case "unsupported_parameter":
    case "authentication":
    case "permission_denied":
    case "not_found":
    case "model_not_found":
    case "payload_too_large":
    case "rate_limited":
    case "budget_exceeded":
    case "conflict":
    case "context_window_exceeded":
    case "content_policy":
    case "guardrail_violation":
    case "cancelled":
    case "internal":
      return false;
  }
}
