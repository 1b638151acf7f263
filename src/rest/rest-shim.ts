import type { ServerResponse } from "node:http";
import type { Authenticator } from "../auth/authenticator.js";
import { extractBearer } from "../auth/authenticator.js";
import type { ChatGateway } from "../core/chat/chat-gateway.js";
import type { EmbeddingsGateway } from "../core/embeddings/embeddings-gateway.js";
import { GatewayError, toGatewayError } from "../core/errors/gateway-error.js";
import type { ModerationRequest, ModerationResult } from "../core/moderations/moderation-types.js";
import type { OperationGateway } from "../core/operations/operation-gateway.js";
import type { RerankRequest, RerankResult } from "../core/rerank/rerank-types.js";
import type { Principal } from "../core/types/principal.js";
import { writeAccessLine } from "../logging/access-log.js";
import type { Logger } from "../logging/logger.js";
import { requestIdOf } from "../shared/request-id.js";
import { messagesRoutes } from "./anthropic-messages/messages-routes.js";
import { handleChatCompletions } from "./chat-completions.js";
import { handleCompletions } from "./completions.js";
import { handleEmbeddings } from "./embeddings.js";
import { type HttpRequest, type HttpResponse, header, sendError, sendJson } from "./http-io.js";
import { handleGetModel, handleListModels } from "./models.js";
import { handleModerations } from "./moderations.js";
import { type ReadinessSource, readinessHandler } from "./observability-routes.js";
import { handleRerank } from "./rerank.js";
import * as responses from "./responses/responses-routes.js";

/** Liveness never does I/O; readiness turns false when shutdown starts (GUARDS 11, 15). */
export interface HealthState {
  ready: boolean;
}

export interface RestDependencies {
  gateway: ChatGateway;
  /** Embeddings (`/v1/embeddings`); absent: that route answers 404. */
  embeddings?: EmbeddingsGateway;
  /** Rerank (`/v1/rerank`, `/rerank`); absent: those routes answer 404. */
  rerank?: OperationGateway<RerankRequest, RerankResult>;
  /** Moderations (`/v1/moderations`, `/moderations`); absent: those routes answer 404. */
  moderations?: OperationGateway<ModerationRequest, ModerationResult>;
  authenticator: Authenticator;
  logger: Logger;
  maxBodyBytes: number;
  health: HealthState;
  /** The OpenAI Responses surface's conversation store (src/rest/responses/). */
  responses?: responses.ResponsesSettings;
}

/** Per-request state handed to route handlers. */
export interface RestContext {
  request: HttpRequest;
  response: HttpResponse;
  requestId: string;
  /** Set for routes that are not public. */
  principal: Principal | undefined;
  /** The remainder after a route's `{...}` segment (e.g. a model id with slashes). */
  rest: string;
  deps: RestDependencies;
  /** Filled by handlers for the access log. */
  log: { model?: string; deployment?: string; provider?: string; stream?: boolean };
}

export type RestAccess = "public" | "authenticated" | readonly Principal["role"][];

export interface RestRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Exact path, or a prefix ending in `/{rest}` whose remainder goes to `context.rest`. */
  path: string;
  access: RestAccess;
  handler: (context: RestContext) => Promise<number | undefined> | number | undefined;
  /** Renders this route's errors, auth failures included (default: OpenAI's error JSON). */
  sendError?: (response: HttpResponse, error: GatewayError, headers: Record<string, string>) => number;
}

/** Every REST route of the gateway: one table, walked by the authorization-matrix test. */
export function coreRestRoutes(readinessSource?: ReadinessSource): RestRoute[] {
  const health = (context: RestContext) => {
    sendJson(context.response, 200, { status: "healthy" });
    return 200;
  };
  const readiness = readinessHandler(readinessSource);
  return [
    { method: "POST", path: "/v1/chat/completions", access: "authenticated", handler: handleChatCompletions },
    { method: "POST", path: "/chat/completions", access: "authenticated", handler: handleChatCompletions },
    { method: "POST", path: "/v1/completions", access: "authenticated", handler: handleCompletions },
    { method: "POST", path: "/completions", access: "authenticated", handler: handleCompletions },
    { method: "POST", path: "/v1/embeddings", access: "authenticated", handler: handleEmbeddings },
    { method: "POST", path: "/embeddings", access: "authenticated", handler: handleEmbeddings },
    { method: "POST", path: "/v1/rerank", access: "authenticated", handler: handleRerank },
    { method: "POST", path: "/rerank", access: "authenticated", handler: handleRerank },
    { method: "POST", path: "/v1/moderations", access: "authenticated", handler: handleModerations },
    { method: "POST", path: "/moderations", access: "authenticated", handler: handleModerations },
    { method: "GET", path: "/v1/models", access: "authenticated", handler: handleListModels },
    { method: "GET", path: "/models", access: "authenticated", handler: handleListModels },
    { method: "GET", path: "/v1/models/{rest}", access: "authenticated", handler: handleGetModel },
    { method: "GET", path: "/models/{rest}", access: "authenticated", handler: handleGetModel },
    ...messagesRoutes(),
    {
      method: "POST",
      path: "/v1/responses",
      access: "authenticated",
      handler: responses.handleCreateResponse,
    },
    { method: "POST", path: "/responses", access: "authenticated", handler: responses.handleCreateResponse },
    {
      method: "POST",
      path: "/v1/responses/input_tokens",
      access: "authenticated",
      handler: responses.handleInputTokens,
    },
    {
      method: "GET",
      path: "/v1/responses/{rest}",
      access: "authenticated",
      handler: responses.handleGetResponse,
    },
    {
      method: "DELETE",
      path: "/v1/responses/{rest}",
      access: "authenticated",
      handler: responses.handleDeleteResponse,
    },
    { method: "GET", path: "/health/liveliness", access: "public", handler: health },
    { method: "GET", path: "/health/liveness", access: "public", handler: health },
    { method: "GET", path: "/health/readiness", access: "public", handler: readiness },
  ];
}

/**
 * The OpenAI-compatible edge: a route table, no framework. Unknown routes are 404 before any auth decision;
 * auth runs on the route actually dispatched (GUARDS 1). One JSON log line per request, never a key.
 */
export class RestShim {
  private readonly exact = new Map<string, RestRoute>();
  private readonly prefixed: { prefix: string; route: RestRoute }[] = [];
  private readonly paths = new Set<string>();

  constructor(
    private readonly deps: RestDependencies,
    routes: readonly RestRoute[],
  ) {
    for (const route of routes) {
      if (route.path.endsWith("/{rest}")) {
        this.prefixed.push({ prefix: route.path.slice(0, -"{rest}".length), route });
      } else {
        this.exact.set(`${route.method} ${route.path}`, route);
        this.paths.add(route.path);
      }
    }
  }

  readonly handle = (request: HttpRequest, response: HttpResponse): void => {
    void this.dispatch(request, response);
  };

  private match(method: string, path: string): { route: RestRoute; rest: string } | "method" | undefined {
    const route = this.exact.get(`${method} ${path}`);
    if (route !== undefined) return { route, rest: "" };
    for (const entry of this.prefixed) {
      if (path.startsWith(entry.prefix) && path.length > entry.prefix.length) {
        if (entry.route.method === method)
          return { route: entry.route, rest: path.slice(entry.prefix.length) };
      }
    }
    if (this.paths.has(path)) return "method";
    return undefined;
  }

  private async dispatch(request: HttpRequest, response: HttpResponse): Promise<void> {
    const started = performance.now();
    // Unique per request even when the caller reuses an x-request-id (the ledger is keyed by it): see requestIdOf.
    const requestId = requestIdOf(header(request, "x-request-id"));
    const url = request.url ?? "/";
    const query = url.indexOf("?");
    let path = query === -1 ? url : url.slice(0, query);
    if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    const method = request.method ?? "GET";
    const context: RestContext = {
      request,
      response,
      requestId,
      principal: undefined,
      rest: "",
      deps: this.deps,
      log: {},
    };
    let status: number | undefined;
    let renderError: NonNullable<RestRoute["sendError"]> = sendError;
    try {
      const matched = this.match(method, path);
      if (typeof matched === "object" && matched.route.sendError !== undefined)
        renderError = matched.route.sendError;
      if (matched === undefined) {
        throw new GatewayError("not_found", `No route ${method} ${path}.`, { reason: "route_not_found" });
      }
      if (matched === "method") {
        throw new GatewayError("not_found", `Method ${method} is not allowed on ${path}.`, {
          reason: "method_not_allowed",
        });
      }
      context.rest = decodeURIComponent(matched.rest);
      const access = matched.route.access;
      if (access !== "public") {
        const principal = await this.deps.authenticator.authenticate(
          extractBearer({
            authorization: header(request, "authorization"),
            "x-api-key": header(request, "x-api-key"),
            "api-key": header(request, "api-key"),
          }),
        );
        if (access !== "authenticated" && !access.includes(principal.role)) {
          throw new GatewayError("permission_denied", `This key may not call ${method} ${path}.`, {
            reason: "route_not_allowed",
          });
        }
        context.principal = principal;
      }
      status = (await matched.route.handler(context)) ?? response.statusCode;
    } catch (error) {
      const failure = toGatewayError(error);
      if (failure.kind === "internal")
        this.deps.logger.error({ request_id: requestId, err: failure.cause }, "internal error");
      if (response.headersSent) {
        response.end();
        status = response.statusCode;
      } else {
        status = renderError(response, failure, { "x-request-id": requestId });
      }
    }
    writeAccessLine(
      this.deps.logger,
      {
        request_id: requestId,
        method,
        route: path,
        status,
        latency_ms: Math.round((performance.now() - started) * 100) / 100,
        model: context.log.model,
        deployment: context.log.deployment,
        provider: context.log.provider,
        stream: context.log.stream,
        key_id: context.principal?.keyId,
      },
      "request",
    );
  }
}

export type { ServerResponse };
