import { unsupportedParameter } from "../core/errors/gateway-error.js";
import type { ChatRequest } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import { withDeploymentDropParams } from "./shared/supported-params.js";

/**
 * Applies `ChatRequest.nativeOnly` for the deployment an attempt goes to: its own provider gets the native
 * headers (e.g. `anthropic-beta`) added to the upstream headers; any other provider refuses the request with a
 * 400 naming the first native-only field, unless drop_params (the caller's, the gateway's or the deployment's),
 * and never sees the headers. The values themselves travel namespaced in providerOptions, which other providers
 * do not read. A deployment's own `drop_params` is applied here first, once for every provider (OpenAI,
 * Anthropic, Gemini, Vertex and Cohere did not read it).
 */
export function forDeploymentProvider(input: ChatRequest, deployment: Deployment): ChatRequest {
  const request = withDeploymentDropParams(input, deployment);
  const native = request.nativeOnly;
  if (native === undefined) return request;
  if (native.provider === deployment.provider) {
    if (native.headers === undefined) return request;
    return { ...request, upstreamHeaders: { ...request.upstreamHeaders, ...native.headers } };
  }
  const first = native.params[0];
  if (first !== undefined && request.dropParams !== true)
    throw unsupportedParameter(deployment.provider, first);
  return request;
}
