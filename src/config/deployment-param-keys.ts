/**
 * The `litellm_params` and `model_info` keys that Switchboard accepts without giving them a typed field: they are
 * validated by kind and handed on untouched (`Deployment.params.extra`, `Deployment.info.extra`) for the providers,
 * the router and the pricing code that read them. One table, so that the schema, the deployment id and the redaction
 * in `switchboard check` agree on which keys exist and which hold secrets.
 *
 * Names are LiteLLM's (litellm/types/router.py `CredentialLiteLLMParams` / `GenericLiteLLMParams`,
 * litellm/types/utils.py `all_litellm_params` / `ModelInfoBase`), so a LiteLLM config migrates unchanged.
 */

export type ParamKind =
  | "string"
  | "httpUrl"
  | "number"
  | "nonNegative"
  | "count"
  | "positiveCount"
  | "boolean"
  | "stringList"
  | "json"
  | "jsonObject";

export interface ParamKey {
  kind: ParamKind;
  /** A credential: never printed, never hashed into the deployment id. */
  secret?: true;
  /** Says which endpoint or account a deployment talks to, so it is part of the derived deployment id. */
  identity?: true;
}

const secret = (kind: ParamKind = "string"): ParamKey => ({ kind, secret: true });
const identity = (kind: ParamKind = "string"): ParamKey => ({ kind, identity: true });
const plain = (kind: ParamKind): ParamKey => ({ kind });

/** `litellm_params` keys that go to `params.extra` as given (after env resolution and coercion). */
export const EXTRA_LITELLM_PARAM_KEYS: Readonly<Record<string, ParamKey>> = {
  // Azure OpenAI (Entra ID and token auth).
  azure_ad_token: secret(),
  tenant_id: identity(),
  client_id: identity(),
  client_secret: secret(),
  azure_username: identity(),
  azure_password: secret(),
  azure_scope: plain("string"),
  // Vertex AI.
  vertex_project: identity(),
  vertex_location: identity(),
  vertex_credentials: secret("json"),
  // Unified region name, and IBM watsonx.
  region_name: identity(),
  watsonx_region_name: identity(),
  // AWS Bedrock / SageMaker.
  aws_access_key_id: secret(),
  aws_secret_access_key: secret(),
  aws_session_token: secret(),
  aws_region_name: identity(),
  aws_session_name: plain("string"),
  aws_profile_name: identity(),
  aws_role_name: identity(),
  aws_web_identity_token: secret(),
  aws_sts_endpoint: plain("httpUrl"),
  aws_external_id: secret(),
  aws_bedrock_runtime_endpoint: identity("httpUrl"),
  // Per-deployment behaviour read by the router and the providers.
  drop_params: plain("boolean"),
  additional_drop_params: plain("stringList"),
  num_retries: plain("count"),
  cooldown_time: plain("nonNegative"),
  // Default request parameters (LiteLLM passes every litellm_params key it does not consume to completion()).
  temperature: plain("number"),
  top_p: plain("number"),
  top_k: plain("count"),
  max_tokens: plain("positiveCount"),
  max_completion_tokens: plain("positiveCount"),
  stop: plain("json"),
  seed: plain("number"),
  presence_penalty: plain("number"),
  frequency_penalty: plain("number"),
  logit_bias: plain("jsonObject"),
  reasoning_effort: plain("string"),
  thinking: plain("jsonObject"),
  response_format: plain("jsonObject"),
  parallel_tool_calls: plain("boolean"),
  user: plain("string"),
  safety_settings: plain("json"),
  extra_body: plain("jsonObject"),
};

/** Typed `litellm_params` keys that hold secrets (the extra ones say so in the table above). */
const TYPED_SECRET_PARAM_KEYS: ReadonlySet<string> = new Set(["api_key"]);

/** True for a `litellm_params` key whose value is a credential. */
export function isSecretParamKey(key: string): boolean {
  return TYPED_SECRET_PARAM_KEYS.has(key) || EXTRA_LITELLM_PARAM_KEYS[key]?.secret === true;
}

const SUPPORTS_FLAGS = [
  "supports_system_messages",
  "supports_response_schema",
  "supports_vision",
  "supports_function_calling",
  "supports_tool_choice",
  "supports_assistant_prefill",
  "supports_prompt_caching",
  "supports_computer_use",
  "supports_audio_input",
  "supports_audio_output",
  "supports_embedding_image_input",
  "supports_pdf_input",
  "supports_native_streaming",
  "supports_native_structured_output",
  "supports_parallel_function_calling",
  "supports_web_search",
  "supports_reasoning",
  "supports_url_context",
  "supports_none_reasoning_effort",
  "supports_minimal_reasoning_effort",
  "supports_low_reasoning_effort",
  "supports_xhigh_reasoning_effort",
] as const;

const PRICE_KEYS = [
  "cache_read_input_token_cost",
  "cache_creation_input_token_cost",
  "cache_creation_input_token_cost_above_1hr",
  "cache_read_input_token_cost_above_200k_tokens",
  "cache_creation_input_token_cost_above_200k_tokens",
  "input_cost_per_token_above_128k_tokens",
  "input_cost_per_token_above_200k_tokens",
  "output_cost_per_token_above_128k_tokens",
  "output_cost_per_token_above_200k_tokens",
  "input_cost_per_token_batches",
  "output_cost_per_token_batches",
  "input_cost_per_token_flex",
  "output_cost_per_token_flex",
  "input_cost_per_token_priority",
  "output_cost_per_token_priority",
  "cache_read_input_token_cost_flex",
  "cache_read_input_token_cost_priority",
  "input_cost_per_audio_token",
  "output_cost_per_audio_token",
  "input_cost_per_image",
  "output_cost_per_image",
  "input_cost_per_character",
  "output_cost_per_character",
  "input_cost_per_second",
  "output_cost_per_second",
  "input_cost_per_query",
  "output_cost_per_reasoning_token",
  "citation_cost_per_token",
] as const;

/** `model_info` keys that go to `info.extra`: prices of other kinds, capabilities, descriptive fields. */
export const EXTRA_MODEL_INFO_KEYS: Readonly<Record<string, ParamKey>> = {
  mode: plain("string"),
  base_model: plain("string"),
  litellm_provider: plain("string"),
  tier: plain("string"),
  metadata: plain("jsonObject"),
  supported_openai_params: plain("stringList"),
  tpm: plain("count"),
  rpm: plain("count"),
  search_context_cost_per_query: plain("jsonObject"),
  ...Object.fromEntries(PRICE_KEYS.map((key) => [key, plain("nonNegative")])),
  ...Object.fromEntries(SUPPORTS_FLAGS.map((key) => [key, plain("boolean")])),
};
