/**
 * LiteLLM `config.yaml` keys that Switchboard knowingly does not implement, in one table, so that a LiteLLM user can
 * point us at their file and see exactly what is left out.
 *
 * - `ignore`: accepted, dropped, and reported once as a warning (loadConfig returns the warnings; main prints them).
 *   Only settings whose absence cannot weaken security or silently lose configured deployments belong here.
 * - `reject`: a startup error, because ignoring it would change behaviour in a way the operator must decide on
 *   (for example an IP allow-list, or `include` which would silently drop deployments).
 *
 * Key names come from LiteLLM's docs (`docs/proxy/config_settings.md`) and source (`litellm/types/router.py`:
 * `GenericLiteLLMParams`, `ModelInfo`; `litellm/types/utils.py`: `all_litellm_params`). Anything not here and not in
 * the schema is an unknown key, which is an error. When a later issue implements one of these, move it into the
 * schema and delete its line here.
 */

/** Where in the file a key lives. `model_list[].x` sections apply to every deployment. */
export type ConfigSection =
  | "top"
  | "model_list[]"
  | "model_list[].litellm_params"
  | "model_list[].model_info"
  | "litellm_settings"
  | "router_settings"
  | "general_settings";

export interface UnimplementedKey {
  action: "ignore" | "reject";
  /** Shown to the operator: what the key does in LiteLLM, or what to use instead. */
  note: string;
}

const ignore = (note: string): UnimplementedKey => ({ action: "ignore", note });
const reject = (note: string): UnimplementedKey => ({ action: "reject", note });

export const UNIMPLEMENTED_LITELLM_KEYS: Readonly<
  Record<ConfigSection, Readonly<Record<string, UnimplementedKey>>>
> = {
  top: {
    include: reject("splitting the config over several files is not supported; merge them into one file"),
    callback_settings: ignore("logging callbacks are not supported"),
    credential_list: ignore("named credentials are not supported; put credentials in litellm_params"),
    mcp_servers: ignore("MCP servers are not supported"),
    assistant_settings: ignore("the Assistants API is not supported"),
    files_settings: ignore("the Files API is not supported"),
    finetune_settings: ignore("fine-tuning endpoints are not supported"),
    search_tools: ignore("search tools are not supported"),
    vector_store_registry: ignore("vector stores are not supported"),
  },
  "model_list[]": {},
  "model_list[].litellm_params": {
    tags: ignore("tag-based routing is not supported"),
    tag_regex: ignore("tag-based routing is not supported"),
    mock_response: ignore("use the mock/ provider instead"),
    max_budget: ignore("per-deployment budgets are not supported"),
    budget_duration: ignore("per-deployment budgets are not supported"),
    itpm: ignore("input-token rate limits are not supported; use tpm"),
    otpm: ignore("output-token rate limits are not supported; use tpm"),
    default_api_key_tpm_limit: ignore("per-key defaults come from the keys service"),
    default_api_key_rpm_limit: ignore("per-key defaults come from the keys service"),
    keepalive_seconds: ignore("stream keep-alive heartbeats are not supported"),
    allow_client_keepalive_override: ignore("stream keep-alive heartbeats are not supported"),
    use_in_pass_through: ignore("pass-through endpoints are not supported"),
    use_litellm_proxy: ignore("forwarding to another LiteLLM proxy is not supported"),
    use_chat_completions_api: ignore("the Responses API bridge is not supported"),
    merge_reasoning_content_in_choices: ignore("reasoning is always returned as reasoning_content"),
    litellm_credential_name: ignore("named credentials are not supported; put credentials in litellm_params"),
    configurable_clientside_auth_params: ignore("clients can never choose credentials or api_base"),
    max_file_size_mb: ignore("the Files API is not supported"),
    ssl_verify: ignore("TLS verification of upstreams is always on"),
    model_info: ignore("put model_info beside litellm_params, not inside it"),
    supports_system_message: ignore("system messages are always sent as the provider expects"),
    litellm_trace_id: ignore("request ids are generated per request"),
  },
  "model_list[].model_info": {
    db_model: ignore("models are only read from the config file"),
    team_id: ignore("team-scoped models are not supported"),
    team_public_model_name: ignore("team-scoped models are not supported"),
    access_groups: ignore("model access groups are not supported"),
    blocked: ignore("pausing a deployment from the config is not supported; remove it"),
    updated_at: ignore("admin UI metadata"),
    updated_by: ignore("admin UI metadata"),
    created_at: ignore("admin UI metadata"),
    created_by: ignore("admin UI metadata"),
    allow_fail_open: ignore("tag-based routing is not supported"),
    enable_tag_filtering: ignore("tag-based routing is not supported"),
    health_check_model: ignore("health checks never touch upstreams"),
    health_check_timeout: ignore("health checks never touch upstreams"),
  },
  litellm_settings: {
    service_callbacks: ignore("logging callbacks are not supported"),
    redact_user_api_key_info: ignore("key material is never logged"),
    langfuse_default_tags: ignore("Langfuse logging is not supported"),
    modify_params: ignore("requests are never rewritten to fit a provider"),
    enable_preview_features: ignore("no preview features"),
    force_ipv4: ignore("address family follows the system resolver"),
    disable_end_user_cost_tracking: ignore("end-user cost tracking is not supported"),
    disable_end_user_cost_tracking_prometheus_only: ignore("end-user cost tracking is not supported"),
    key_generation_settings: ignore("key generation rules come from the keys service"),
    default_internal_user_params: ignore("internal users are not supported"),
    default_team_settings: ignore("teams are configured through the keys service"),
    max_end_user_budget: ignore("end-user budgets are not supported"),
    disable_add_transform_inline_image_block: ignore("Fireworks image URL rewriting is not supported"),
    disable_hf_tokenizer_download: ignore("no Hugging Face tokenizers are downloaded"),
    enable_json_schema_validation: ignore("response JSON is not validated against the request schema"),
    enable_key_alias_format_validation: ignore("key aliases are validated by the keys service"),
    mcp_aliases: ignore("MCP is not supported"),
    ssl_verify: ignore("TLS verification of upstreams is always on"),
    use_chat_completions_url_for_anthropic_messages: ignore("the Anthropic messages endpoint is not served"),
    disable_copilot_system_to_assistant: ignore("deprecated in LiteLLM"),
  },
  router_settings: {
    enable_tag_filtering: ignore("tag-based routing is not supported"),
    tag_filtering_match_any: ignore("tag-based routing is not supported"),
    default_priority: ignore("request priority queues are not supported"),
    polling_interval: ignore("request priority queues are not supported"),
    default_litellm_params: ignore("default request parameters are not supported"),
    debug_level: ignore("log level is not set from the router settings"),
    set_verbose: ignore("deprecated in LiteLLM"),
    client_ttl: ignore("upstream connections are pooled per origin"),
    cache_kwargs: ignore("response caching is not supported"),
    cache_responses: ignore("response caching is not supported"),
    caching_groups: ignore("response caching is not supported"),
    provider_budget_config: ignore("provider budgets are not supported"),
    model_group_retry_policy: ignore("per-group retry policies are not supported; use retry_policy"),
    router_general_settings: ignore("SDK-only setting"),
    optional_pre_call_checks: ignore("optional pre-call checks are not supported"),
    deployment_affinity_ttl_seconds: ignore("deployment affinity is not supported"),
    ignore_invalid_deployments: ignore("an invalid deployment is always a startup error"),
    search_tools: ignore("search tools are not supported"),
    guardrail_list: ignore("guardrails are not supported"),
    alerting_config: ignore("alerting is not supported"),
    assistants_config: ignore("the Assistants API is not supported"),
  },
  general_settings: {
    allowed_ips: reject("IP allow-lists are not supported; filter at the network layer and remove this key"),
    completion_model: ignore("the request must name its model"),
    store_prompts_in_spend_logs: ignore("prompts are never stored"),
    forward_client_headers_to_llm_api: ignore("client headers are never forwarded upstream"),
    forward_openai_org_id: ignore("client headers are never forwarded upstream"),
    disable_spend_logs: ignore("usage recording is configured by the usage service"),
    disable_spend_updates: ignore("usage recording is configured by the usage service"),
    disable_master_key_return: ignore("the master key is never returned"),
    disable_retry_on_max_parallel_request_limit_error: ignore("limit errors are never retried"),
    disable_reset_budget: ignore("budget resets are not configured here"),
    disable_adding_master_key_hash_to_db: ignore("only the master key hash is stored"),
    disable_responses_id_security: ignore("the Responses API is not supported"),
    enable_jwt_auth: ignore("JWT auth is not supported; use the master key or virtual keys"),
    litellm_jwtauth: ignore("JWT auth is not supported"),
    enforce_user_param: ignore("the user parameter is optional"),
    reject_clientside_metadata_tags: ignore("tags are not supported"),
    allowed_routes: ignore("route access is decided by role"),
    public_routes: ignore("route access is decided by role"),
    admin_only_routes: ignore("route access is decided by role"),
    key_management_system: ignore("secret managers are not supported; use os.environ/ references"),
    key_management_settings: ignore("secret managers are not supported; use os.environ/ references"),
    use_azure_key_vault: ignore("secret managers are not supported; use os.environ/ references"),
    use_google_kms: ignore("secret managers are not supported; use os.environ/ references"),
    maximum_spend_logs_retention_period: ignore("usage retention is not configured here"),
    maximum_spend_logs_retention_interval: ignore("usage retention is not configured here"),
    user_mcp_management_mode: ignore("MCP is not supported"),
    database_connection_pool_limit: ignore("the database pool size is not configured here"),
    database_connection_timeout: ignore("the database timeout is not configured here"),
    allow_requests_on_db_unavailable: ignore("the database outage policy is fixed"),
    custom_auth: ignore(
      "custom auth hooks are not supported; only the master key and virtual keys authenticate",
    ),
    custom_key_generate: ignore("custom key generation is not supported"),
    custom_sso: ignore("SSO is not supported"),
    max_parallel_requests: ignore("set max_parallel_requests per deployment in litellm_params"),
    global_max_parallel_requests: ignore("a proxy-wide parallel limit is not supported"),
    infer_model_from_keys: ignore("the request must name its model"),
    background_health_checks: ignore("health checks never touch upstreams"),
    health_check_interval: ignore("health checks never touch upstreams"),
    health_check_details: ignore("health checks never touch upstreams"),
    alert_to_webhook_url: ignore("alerting is not supported"),
    spend_report_frequency: ignore("alerting is not supported"),
    use_client_credentials_pass_through_routes: ignore("pass-through endpoints are not supported"),
    pass_through_endpoints: ignore("pass-through endpoints are not supported"),
    enforced_params: ignore("enforced parameters are not supported"),
    enable_oauth2_auth: ignore("OAuth2 auth is not supported"),
    enable_oauth2_proxy_auth: ignore("OAuth2 auth is not supported"),
    oauth2_config_mappings: ignore("OAuth2 auth is not supported"),
    use_x_forwarded_for: ignore("client addresses are taken from the socket"),
    service_account_settings: ignore("service accounts are not supported"),
    image_generation_model: ignore("image generation is not supported"),
    embedding_model: ignore("embeddings are not supported"),
    moderation_model: ignore("moderations are not supported"),
    store_model_in_db: ignore("models are only read from the config file"),
    supported_db_objects: ignore("models are only read from the config file"),
    max_response_size_mb: ignore("response size is bounded by the upstream"),
    proxy_budget_rescheduler_min_time: ignore("budget resets are not configured here"),
    proxy_budget_rescheduler_max_time: ignore("budget resets are not configured here"),
    proxy_batch_write_at: ignore("usage batching is configured by the usage service"),
    proxy_batch_polling_interval: ignore("the Batches API is not supported"),
    default_team_disabled: ignore("teams are configured through the keys service"),
    allow_user_auth: ignore("deprecated in LiteLLM"),
    user_api_key_cache_ttl: ignore("the key cache TTL is fixed"),
    disable_prisma_schema_update: ignore("migrations are run by Switchboard"),
    litellm_key_header_name: ignore("keys are read from the Authorization header"),
    allow_client_side_credentials: ignore("clients can never supply provider credentials"),
    ui_access_mode: ignore("there is no admin UI"),
    litellm_license: ignore("no license is needed"),
  },
};
