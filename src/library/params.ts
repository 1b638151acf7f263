import { invalidRequest } from "../core/errors/gateway-error.js";
import type { UsageCallback } from "./types.js";

/**
 * Splits a call's parameters into what configures the deployment (credentials, base, provider, timeouts — the
 * keys a `model_list[].litellm_params` entry takes), what belongs to the library (signal, callback, retries), and
 * the request body sent through the core (everything else, validated strictly there). camelCase spellings of the
 * library's own keys are accepted next to LiteLLM's snake_case.
 */

/** Deployment-level keys, by LiteLLM name. */
const CONNECTION_KEYS = new Set([
  "api_key",
  "api_base",
  "api_version",
  "organization",
  "custom_llm_provider",
  "timeout",
  "stream_timeout",
  "extra_headers",
  "tenant_id",
  "client_id",
  "client_secret",
  "region_name",
]);
const CONNECTION_PREFIXES = ["aws_", "azure_", "vertex_"];

/** camelCase → snake_case for the library's own keys. */
const CAMEL: Readonly<Record<string, string>> = {
  apiKey: "api_key",
  apiBase: "api_base",
  apiVersion: "api_version",
  customLlmProvider: "custom_llm_provider",
  numRetries: "num_retries",
  streamTimeout: "stream_timeout",
  extraHeaders: "extra_headers",
  on_usage: "onUsage",
};

export interface SplitParams {
  model: string;
  connection: Record<string, unknown>;
  body: Record<string, unknown>;
  signal: AbortSignal | undefined;
  onUsage: UsageCallback | undefined;
  numRetries: number | undefined;
}

export function splitParams(
  params: unknown,
  call = "completion() takes one object of parameters ({ model, messages, … }).",
): SplitParams {
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw invalidRequest(call);
  }
  const connection: Record<string, unknown> = {};
  const body: Record<string, unknown> = {};
  let signal: AbortSignal | undefined;
  let onUsage: UsageCallback | undefined;
  let numRetries: number | undefined;
  for (const [rawKey, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const key = CAMEL[rawKey] ?? rawKey;
    if (key === "signal") {
      if (!(value instanceof AbortSignal)) throw invalidRequest("'signal' must be an AbortSignal.", "signal");
      signal = value;
    } else if (key === "onUsage") {
      if (typeof value !== "function") throw invalidRequest("'onUsage' must be a function.", "onUsage");
      onUsage = value as UsageCallback;
    } else if (key === "num_retries") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 10) {
        throw invalidRequest("'num_retries' must be an integer from 0 to 10.", "num_retries");
      }
      numRetries = value;
    } else if (CONNECTION_KEYS.has(key) || CONNECTION_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      connection[key] = value;
    } else body[key] = value;
  }
  const model = body.model;
  if (typeof model !== "string" || model.trim() === "") {
    throw invalidRequest("'model' is required: 'provider/model' or a name the model catalog knows.", "model");
  }
  return { model, connection, body, signal, onUsage, numRetries };
}
