import type { RoutingInfo } from "../core/types/routing.js";

/**
 * What served the request, for the caller to see: our names, and LiteLLM's where it has one so that existing
 * dashboards keep working.
 */
export function routingHeaders(routing: RoutingInfo, requestId: string): Record<string, string> {
  const attempts = routing.attempts.length;
  return {
    "x-request-id": requestId,
    "x-switchboard-model-group": routing.modelGroup,
    "x-switchboard-deployment": routing.deployment,
    "x-switchboard-provider": routing.provider,
    "x-switchboard-model": routing.model,
    "x-switchboard-attempts": String(attempts),
    "x-switchboard-attempt-log": routing.attempts
      .map((attempt) => `${attempt.deployment}=${attempt.outcome}`)
      .join(","),
    "x-litellm-model-id": routing.deployment,
    "x-litellm-attempted-retries": String(Math.max(0, attempts - 1)),
  };
}
