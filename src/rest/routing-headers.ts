import type { RoutingInfo } from "../core/types/routing.js";

/**
 * What served the request, for the caller to see: our names, and LiteLLM's where it has one so that existing
 * dashboards keep working.
 */
export function routingHeaders(routing: RoutingInfo, requestId: string): Record<string, string> {
  const attempts = routing.attempts.length;
  const fallbackGroups = new Set(
    routing.attempts
      .filter((attempt) => attempt.modelGroup !== undefined && attempt.modelGroup !== routing.modelGroup)
      .map((attempt) => attempt.modelGroup),
  );
  const retries = routing.attempts.filter((attempt) => attempt.reason === "retry").length;
  return {
    "x-request-id": requestId,
    "x-switchboard-model-group": routing.modelGroup,
    "x-switchboard-deployment": routing.deployment,
    "x-switchboard-provider": routing.provider,
    "x-switchboard-model": routing.model,
    "x-switchboard-attempts": String(attempts),
    // deployment=outcome per attempt, with why it was made when not the first pick (`;reason`).
    "x-switchboard-attempt-log": routing.attempts
      .map(
        (attempt) =>
          `${attempt.deployment}=${attempt.outcome}${attempt.reason !== undefined && attempt.reason !== "primary" ? `;${attempt.reason}` : ""}`,
      )
      .join(","),
    "x-litellm-model-id": routing.deployment,
    "x-litellm-model-group": routing.modelGroup,
    "x-litellm-attempted-retries": String(retries),
    "x-litellm-attempted-fallbacks": String(fallbackGroups.size),
  };
}
