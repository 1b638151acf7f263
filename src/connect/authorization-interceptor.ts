import type { Interceptor } from "@connectrpc/connect";
import { authorizeRoute } from "./call-auth.js";
import { principalKey } from "./context.js";

/**
 * Route-level authorization for every RPC from the authorization matrix (runs after the auth interceptor has
 * put the principal in contextValues). An RPC missing from the matrix is refused for every role. Resource
 * scope ("its own team", "its own key") is checked by the service on the resource itself.
 */
export function authorizationInterceptor(): Interceptor {
  return (next) => async (request) => {
    authorizeRoute(
      `/${request.service.typeName}/${request.method.name}`,
      request.contextValues.get(principalKey),
    );
    return next(request);
  };
}
