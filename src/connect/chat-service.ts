import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type ChatService,
  type CompleteRequest,
  type CompleteResponse,
  ListModelsResponseSchema,
  type StreamResponse,
  StreamResponseSchema,
} from "../../gen/switchboard/v1/chat_service_pb.js";
import type { ChatGateway } from "../core/chat/chat-gateway.js";
import type { ChatContext } from "../core/chat/dispatcher.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { ChatEvent } from "../core/types/chat.js";
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
  return {
    requestId: context.values.get(requestIdKey),
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
): Promise<{ message: CompleteResponse; routing: RoutingInfo }> {
  const { response, routing } = await gateway.complete(fromProtoChatRequest(request.request), chat);
  return { message: toProtoCompleteResponse(response, routing, `chatcmpl-${chat.requestId}`), routing };
}

/** The Chat service: proto in, the same core as REST, proto out. Nothing provider-specific here. */
export function createChatService(gateway: ChatGateway): ServiceImpl<typeof ChatService> {
  return {
    async complete(request, context) {
      try {
        const { message, routing } = await completeChat(gateway, request, chatContext(context));
        context.responseHeader.set("x-switchboard-deployment", routing.deployment);
        context.responseHeader.set("x-switchboard-provider", routing.provider);
        return message;
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async *stream(request, context): AsyncGenerator<StreamResponse> {
      let iterator: AsyncIterator<ChatEvent[]> | undefined;
      try {
        const chat = chatContext(context);
        const committed = await gateway.stream(fromProtoChatRequest(request.request), chat);
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
  };
}
