/**
 * A deployment: one provider model at one endpoint with one credential, as configured in `model_list`.
 * Several deployments sharing a `modelName` form a model group that the router balances over.
 */
export interface Deployment {
  /** Stable id (`model_info.id`, or derived from the config position). */
  id: string;
  /** The group name callers use (`model_name`). */
  modelName: string;
  /** Provider id from the prefix of `litellm_params.model`, e.g. "openai". */
  provider: string;
  /** The model id sent upstream (prefix removed; may itself contain slashes). */
  model: string;
  /** Everything from `litellm_params`, resolved (env references replaced). Holds credentials: never log it. */
  params: DeploymentParams;
  info: ModelInfo;
}

export interface DeploymentParams {
  apiBase?: string;
  apiKey?: string;
  apiVersion?: string;
  organization?: string;
  /** Total time for one attempt, in milliseconds. */
  timeoutMs?: number;
  /** Time to first token for streams, in milliseconds. */
  streamTimeoutMs?: number;
  maxRetries?: number;
  rpm?: number;
  tpm?: number;
  maxParallelRequests?: number;
  weight?: number;
  order?: number;
  extraHeaders?: Record<string, string>;
  /** Every other `litellm_params` key, for providers that read their own (aws_region_name, vertex_project, …). */
  extra: Record<string, unknown>;
}

export interface ModelInfo {
  id?: string;
  maxInputTokens?: number;
  maxOutputTokens?: number;
  maxTokens?: number;
  inputCostPerToken?: number;
  outputCostPerToken?: number;
  /** Other `model_info` keys kept as given (prices of other kinds, capabilities). */
  extra: Record<string, unknown>;
}
