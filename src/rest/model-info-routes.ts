import { restAccessFor } from "../auth/access-matrix.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type { Deployment } from "../core/types/deployment.js";
import { scrubSecrets } from "../shared/secret-scrubber.js";
import { queryParams, sendJson } from "./http-io.js";
import type { RestContext, RestRoute } from "./rest-shim.js";

/**
 * LiteLLM's `GET /model/info` and `GET /v2/model/info` (admins only, by the authorization matrix): the configured
 * deployments in LiteLLM's shape. Credentials never leave: `litellm_params` is an allow-list of settings that
 * are not secret (no `api_key`, no extra headers, no provider credentials such as AWS or Vertex keys), and
 * `api_base` is shown without user info or query (where credentials hide in a URL).
 */

/** `https://user:pass@host/path?key=…` → `https://host/path`; something that is not a URL is not shown. */
function publicBase(apiBase: string | undefined): string | undefined {
  if (apiBase === undefined) return undefined;
  try {
    const url = new URL(apiBase);
    return scrubSecrets(`${url.protocol}//${url.host}${url.pathname}`);
  } catch {
    return undefined;
  }
}

function defined(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}

/** One deployment in LiteLLM's model-info shape, with nothing secret in it. */
export function modelInfoOf(deployment: Deployment): Record<string, unknown> {
  const { params, info } = deployment;
  return {
    model_name: deployment.modelName,
    litellm_params: defined({
      model: `${deployment.provider}/${deployment.model}`,
      custom_llm_provider: deployment.provider,
      api_base: publicBase(params.apiBase),
      api_version: params.apiVersion,
      rpm: params.rpm,
      tpm: params.tpm,
      max_parallel_requests: params.maxParallelRequests,
      weight: params.weight,
      order: params.order,
      timeout: params.timeoutMs === undefined ? undefined : params.timeoutMs / 1000,
      stream_timeout: params.streamTimeoutMs === undefined ? undefined : params.streamTimeoutMs / 1000,
      max_retries: params.maxRetries,
    }),
    model_info: defined({
      id: deployment.id,
      db_model: false,
      max_input_tokens: info.maxInputTokens,
      max_output_tokens: info.maxOutputTokens,
      max_tokens: info.maxTokens,
      input_cost_per_token: info.inputCostPerToken,
      output_cost_per_token: info.outputCostPerToken,
    }),
  };
}

function query(context: RestContext): URLSearchParams {
  return queryParams(context.request);
}

const ID = /^[A-Za-z0-9._:/#*@-]{1,256}$/;

function filterParam(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  if (value === null || value === "") return undefined;
  if (!ID.test(value)) throw invalidRequest(`'${name}' is not a model name or deployment id.`, name);
  return value;
}

/** The two read routes over the configured deployments. */
export function modelInfoRoutes(deployments: readonly Deployment[]): RestRoute[] {
  const handler = async (context: RestContext): Promise<number> => {
    const params = query(context);
    const id = filterParam(params, "litellm_model_id") ?? filterParam(params, "model_id");
    const name = filterParam(params, "model");
    const data = deployments
      .filter(
        (deployment) =>
          (id === undefined || deployment.id === id) && (name === undefined || deployment.modelName === name),
      )
      .map(modelInfoOf);
    sendJson(context.response, 200, { data }, { "x-request-id": context.requestId });
    return 200;
  };
  return [
    { method: "GET", path: "/model/info", access: restAccessFor("GET /model/info"), handler },
    { method: "GET", path: "/v2/model/info", access: restAccessFor("GET /v2/model/info"), handler },
  ];
}
