import { inferProvider } from "../core/catalog/provider-inference.js";
import type { Deployment, DeploymentParams, ModelInfo } from "../core/types/deployment.js";
import { deriveDeploymentId } from "./deployment-id.js";
import { EXTRA_LITELLM_PARAM_KEYS, EXTRA_MODEL_INFO_KEYS } from "./deployment-param-keys.js";
import type { RawLitellmParams, RawModelEntry, RawModelInfo } from "./schema.js";

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Deployments built from `model_list`, and the problems that make some of them unusable. */
export interface BuiltDeployments {
  deployments: Deployment[];
  problems: string[];
}

/**
 * Turns validated `model_list` entries into Deployments: provider from the prefix of `litellm_params.model` (or
 * `custom_llm_provider`), the rest as the upstream model id — which may itself contain slashes
 * (`openai/openai/gpt-4o-mini` → provider `openai`, model `openai/gpt-4o-mini`) — seconds to milliseconds, prices
 * given in `litellm_params` mirrored into `model_info` (as LiteLLM does), every other accepted key kept in `extra`,
 * and a stable id for each.
 */
export function buildDeployments(entries: readonly RawModelEntry[]): BuiltDeployments {
  const problems: string[] = [];
  const built: { deployment: Omit<Deployment, "id">; explicitId: string | undefined; index: number }[] = [];

  entries.forEach((entry, index) => {
    const path = `model_list[${index}].litellm_params`;
    const target = splitProviderModel(entry.litellm_params.model, entry.litellm_params.custom_llm_provider);
    if (typeof target === "string") {
      problems.push(`${path}.${target}`);
      return;
    }
    const deployment = {
      modelName: entry.model_name,
      provider: target.provider,
      model: target.model,
      params: toParams(entry.litellm_params),
      info: toInfo(entry.model_info, entry.litellm_params),
    };
    built.push({ deployment, explicitId: entry.model_info?.id, index });
  });

  const used = new Map<string, number>();
  for (const { explicitId, index } of built) {
    if (explicitId === undefined) continue;
    const first = used.get(explicitId);
    if (first === undefined) used.set(explicitId, index);
    else
      problems.push(`model_list[${index}].model_info.id: duplicate id (also used by model_list[${first}])`);
  }

  const deployments: Deployment[] = [];
  for (const { deployment, explicitId, index } of built) {
    let id = explicitId;
    if (id === undefined) {
      const base = deriveDeploymentId(deployment);
      id = base;
      for (let n = 2; used.has(id); n += 1) id = `${base}-${n}`;
      used.set(id, index);
    }
    deployments.push({ id, ...deployment });
  }
  return { deployments, problems };
}

/**
 * Splits `provider/model`; a bare name gets its provider from the model catalog. With `custom_llm_provider`, the model is taken as-is (minus a repeated provider prefix),
 * as LiteLLM does. Returns a problem (relative to litellm_params) when no provider can be told.
 */
export function splitProviderModel(
  model: string,
  customProvider?: string,
): { provider: string; model: string } | string {
  if (customProvider !== undefined) {
    if (!PROVIDER_NAME.test(customProvider)) {
      return "custom_llm_provider: must be a lowercase provider name such as 'openai'";
    }
    const rest = model.startsWith(`${customProvider}/`) ? model.slice(customProvider.length + 1) : model;
    if (rest === "") return "model: the model id after the provider prefix is empty";
    return { provider: customProvider, model: rest };
  }
  const slash = model.indexOf("/");
  if (slash < 0) {
    // A bare name (`gpt-4o`, `claude-sonnet-4-6`): the model catalog tells its provider, as LiteLLM does.
    const inferred = inferProvider(model);
    return "problem" in inferred ? `model: ${inferred.problem} (or set custom_llm_provider)` : inferred;
  }
  const provider = model.slice(0, slash);
  const rest = model.slice(slash + 1);
  if (!PROVIDER_NAME.test(provider)) {
    return "model: the provider prefix must be a lowercase provider name such as 'openai/'";
  }
  if (rest === "") return "model: the model id after the provider prefix is empty";
  return { provider, model: rest };
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

function toParams(raw: RawLitellmParams): DeploymentParams {
  const extra: Record<string, unknown> = {};
  const source = raw as Record<string, unknown>;
  for (const key of Object.keys(EXTRA_LITELLM_PARAM_KEYS)) {
    if (source[key] !== undefined) extra[key] = source[key];
  }
  const params: DeploymentParams = { extra };
  assign(params, "apiBase", raw.api_base);
  assign(params, "apiKey", raw.api_key);
  assign(params, "apiVersion", raw.api_version);
  assign(params, "organization", raw.organization);
  assign(params, "timeoutMs", secondsToMs(raw.timeout));
  assign(params, "streamTimeoutMs", secondsToMs(raw.stream_timeout));
  assign(params, "maxRetries", raw.max_retries);
  assign(params, "rpm", raw.rpm);
  assign(params, "tpm", raw.tpm);
  assign(params, "maxParallelRequests", raw.max_parallel_requests);
  assign(params, "weight", raw.weight);
  assign(params, "order", raw.order);
  if (raw.headers !== undefined || raw.extra_headers !== undefined) {
    // LiteLLM merges `headers` and `extra_headers`; extra_headers wins on a clash.
    params.extraHeaders = { ...raw.headers, ...raw.extra_headers };
  }
  return params;
}

function toInfo(raw: RawModelInfo | undefined, params: RawLitellmParams): ModelInfo {
  const extra: Record<string, unknown> = {};
  const source = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(EXTRA_MODEL_INFO_KEYS)) {
    if (source[key] !== undefined) extra[key] = source[key];
  }
  if (extra.input_cost_per_second === undefined && params.input_cost_per_second !== undefined) {
    extra.input_cost_per_second = params.input_cost_per_second;
  }
  if (extra.output_cost_per_second === undefined && params.output_cost_per_second !== undefined) {
    extra.output_cost_per_second = params.output_cost_per_second;
  }
  const info: ModelInfo = { extra };
  assign(info, "id", raw?.id);
  assign(info, "maxTokens", raw?.max_tokens);
  assign(info, "maxInputTokens", raw?.max_input_tokens);
  assign(info, "maxOutputTokens", raw?.max_output_tokens);
  assign(info, "inputCostPerToken", raw?.input_cost_per_token ?? params.input_cost_per_token);
  assign(info, "outputCostPerToken", raw?.output_cost_per_token ?? params.output_cost_per_token);
  return info;
}

/** Sets an optional property only when there is a value, so that absent keys stay absent (not `undefined`). */
function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
