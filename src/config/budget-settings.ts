import { parseDurationSeconds } from "../shared/durations.js";
import type { LitellmSettings } from "./gateway-config.js";
import type { RawGeneralSettings, RawLitellmSettings } from "./schema.js";

/** Fields `upperbound_key_generate_params` may bound (numbers, or durations for the two *duration fields). */
const UPPER_BOUND_FIELDS = new Set([
  "max_budget",
  "soft_budget",
  "budget_duration",
  "duration",
  "max_parallel_requests",
  "tpm_limit",
  "rpm_limit",
]);
const DEFAULT_FIELDS = new Set([
  ...UPPER_BOUND_FIELDS,
  "models",
  "metadata",
  "tags",
  "team_id",
  "key_type",
  "model_max_budget",
  "model_rpm_limit",
  "model_tpm_limit",
]);
const DURATION_FIELDS = new Set(["budget_duration", "duration"]);

/**
 * LiteLLM's proxy-wide budget (`litellm_settings.max_budget`/`budget_duration`, or the same keys under
 * `general_settings`, where the LiteLLM guides also put them) and key-generation params, checked once here so
 * that `check` reports what start would refuse.
 */
export function buildBudgetSettings(
  litellm: RawLitellmSettings | undefined,
  general: RawGeneralSettings | undefined,
  problems: string[],
): Pick<LitellmSettings, "keyGenerateParams" | "proxyBudget"> {
  let proxyBudget: LitellmSettings["proxyBudget"];
  const section = litellm?.max_budget !== undefined ? "litellm_settings" : "general_settings";
  const maxBudget = litellm?.max_budget ?? general?.max_budget;
  const duration = litellm?.budget_duration ?? general?.budget_duration;
  if (litellm?.max_budget !== undefined && general?.max_budget !== undefined) {
    problems.push(
      "general_settings.max_budget: set the proxy budget in one place (litellm_settings.max_budget)",
    );
  }
  if (duration !== undefined && parseDurationSeconds(duration) === undefined) {
    problems.push(`${section}.budget_duration: expected a duration such as "30d", "24h" or "1w"`);
  } else if (maxBudget !== undefined) {
    proxyBudget = { maxBudget, budgetDuration: duration };
  } else if (duration !== undefined) {
    problems.push(`${section}.budget_duration: requires max_budget`);
  }

  const defaults = litellm?.default_key_generate_params;
  const upper = litellm?.upperbound_key_generate_params;
  for (const field of Object.keys(defaults ?? {})) {
    if (!DEFAULT_FIELDS.has(field)) {
      problems.push(
        `litellm_settings.default_key_generate_params.${field}: not a default Switchboard applies (one of ${[...DEFAULT_FIELDS].join(", ")})`,
      );
    }
  }
  const upperBounds: Record<string, number | string> = {};
  for (const [field, value] of Object.entries(upper ?? {})) {
    const path = `litellm_settings.upperbound_key_generate_params.${field}`;
    if (!UPPER_BOUND_FIELDS.has(field)) {
      problems.push(`${path}: cannot be bounded (one of ${[...UPPER_BOUND_FIELDS].join(", ")})`);
    } else if (DURATION_FIELDS.has(field)) {
      if (typeof value !== "string" || parseDurationSeconds(value) === undefined)
        problems.push(`${path}: expected a duration such as "30d"`);
      else upperBounds[field] = value;
    } else if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      problems.push(`${path}: expected a number ≥ 0`);
    } else upperBounds[field] = value;
  }
  const keyGenerateParams =
    defaults === undefined && upper === undefined
      ? undefined
      : { defaults: { ...(defaults ?? {}) }, upperBounds };
  return { keyGenerateParams, proxyBudget };
}
