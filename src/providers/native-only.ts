import { unsupportedParameter } from "../core/errors/gateway-error.js";
import type { ChatRequest } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";

/**
 * Applies `ChatRequest.nativeOnly` for the deployment an attempt goes to: its own provider gets the native
 * headers (e.g. `anthropic-beta`) added to the upstream headers; any other provider refuses the request with a
 * 400 naming the first native-only field, unless drop_params (the caller's, the gateway's or the deployment's),
 * and never sees the headers. The values themselves travel namespaced in providerOptions, which other providers
 * do not read.
 */
export function forDeploymentProvider(request: ChatRequest, deployment: Deployment): ChatRequest {
  const native = request.nativeOnly;
  if (native === undefined) return request;
  if (native.provider === deployment.provider) {
    if (native.headers === undefined) return request;
    return { ...request, upstreamHeaders: { ...request.upstreamHeaders, ...native.headers } };
  }
  const first = native.params[0];
  const dropped = request.dropParams === true || deployment.params.extra["drop_params"] === true;
  if (first !== undefined && !dropped) throw unsupportedParameter(deployment.provider, first);
  return request;
}
