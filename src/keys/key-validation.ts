import { invalidRequest } from "../core/errors/gateway-error.js";
import { parseDurationSeconds } from "./durations.js";
import type { Limits } from "./key-types.js";

/**
 * Input checks shared by both edges. Messages and `param`s name fields as FieldMask paths; the REST edge
 * renames them to LiteLLM's names.
 */

const MAX_TEXT = 256;
const MAX_LIST = 256;
const MAX_METADATA_BYTES = 16 * 1_024;
const MODEL_PATTERN = /^[^*\s]*\*?$/;

function hasControlCharacters(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function checkText(value: string | undefined, param: string, max = MAX_TEXT): void {
  if (value === undefined) return;
  if (value.length > max) throw invalidRequest(`${param} is longer than ${max} characters.`, param);
  if (hasControlCharacters(value)) throw invalidRequest(`${param} contains control characters.`, param);
}

export function checkId(value: string | undefined, param: string): void {
  if (value === undefined) return;
  if (!/^[A-Za-z0-9_.@:-]{1,128}$/.test(value)) {
    throw invalidRequest(`${param} must be 1..128 characters of letters, digits and _ . @ : -.`, param);
  }
}

export function checkModels(models: readonly string[] | undefined, param = "models"): void {
  if (models === undefined) return;
  if (models.length > MAX_LIST) throw invalidRequest(`${param} has more than ${MAX_LIST} entries.`, param);
  for (const [index, model] of models.entries()) {
    if (
      model.length === 0 ||
      model.length > MAX_TEXT ||
      hasControlCharacters(model) ||
      !MODEL_PATTERN.test(model)
    ) {
      throw invalidRequest(
        `${param}[${index}] must be a model name, alias or wildcard ("openai/*", "*"); '*' only at the end.`,
        param,
      );
    }
  }
}

export function checkTags(tags: readonly string[] | undefined): void {
  if (tags === undefined) return;
  if (tags.length > 64) throw invalidRequest("tags has more than 64 entries.", "tags");
  for (const tag of tags) checkText(tag, "tags", 128);
}

export function checkMetadata(metadata: Record<string, unknown> | undefined): void {
  if (metadata === undefined) return;
  if (Buffer.byteLength(JSON.stringify(metadata), "utf8") > MAX_METADATA_BYTES) {
    throw invalidRequest(`metadata is larger than ${MAX_METADATA_BYTES} bytes.`, "metadata");
  }
  const guardrails = metadata["guardrails"];
  if (
    guardrails !== undefined &&
    (!Array.isArray(guardrails) ||
      guardrails.length > 32 ||
      !guardrails.every((name) => typeof name === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(name)))
  ) {
    throw invalidRequest(
      "metadata.guardrails must be a list of at most 32 guardrail names.",
      "metadata.guardrails",
    );
  }
}

function checkAmount(value: number | undefined, param: string, integer: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0) throw invalidRequest(`${param} must be zero or positive.`, param);
  if (integer && (!Number.isSafeInteger(value) || value > 1e12)) {
    throw invalidRequest(`${param} must be a whole number up to 10^12.`, param);
  }
  if (!integer && value > 1e12) throw invalidRequest(`${param} must be at most 10^12.`, param);
}

export function checkLimits(limits: Limits | undefined): void {
  if (limits === undefined) return;
  checkAmount(limits.maxBudget, "limits.max_budget", false);
  checkAmount(limits.softBudget, "limits.soft_budget", false);
  checkAmount(limits.rpmLimit, "limits.rpm_limit", true);
  checkAmount(limits.tpmLimit, "limits.tpm_limit", true);
  checkAmount(limits.maxParallelRequests, "limits.max_parallel_requests", true);
  if (limits.budgetDuration !== undefined && parseDurationSeconds(limits.budgetDuration) === undefined) {
    throw invalidRequest(
      'limits.budget_duration must look like "30s", "10m", "24h", "30d" or "1w".',
      "limits.budget_duration",
    );
  }
  if (
    limits.softBudget !== undefined &&
    limits.maxBudget !== undefined &&
    limits.softBudget > limits.maxBudget
  ) {
    throw invalidRequest("limits.soft_budget must not exceed limits.max_budget.", "limits.soft_budget");
  }
  if (limits.modelLimits.length > MAX_LIST) {
    throw invalidRequest(`limits.model_limits has more than ${MAX_LIST} entries.`, "limits.model_limits");
  }
  const seen = new Set<string>();
  for (const limit of limits.modelLimits) {
    checkModels([limit.model], "limits.model_limits.model");
    if (seen.has(limit.model)) {
      throw invalidRequest(`limits.model_limits names '${limit.model}' twice.`, "limits.model_limits");
    }
    seen.add(limit.model);
    checkAmount(limit.rpmLimit, "limits.model_limits.rpm_limit", true);
    checkAmount(limit.tpmLimit, "limits.model_limits.tpm_limit", true);
    checkAmount(limit.maxBudget, "limits.model_limits.max_budget", false);
  }
}

export function checkFutureExpiry(expiresAt: Date | undefined, now: Date): void {
  if (expiresAt === undefined) return;
  if (Number.isNaN(expiresAt.getTime()))
    throw invalidRequest("expire_time is not a valid time.", "expire_time");
  if (expiresAt.getTime() <= now.getTime())
    throw invalidRequest("expire_time is in the past.", "expire_time");
}
