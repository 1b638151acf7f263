import { accessRule, roleMayCall } from "../auth/access-matrix.js";
import type { Authenticator } from "../auth/authenticator.js";
import { extractBearer } from "../auth/authenticator.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";

export { requestIdOf } from "../shared/request-id.js";

/** The caller's principal from its `authorization` / `x-api-key` header (throws GatewayError "authentication"). */
export function authenticateCall(
  authenticator: Authenticator,
  authorization: string | undefined,
  apiKey: string | undefined,
): Promise<Principal> {
  return authenticator.authenticate(extractBearer({ authorization, "x-api-key": apiKey }));
}

/**
 * Route-level authorization from the authorization matrix: an RPC missing from the matrix is refused for every
 * role. Resource scope ("its own team", "its own key") is checked by the service on the resource itself.
 */
export function authorizeRoute(route: string, principal: Principal | undefined): void {
  if (accessRule(route) === "public") return;
  if (principal === undefined) {
    throw new GatewayError("authentication", "Authentication required.", { reason: "invalid_api_key" });
  }
  if (!roleMayCall(route, principal.role)) {
    throw new GatewayError("permission_denied", `This key may not call ${route}.`, {
      reason: "route_not_allowed",
    });
  }
}
