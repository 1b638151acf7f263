import { invalidRequest } from "../../core/errors/gateway-error.js";

/**
 * A model or deployment name as one upstream URL path segment (GUARDS 8b: a model name never changes an upstream
 * URL path). The name is percent-encoded, so `/`, `?`, `#` and `%` cannot start a new segment, a query or a
 * fragment; `.` and `..` — which encoding leaves as they are and which URL parsing resolves as dot segments
 * (`/openai/deployments/../chat/completions` → `/openai/chat/completions`) — are refused, and so is `/` unless
 * the provider's own ids hold it (Bedrock ARNs, sent encoded as `%2F` as AWS's SDKs do).
 */
export function modelPathSegment(
  model: string,
  provider: string,
  options: { allowSlash?: boolean } = {},
): string {
  const segments = options.allowSlash === true ? model.split("/") : [model];
  const refused =
    model.length === 0 ||
    (options.allowSlash !== true && model.includes("/")) ||
    segments.some((segment) => segment === "." || segment === ".." || segment.length === 0);
  if (refused) {
    throw invalidRequest(
      `The model name '${model}' cannot be used with provider '${provider}': it would change the upstream URL path.`,
      "model",
    );
  }
  return encodeURIComponent(model);
}
