import type { Principal, PrincipalLimits, PrincipalWindowLimit } from "../core/types/principal.js";
import { parseDurationSeconds } from "../keys/durations.js";

export type LimitMetric = "requests" | "tokens" | "dollars" | "parallel";

/** A window: fixed length aligned to the epoch (minute, hour, day, a budget_duration), or a UTC calendar month. */
export type LimitWindow = { kind: "fixed"; ms: number; label: string } | { kind: "month"; label: string };

/** One limit that applies to a request: a counter shared by every replica. */
export interface LimitRule {
  /** Stable counter id (Redis key part): subject + metric + window, no secrets (key ids only). */
  id: string;
  metric: LimitMetric;
  limit: number;
  /** Undefined: never resets (a budget without budget_duration) or a parallel slot count. */
  window: LimitWindow | undefined;
  /** Caller-facing name: "key rpm_limit", "team max_budget (30d)". */
  name: string;
  /** Whose usage the counter counts (seeds long windows from the ledger). */
  subject: { scope: "key" | "team" | "proxy"; id: string; model?: string | undefined };
  /** A counter kept only to report spend (no limit of its own): never refuses, and no store-failure refusal. */
  tracking?: boolean;
}

const MINUTE: LimitWindow = { kind: "fixed", ms: 60_000, label: "minute" };
const NAMED: Record<PrincipalWindowLimit["window"], LimitWindow> = {
  minute: MINUTE,
  hour: { kind: "fixed", ms: 3_600_000, label: "hour" },
  day: { kind: "fixed", ms: 86_400_000, label: "day" },
  month: { kind: "month", label: "month" },
};

function budgetWindow(duration: string | undefined): LimitWindow | undefined {
  if (duration === undefined) return undefined;
  const seconds = parseDurationSeconds(duration);
  return seconds === undefined ? undefined : { kind: "fixed", ms: seconds * 1000, label: duration };
}

function windowPart(window: LimitWindow | undefined): string {
  if (window === undefined) return "all";
  return window.kind === "month" ? "month" : `${window.ms}`;
}

function modelMatches(pattern: string, model: string): boolean {
  if (pattern === model) return true;
  if (!pattern.includes("*")) return false;
  const [head = "", tail = ""] = pattern.split("*", 2);
  return model.startsWith(head) && model.endsWith(tail) && model.length >= head.length + tail.length;
}

function rulesOf(
  scope: "key" | "team",
  id: string,
  limits: PrincipalLimits | undefined,
  model: string,
): LimitRule[] {
  if (limits === undefined) return [];
  const out: LimitRule[] = [];
  const subject = `${scope}:${id}`;
  const add = (
    metric: LimitMetric,
    limit: number | undefined,
    window: LimitWindow | undefined,
    name: string,
    model?: string,
  ) => {
    if (limit === undefined || !Number.isFinite(limit) || limit < 0) return;
    out.push({
      id: `${subject}${model === undefined ? "" : `|model:${model}`}:${metric}:${windowPart(window)}`,
      metric,
      limit,
      window,
      name: `${scope} ${name}`,
      subject: { scope, id, ...(model !== undefined ? { model } : {}) },
    });
  };
  const budget = budgetWindow(limits.budgetDuration);
  add("dollars", limits.maxBudget, budget, `max_budget${budget ? ` (${budget.label})` : ""}`);
  add("requests", limits.rpmLimit, MINUTE, "rpm_limit");
  add("tokens", limits.tpmLimit, MINUTE, "tpm_limit");
  add("parallel", limits.maxParallelRequests, undefined, "max_parallel_requests");
  for (const modelLimit of limits.modelLimits ?? []) {
    if (!modelMatches(modelLimit.model, model)) continue;
    add("requests", modelLimit.rpmLimit, MINUTE, `rpm_limit for ${modelLimit.model}`, modelLimit.model);
    add("tokens", modelLimit.tpmLimit, MINUTE, `tpm_limit for ${modelLimit.model}`, modelLimit.model);
    add("dollars", modelLimit.maxBudget, budget, `max_budget for ${modelLimit.model}`, modelLimit.model);
  }
  for (const window of limits.windows ?? []) {
    if (window.model !== undefined && !modelMatches(window.model, model)) continue;
    const spec = NAMED[window.window];
    const label = `${window.metric} per ${window.window}${window.model ? ` for ${window.model}` : ""}`;
    add(window.metric, window.limit, spec, label, window.model);
  }
  return out;
}

/** Every limit of the key and of its team that applies to a request for `model`. The master key has none. */
export function limitRulesFor(principal: Principal, model: string): LimitRule[] {
  return [
    ...rulesOf("key", principal.keyId, principal.limits, model),
    ...(principal.teamId !== undefined ? rulesOf("team", principal.teamId, principal.teamLimits, model) : []),
  ];
}

/** The current window of a rule: its start and end (epoch ms); undefined bounds for windowless rules. */
export function windowBounds(
  window: LimitWindow | undefined,
  now: number,
): { start: number; end: number | undefined } {
  if (window === undefined) return { start: 0, end: undefined };
  if (window.kind === "fixed") {
    const start = Math.floor(now / window.ms) * window.ms;
    return { start, end: start + window.ms };
  }
  const date = new Date(now);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { start, end };
}

/**
 * Reads extra window limits from a key's or team's metadata (`usage_limits: [{metric, window, limit, model?}]`),
 * the documented way to set "10k tokens per day" with LiteLLM-compatible admin APIs. Malformed entries are
 * ignored (the admin API validates them on write).
 */
export function windowLimitsFromMetadata(metadata: Record<string, unknown>): PrincipalWindowLimit[] {
  const raw = metadata["usage_limits"];
  if (!Array.isArray(raw)) return [];
  const out: PrincipalWindowLimit[] = [];
  for (const entry of raw) {
    if (typeof entry !== "object" || entry === null) continue;
    const record = entry as Record<string, unknown>;
    const metric = record["metric"];
    const window = record["window"];
    const limit = record["limit"];
    const model = record["model"];
    if (metric !== "requests" && metric !== "tokens" && metric !== "dollars") continue;
    if (window !== "minute" && window !== "hour" && window !== "day" && window !== "month") continue;
    if (typeof limit !== "number" || !Number.isFinite(limit) || limit < 0) continue;
    out.push({ metric, window, limit, ...(typeof model === "string" ? { model } : {}) });
  }
  return out;
}
