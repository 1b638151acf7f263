import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type ChatService,
  type CompleteRequest,
  type CompleteResponse,
  DeploymentHealth,
  DeploymentStatusSchema,
  ListDeploymentsResponseSchema,
  ListModelsResponseSchema,
  type StreamResponse,
  StreamResponseSchema,
} from "../../gen/switchboard/v1/chat_service_pb.js";
import type { ChatGateway } from "../core/chat/chat-gateway.js";
import type { ChatContext } from "../core/chat/dispatcher.js";
import { mayUseModel } from "../core/chat/model-access.js";
import { type CacheInfo, mergeCacheDirectives, parseCacheHeader } from "../core/chat/response-cache.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest } from "../core/types/chat.js";
import type { Principal } from "../core/types/principal.js";
import type { RoutingInfo } from "../core/types/routing.js";
import { toConnectError } from "./connect-error.js";
import { principalKey, requestIdKey } from "./context.js";
import { fromProtoChatRequest } from "./from-proto.js";
import { toProtoCompleteResponse, toProtoModel, toProtoRouting, toProtoStreamEvent } from "./to-proto.js";

function principalOf(context: HandlerContext): Principal {
  const principal = context.values.get(principalKey);
  if (principal === undefined) throw new GatewayError("authentication", "Authentication required.");
  return principal;
}

export function chatContext(context: HandlerContext): ChatContext {
  const timeout = context.timeoutMs();
  const requestId = context.values.get(requestIdKey);
  return {
    requestId,
    // The id the caller sees is the ledger's (UsageService and /spend/logs find the row by it).
    responseId: `chatcmpl-${requestId}`,
    principal: principalOf(context),
    signal: context.signal,
    surface: "rpc",
    traceparent: context.requestHeader.get("traceparent") ?? undefined,
    ...(timeout !== undefined ? { deadline: Date.now() + timeout } : {}),
  };
}

function decodePageToken(token: string): number {
  if (token.length === 0) return 0;
  const match = /^o(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!match) throw invalidRequest("'page_token' is not a token this server issued.", "page_token");
  return Number(match[1]);
}

/**
 * One Complete call, proto in and proto out: shared by the service below and the unary fast path
 * (unary-fast-path.ts), so both answer the same message for the same request.
 */
export async function completeChat(
  gateway: ChatGateway,
  request: CompleteRequest,
  chat: ChatContext,
  cacheHeader?: string | null,
): Promise<{ message: CompleteResponse; routing: RoutingInfo; cache: CacheInfo | undefined }> {
  const { response, routing, cache } = await gateway.complete(
    withCacheHeader(fromProtoChatRequest(request.request), cacheHeader),
    chat,
  );
  return {
    message: toProtoCompleteResponse(response, routing, `chatcmpl-${chat.requestId}`),
    routing,
    cache,
  };
}

/** One deployment's routing state as the router's state store reports it (app.ts reads it). */
export interface DeploymentStatusView {
  deployment: string;
  modelGroup: string;
  provider: string;
  model: string;
  health: "healthy" | "cooling" | "half-open";
  coolingUntil?: number | undefined;
  inFlight: number;
  rpmUsed: number;
  tpmUsed: number;
  latencyMs?: number | undefined;
}

/** Where ListDeployments reads the deployments' state from (the router's state store, shared by replicas). */
export type DeploymentStatusSource = () => Promise<DeploymentStatusView[]>;

const HEALTH_TO_PROTO: Record<DeploymentStatusView["health"], DeploymentHealth> = {
  healthy: DeploymentHealth.HEALTHY,
  cooling: DeploymentHealth.COOLING,
  "half-open": DeploymentHealth.HALF_OPEN,
};

function pageSizeOf(pageSize: number): number {
  if (pageSize < 0) throw invalidRequest("'page_size' must not be negative.", "page_size");
  return pageSize === 0 ? 100 : Math.min(pageSize, 1000);
}

function nextPageToken(nextOffset: number, total: number): string {
  return nextOffset < total ? Buffer.from(`o${nextOffset}`).toString("base64url") : "";
}
/** The `x-switchboard-cache` request header's directives (the RPC form of REST's `cache` body field). */
function withCacheHeader(request: ChatRequest, header: string | null | undefined): ChatRequest {
  if (header === null || header === undefined) return request;
  const directives = mergeCacheDirectives(undefined, parseCacheHeader(header, CACHE_HEADER));
  if (directives !== undefined) request.cache = directives;
  return request;
}

/** `x-litellm-cache-key` and `x-litellm-cache-hit` response headers (as over REST) when the cache applied. */
export function cacheResponseHeaders(cache: CacheInfo | undefined): [string, string][] {
  if (cache === undefined) return [];
  return [
    ["x-litellm-cache-key", cache.key],
    ["x-litellm-cache-hit", cache.hit ? "true" : "false"],
  ];
}

export const CACHE_HEADER = "x-switchboard-cache";

/** The Chat service: proto in, the same core as REST, proto out. Nothing provider-specific here. */
export function createChatService(
  gateway: ChatGateway,
  deployments: DeploymentStatusSource = async () => [],
): ServiceImpl<typeof ChatService> {
  return {
    async complete(request, context) {
      try {
        const { message, routing, cache } = await completeChat(
          gateway,
          request,
          chatContext(context),
          context.requestHeader.get(CACHE_HEADER),
        );
        context.responseHeader.set("x-switchboard-deployment", routing.deployment);
        context.responseHeader.set("x-switchboard-provider", routing.provider);
        for (const [name, value] of cacheResponseHeaders(cache)) context.responseHeader.set(name, value);
        return message;
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async *stream(request, context): AsyncGenerator<StreamResponse> {
      let iterator: AsyncIterator<ChatEvent[]> | undefined;
      try {
        const chat = chatContext(context);
        const committed = await gateway.stream(
          withCacheHeader(fromProtoChatRequest(request.request), context.requestHeader.get(CACHE_HEADER)),
          chat,
        );
        for (const [name, value] of cacheResponseHeaders(committed.cache))
          context.responseHeader.set(name, value);
        let id = `chatcmpl-${chat.requestId}`;
        let model = committed.routing.model;
        // The first batch (already received: the stream is committed) names the response; read it before the
        // routing event so that every message of the stream carries the same id and model.
        iterator = committed.events[Symbol.asyncIterator]();
        const first = await iterator.next();
        let named = false;
        const wireEvents = (batch: ChatEvent[]): StreamResponse[] => {
          const out: StreamResponse[] = [];
          for (const event of batch) {
            if (event.type === "response-start") {
              if (!named) {
                if (event.id.length > 0) id = event.id;
                if (event.model.length > 0) model = event.model;
                named = true;
              }
              continue;
            }
            const wire = toProtoStreamEvent(event);
            if (wire !== undefined) out.push(create(StreamResponseSchema, { id, model, event: wire }));
          }
          return out;
        };
        const firstEvents = first.done ? [] : wireEvents(first.value);
        yield create(StreamResponseSchema, {
          id,
          model,
          event: { case: "routing", value: toProtoRouting(committed.routing) },
        });
        yield* firstEvents;
        while (!first.done) {
          const next = await iterator.next();
          if (next.done) break;
          yield* wireEvents(next.value);
        }
        iterator = undefined;
      } catch (error) {
        throw toConnectError(error);
      } finally {
        // The caller cancelled or the deadline passed: stop the upstream too.
        if (iterator !== undefined) await iterator.return?.();
      }
    },

    async listModels(request, context) {
      try {
        const pageSize = request.pageSize <= 0 ? 100 : Math.min(request.pageSize, 1000);
        if (request.pageSize < 0) throw invalidRequest("'page_size' must not be negative.", "page_size");
        const offset = decodePageToken(request.pageToken);
        const models = gateway.listModels({ principal: principalOf(context) });
        const page = models.slice(offset, offset + pageSize);
        const nextOffset = offset + page.length;
        return create(ListModelsResponseSchema, {
          models: page.map(toProtoModel),
          nextPageToken:
            nextOffset < models.length ? Buffer.from(`o${nextOffset}`).toString("base64url") : "",
        });
      } catch (error) {
        throw toConnectError(error);
      }
    },
    async listDeployments(request, context) {
      try {
        const principal = principalOf(context);
        const pageSize = pageSizeOf(request.pageSize);
        const offset = decodePageToken(request.pageToken);
        // Admins see every deployment; a team admin those of the model groups its key may call (the matrix
        // lets no other role here).
        const visible = (await deployments()).filter(
          (deployment) => principal.role === "admin" || mayUseModel(principal, deployment.modelGroup),
        );
        const page = visible.slice(offset, offset + pageSize);
        return create(ListDeploymentsResponseSchema, {
          deployments: page.map((deployment) =>
            create(DeploymentStatusSchema, {
              deploymentId: deployment.deployment,
              modelGroup: deployment.modelGroup,
              provider: deployment.provider,
              model: deployment.model,
              health: HEALTH_TO_PROTO[deployment.health],
              ...(deployment.health === "cooling" && deployment.coolingUntil !== undefined
                ? { cooldownEndTime: timestampFromMs(deployment.coolingUntil) }
                : {}),
              inFlight: BigInt(deployment.inFlight),
              rpmUsed: BigInt(deployment.rpmUsed),
              tpmUsed: BigInt(Math.round(deployment.tpmUsed)),
              ...(deployment.latencyMs !== undefined ? { latencyMs: deployment.latencyMs } : {}),
            }),
          ),
          nextPageToken: nextPageToken(offset + page.length, visible.length),
        });
      } catch (error) {
        throw toConnectError(error);
      }
    },
  };
}
