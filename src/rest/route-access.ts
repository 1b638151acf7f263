import { restAccessFor } from "../auth/access-matrix.js";
import type { RestRoute } from "./rest-shim.js";

/** The id a REST route has in the authorization matrix. */
export function restRouteId(route: Pick<RestRoute, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}

/**
 * Replaces each route's `access` with the authorization matrix's rule, so that the matrix is the one table the
 * shim enforces. A route missing from the matrix is still authenticated, then refused for every role.
 */
export function withMatrixAccess(routes: readonly RestRoute[]): RestRoute[] {
  return routes.map((route) => ({ ...route, access: restAccessFor(restRouteId(route)) }));
}
