import { parseDurationSeconds } from "./durations.js";

/**
 * LiteLLM's `litellm_settings.default_key_generate_params` and `upperbound_key_generate_params`, applied to every
 * `/key/generate` body (LiteLLM field names). Defaults fill fields the body leaves out; an upper bound refuses a
 * larger value, and fills an absent one with the bound itself, so no generated key exceeds it (GUARDS 3 holds
 * on top: a key also never exceeds its creator).
 */
export interface KeyGenerateParams {
  defaults: Readonly<Record<string, unknown>>;
  upperBounds: Readonly<Record<string, number | string>>;
}

/** Fields an upper bound may name: the numeric limits and the two durations. */
export const UPPER_BOUND_FIELDS = [
  "max_budget",
  "soft_budget",
  "budget_duration",
  "duration",
  "max_parallel_requests",
  "tpm_limit",
  "rpm_limit",
] as const;

/** Fields a default may name: what a LiteLLM admin sets on most keys. */
export const DEFAULT_FIELDS = [
  ...UPPER_BOUND_FIELDS,
  "models",
  "metadata",
  "tags",
  "team_id",
  "key_type",
  "model_max_budget",
  "model_rpm_limit",
  "model_tpm_limit",
] as const;

const DURATION_FIELDS = new Set(["budget_duration", "duration"]);

export class KeyParamAboveBound extends Error {
  constructor(
    readonly field: string,
    bound: number | string,
  ) {
    super(`${field} may be at most ${bound} here (litellm_settings.upperbound_key_generate_params).`);
  }
}

function magnitude(field: string, value: unknown): number | undefined {
  if (DURATION_FIELDS.has(field)) return typeof value === "string" ? parseDurationSeconds(value) : undefined;
  return typeof value === "number" ? value : undefined;
}

/** The body with defaults and bounds applied; throws KeyParamAboveBound naming the first field above its bound. */
export function applyKeyGenerateParams(
  body: Record<string, unknown>,
  params: KeyGenerateParams | undefined,
): Record<string, unknown> {
  if (params === undefined) return body;
  const out: Record<string, unknown> = { ...body };
  for (const [field, value] of Object.entries(params.defaults))
    if (out[field] === undefined) out[field] = value;
  for (const [field, bound] of Object.entries(params.upperBounds)) {
    const value = out[field];
    if (value === undefined || value === null) {
      out[field] = bound;
      continue;
    }
    const actual = magnitude(field, value);
    const limit = magnitude(field, bound);
    if (actual !== undefined && limit !== undefined && actual > limit)
      throw new KeyParamAboveBound(field, bound);
  }
  return out;
}
