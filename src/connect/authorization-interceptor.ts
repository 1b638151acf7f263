import type { Interceptor } from "@connectrpc/connect";
import { accessRule, roleMayCall } from "../auth/access-matrix.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import { principalKey } from "./context.js";

/**
 * Route-level authorization for every RPC from the authorization matrix (runs after the auth interceptor has
 * put the principal in contextValues). An RPC missing from the matrix is refused for every role. Resource
 * scope ("its own team", "its own key") is checked by the service on the resource itself.
 */
export function authorizationInterceptor(): Interceptor {
  return (next) => async (request) => {
    const route = `/${request.service.typeName}/${request.method.name}`;
    if (accessRule(route) === "public") return next(request);
    const principal = request.contextValues.get(principalKey);
    if (principal === undefined) {
      throw new GatewayError("authentication", "Authentication required.", { reason: "invalid_api_key" });
    }
    if (!roleMayCall(route, principal.role)) {
      throw new GatewayError("permission_denied", `This key may not call ${route}.`, {
        reason: "route_not_allowed",
      });
    }
    return next(request);
  };
}
