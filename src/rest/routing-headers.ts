import type { RoutingInfo } from "../core/types/routing.js";

/** Printable ASCII (and space): what a header value may hold as it is. */
const HEADER_SAFE = /^[\x20-\x7e]*$/;

/**
 * A name as a header value (GUARDS 8b: never unvalidated text in a header). Model names are validated before
 * routing, but deployment ids, group names and upstream model names come from configuration and wildcard
 * captures: anything outside printable ASCII is percent-encoded rather than allowed to fail the response.
 */
export function headerValue(text: string): string {
  return HEADER_SAFE.test(text) ? text : encodeURIComponent(text);
}

/**
 * What served the request, for the caller to see: our names, and LiteLLM's where it has one so that existing
 * dashboards keep working. Every name goes through `headerValue`.
 */
export function routingHeaders(routing: RoutingInfo, requestId: string): Record<string, string> {
  const headers = rawRoutingHeaders(routing, requestId);
  for (const name of Object.keys(headers)) headers[name] = headerValue(headers[name] as string);
  return headers;
}

function rawRoutingHeaders(routing: RoutingInfo, requestId: string): Record<string, string> {
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
