import type { PrincipalRole } from "../core/types/principal.js";

/**
 * What a role may do on a route:
 * - "allow": the whole route;
 * - "scoped": the route, but only on what the role owns (a team admin: its team's user and viewer keys and its
 *   team; a user or viewer: its own key). The handler checks the scope on the resource itself;
 * - "deny": refused with PermissionDenied / 403 before the handler runs.
 * Callers that prove nothing (no key, a wrong key, an expired, blocked or revoked key) get Unauthenticated /
 * 401 on every route that is not "public", with one body for all of them.
 */
export type Access = "allow" | "scoped" | "deny";

export type RouteAccessRule = "public" | Readonly<Record<PrincipalRole, Access>>;

const CALLS_MODELS: Record<PrincipalRole, Access> = {
  admin: "allow",
  team_admin: "allow",
  user: "allow",
  viewer: "deny",
};
const ADMIN_ONLY: Record<PrincipalRole, Access> = {
  admin: "allow",
  team_admin: "deny",
  user: "deny",
  viewer: "deny",
};
const MANAGERS: Record<PrincipalRole, Access> = {
  admin: "allow",
  team_admin: "scoped",
  user: "deny",
  viewer: "deny",
};
const READ_OWN: Record<PrincipalRole, Access> = {
  admin: "allow",
  team_admin: "scoped",
  user: "scoped",
  viewer: "scoped",
};

const KEYS = "/switchboard.v1.KeysService";
const CHAT = "/switchboard.v1.ChatService";
const USAGE = "/switchboard.v1.UsageService";
const EMBEDDINGS = "/switchboard.v1.EmbeddingsService";

/**
 * The authorization matrix: every REST route ("METHOD /path", as in the route table) and every RPC
 * ("/package.Service/Method") with its rule per role. One table: the REST shim and the Connect interceptor
 * enforce it, and test/integration/authorization-matrix.test.ts walks every cell against a running gateway.
 * A route or RPC that is not here is refused (deny by default) and fails that test.
 */
export const ACCESS_MATRIX: Readonly<Record<string, RouteAccessRule>> = {
  // Health: no key needed, no I/O.
  "GET /health/liveliness": "public",
  "GET /health/liveness": "public",
  "GET /health/readiness": "public",
  // The admin console's static files (it signs in with a key in the page, never in a URL).
  "GET /ui": "public",
  "GET /ui/{rest}": "public",
  // Prometheus metrics: the master key by default; `general_settings.metrics_auth: none` makes it public.
  "GET /metrics": ADMIN_ONLY,
  // Deployment checks on demand (each spends a few tokens upstream): the master key only.
  "GET /health": ADMIN_ONLY,

  // Calling models (viewers read usage only).
  "POST /v1/chat/completions": CALLS_MODELS,
  "POST /chat/completions": CALLS_MODELS,
  "GET /v1/models": CALLS_MODELS,
  "GET /models": CALLS_MODELS,
  "GET /v1/models/{rest}": CALLS_MODELS,
  "GET /models/{rest}": CALLS_MODELS,
  // The Anthropic Messages surface (Anthropic SDKs, Claude Code).
  "POST /v1/messages": CALLS_MODELS,
  "POST /v1/messages/count_tokens": CALLS_MODELS,
  // OpenAI Responses; stored responses are further scoped to the key that created them (the handler narrows).
  "POST /v1/responses": CALLS_MODELS,
  "POST /responses": CALLS_MODELS,
  "POST /v1/responses/input_tokens": CALLS_MODELS,
  "GET /v1/responses/{rest}": CALLS_MODELS,
  "DELETE /v1/responses/{rest}": CALLS_MODELS,
  [`${CHAT}/Complete`]: CALLS_MODELS,
  [`${CHAT}/Stream`]: CALLS_MODELS,
  [`${CHAT}/ListModels`]: CALLS_MODELS,
  // Deployments and their cooldowns: admins all, team admins those of the models their key may call.
  [`${CHAT}/ListDeployments`]: MANAGERS,
  "POST /v1/completions": CALLS_MODELS,
  "POST /completions": CALLS_MODELS,
  "POST /v1/rerank": CALLS_MODELS,
  "POST /rerank": CALLS_MODELS,
  "POST /v1/moderations": CALLS_MODELS,
  "POST /moderations": CALLS_MODELS,
  "POST /v1/embeddings": CALLS_MODELS,
  "POST /embeddings": CALLS_MODELS,
  [`${EMBEDDINGS}/Embed`]: CALLS_MODELS,

  // Keys over Connect/gRPC.
  [`${KEYS}/CreateKey`]: MANAGERS,
  [`${KEYS}/GetKey`]: READ_OWN,
  [`${KEYS}/ListKeys`]: READ_OWN,
  [`${KEYS}/UpdateKey`]: MANAGERS,
  [`${KEYS}/RevokeKey`]: MANAGERS,
  [`${KEYS}/BlockKey`]: MANAGERS,
  [`${KEYS}/UnblockKey`]: MANAGERS,
  [`${KEYS}/RotateKey`]: MANAGERS,
  [`${KEYS}/CreateTeam`]: ADMIN_ONLY,
  [`${KEYS}/GetTeam`]: MANAGERS,
  [`${KEYS}/ListTeams`]: MANAGERS,
  [`${KEYS}/UpdateTeam`]: MANAGERS,
  [`${KEYS}/DeleteTeam`]: ADMIN_ONLY,
  [`${KEYS}/AddTeamMember`]: MANAGERS,
  [`${KEYS}/RemoveTeamMember`]: MANAGERS,
  // Who the calling key is (its own id, role and team; never a secret).
  [`${KEYS}/GetCaller`]: READ_OWN,

  // The same over LiteLLM-compatible REST.
  "POST /key/generate": MANAGERS,
  "POST /key/update": MANAGERS,
  "POST /key/delete": MANAGERS,
  "GET /key/info": READ_OWN,
  "GET /key/list": READ_OWN,
  "POST /key/block": MANAGERS,
  "POST /key/unblock": MANAGERS,
  "POST /key/regenerate": MANAGERS,
  "POST /team/new": ADMIN_ONLY,
  "GET /team/info": MANAGERS,
  "POST /team/update": MANAGERS,
  "POST /team/delete": ADMIN_ONLY,
  "GET /team/list": MANAGERS,
  "POST /team/member_add": MANAGERS,
  "POST /team/member_delete": MANAGERS,

  // Deployments as LiteLLM's model info (credentials never shown): admins only.
  "GET /model/info": ADMIN_ONLY,
  "GET /v2/model/info": ADMIN_ONLY,

  // Usage: admins all, team admins their team, any other key its own (the reader narrows the scope).
  [`${USAGE}/QueryUsage`]: READ_OWN,
  [`${USAGE}/SummarizeUsage`]: READ_OWN,
  [`${USAGE}/WatchUsage`]: READ_OWN,
  "GET /spend/logs": READ_OWN,
  "GET /global/spend/report": READ_OWN,
};

/** Every role, for tables and tests. */
export const ROLES: readonly PrincipalRole[] = ["admin", "team_admin", "user", "viewer"];

/** The rule for a route, or undefined when the route is missing from the matrix (which must deny). */
export function accessRule(routeId: string): RouteAccessRule | undefined {
  return Object.hasOwn(ACCESS_MATRIX, routeId) ? ACCESS_MATRIX[routeId] : undefined;
}

/** Whether a role passes the route-level check ("scoped" passes; the handler narrows). Missing routes deny. */
export function roleMayCall(routeId: string, role: PrincipalRole): boolean {
  const rule = accessRule(routeId);
  if (rule === undefined) return false;
  if (rule === "public") return true;
  return rule[role] !== "deny";
}

/** The roles that pass the route-level check, in the REST route table's `access` form. */
export function restAccessFor(routeId: string): "public" | readonly PrincipalRole[] {
  const rule = accessRule(routeId);
  if (rule === undefined) return [];
  if (rule === "public") return "public";
  return ROLES.filter((role) => rule[role] !== "deny");
}
