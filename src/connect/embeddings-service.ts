import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type EmbeddingsService,
  type EmbedResponse,
  EmbedResponseSchema,
  type EmbedRequest as ProtoEmbedRequest,
} from "../../gen/switchboard/v1/embeddings_service_pb.js";
import type { EmbedInput, EmbedRequest, EmbedResult } from "../core/embeddings/embed-types.js";
import type { EmbeddingsGateway } from "../core/embeddings/embeddings-gateway.js";
import { vectorBytes } from "../core/embeddings/vector-encoding.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type { RoutingInfo } from "../core/types/routing.js";
import { chatContext } from "./chat-service.js";
import { toConnectError } from "./connect-error.js";
import { toProtoRouting } from "./to-proto.js";

/** The proto request → the canonical one; shape errors name the field as the proto spells it. */
export function fromProtoEmbedRequest(request: ProtoEmbedRequest): EmbedRequest {
  let input: EmbedInput;
  switch (request.input.case) {
    case "texts":
      input = { kind: "text", texts: request.input.value.values };
      break;
    case "tokens":
      input = { kind: "tokens", tokens: request.input.value.values.map((tokens) => tokens.ids) };
      break;
    default:
      throw invalidRequest("'input' is required: set texts or tokens.", "input");
  }
  const options = request.providerOptions;
  return {
    model: request.model,
    input,
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    ...(request.user !== "" ? { user: request.user } : {}),
    ...(options !== undefined && Object.keys(options).length > 0 ? { providerOptions: options } : {}),
  };
}

/**
 * The canonical result → packed little-endian float32 bytes, 4 a value (a Float32Array from a base64 upstream is
 * sent without a copy).
 */
export function toProtoEmbedResponse(result: EmbedResult, routing: RoutingInfo): EmbedResponse {
  const usage = result.usage;
  return create(EmbedResponseSchema, {
    model: result.model,
    embeddings: result.vectors.map((vector, index) => ({ index, values: vectorBytes(vector) })),
    usage: {
      promptTokens: BigInt(usage?.promptTokens ?? 0),
      totalTokens: BigInt(usage?.totalTokens ?? 0),
      ...(usage?.costUsd !== undefined ? { costUsd: usage.costUsd } : {}),
      estimated: usage?.estimated === true,
    },
    routing: toProtoRouting(routing),
  });
}

/** The Embeddings service: proto in, the same embeddings gateway as REST, proto out. */
export function createEmbeddingsService(gateway: EmbeddingsGateway): ServiceImpl<typeof EmbeddingsService> {
  return {
    async embed(request, context) {
      try {
        const call = chatContext(context);
        const { result, routing } = await gateway.embed(fromProtoEmbedRequest(request), call);
        context.responseHeader.set("x-switchboard-deployment", routing.deployment);
        context.responseHeader.set("x-switchboard-provider", routing.provider);
        return toProtoEmbedResponse(result, routing);
      } catch (error) {
        throw toConnectError(error);
      }
    },
  };
}
