import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type CompleteResponse,
  CompleteResponseSchema,
  type ModelSchema,
  FinishReason as ProtoFinishReason,
  type RoutingSchema,
  type StreamResponseSchema,
  type TokenLogprobSchema,
  type UsageSchema,
} from "../../gen/switchboard/v1/chat_service_pb.js";
import type { ModelDescriptor } from "../core/chat/dispatcher.js";
import type {
  ChatEvent,
  ChatResponse,
  FinishReason,
  ProviderOptions,
  TokenLogprob,
  Usage,
} from "../core/types/chat.js";
import type { RoutingInfo } from "../core/types/routing.js";

type StreamInit = MessageInitShape<typeof StreamResponseSchema>;

export function toProtoFinishReason(reason: FinishReason | null): ProtoFinishReason {
  switch (reason) {
    case "stop":
      return ProtoFinishReason.STOP;
    case "length":
      return ProtoFinishReason.LENGTH;
    case "tool_calls":
      return ProtoFinishReason.TOOL_CALLS;
    case "content_filter":
      return ProtoFinishReason.CONTENT_FILTER;
    case "error":
      return ProtoFinishReason.ERROR;
    case null:
      return ProtoFinishReason.UNSPECIFIED;
  }
}

/** Provider data of a tool call (Gemini `thoughtSignature`) as a Struct, so that callers can send it back. */
function providerOptionsOf(options: ProviderOptions | undefined): { providerOptions?: JsonObject } {
  return options !== undefined && Object.keys(options).length > 0
    ? { providerOptions: options as JsonObject }
    : {};
}

export function toProtoUsage(usage: Usage): MessageInitShape<typeof UsageSchema> {
  return {
    promptTokens: BigInt(usage.promptTokens),
    completionTokens: BigInt(usage.completionTokens),
    totalTokens: BigInt(usage.totalTokens),
    cachedPromptTokens: BigInt(usage.cachedPromptTokens ?? 0),
    cacheWriteTokens: BigInt(usage.cacheWriteTokens ?? 0),
    reasoningTokens: BigInt(usage.reasoningTokens ?? 0),
    ...(usage.costUsd !== undefined ? { costUsd: usage.costUsd } : {}),
    ...(usage.estimated === true ? { estimated: true } : {}),
  };
}

export function toProtoRouting(routing: RoutingInfo): MessageInitShape<typeof RoutingSchema> {
  return {
    modelGroup: routing.modelGroup,
    deployment: routing.deployment,
    provider: routing.provider,
    model: routing.model,
    attempts: routing.attempts.map((attempt) => ({
      deployment: attempt.deployment,
      provider: attempt.provider,
      model: attempt.model,
      outcome: attempt.outcome,
      latencyMs: attempt.latencyMs,
    })),
  };
}

function toProtoLogprobs(
  content: TokenLogprob[] | null | undefined,
): MessageInitShape<typeof TokenLogprobSchema>[] {
  return (content ?? []).map((token) => ({
    token: token.token,
    logprob: token.logprob,
    bytes: new Uint8Array(token.bytes ?? []),
    topLogprobs: (token.topLogprobs ?? []).map((top) => ({
      token: top.token,
      logprob: top.logprob,
      bytes: new Uint8Array(top.bytes ?? []),
    })),
  }));
}

export function toProtoCompleteResponse(
  response: ChatResponse,
  routing: RoutingInfo,
  fallbackId: string,
): CompleteResponse {
  return create(CompleteResponseSchema, {
    id: response.id.length > 0 ? response.id : fallbackId,
    model: response.model,
    created: BigInt(response.created),
    choices: response.choices.map((choice) => ({
      index: choice.index,
      content: choice.message.content ?? "",
      toolCalls: (choice.message.toolCalls ?? []).map((call) => ({
        id: call.id,
        name: call.name,
        arguments: call.arguments,
        ...providerOptionsOf(call.providerOptions),
      })),
      reasoning: (choice.message.reasoning ?? []).map((part) => ({
        text: part.text ?? "",
        signature: part.signature ?? "",
        redactedData: part.redactedData ?? "",
      })),
      refusal: choice.message.refusal ?? "",
      finishReason: toProtoFinishReason(choice.finishReason),
      providerFinishReason: choice.providerFinishReason ?? "",
      logprobs: toProtoLogprobs(choice.logprobs?.content),
    })),
    ...(response.usage !== undefined ? { usage: toProtoUsage(response.usage) } : {}),
    routing: toProtoRouting(routing),
    systemFingerprint: response.systemFingerprint ?? "",
  });
}

/**
 * One ChatEvent → one typed stream message (undefined for events with no wire form: response-start only sets
 * the id and model carried on every message).
 */
export function toProtoStreamEvent(event: ChatEvent): StreamInit["event"] | undefined {
  switch (event.type) {
    case "response-start":
      return undefined;
    case "text-delta":
      return { case: "textDelta", value: { choiceIndex: event.choice, text: event.text } };
    case "refusal-delta":
      return { case: "refusalDelta", value: { choiceIndex: event.choice, text: event.text } };
    case "reasoning-delta":
      return {
        case: "reasoningDelta",
        value: {
          choiceIndex: event.choice,
          text: event.text ?? "",
          signature: event.signature ?? "",
          redactedData: event.redactedData ?? "",
        },
      };
    case "tool-call-start":
      return {
        case: "toolCallStart",
        value: {
          choiceIndex: event.choice,
          toolCallIndex: event.index,
          id: event.id,
          name: event.name,
          ...providerOptionsOf(event.providerOptions),
        },
      };
    case "tool-call-delta":
      return {
        case: "toolCallArgumentsDelta",
        value: {
          choiceIndex: event.choice,
          toolCallIndex: event.index,
          argumentsDelta: event.argumentsDelta,
        },
      };
    case "tool-call-end":
      return { case: "toolCallEnd", value: { choiceIndex: event.choice, toolCallIndex: event.index } };
    case "logprobs":
      return {
        case: "logprobsDelta",
        value: { choiceIndex: event.choice, content: toProtoLogprobs(event.content) },
      };
    case "finish":
      return {
        case: "finish",
        value: {
          choiceIndex: event.choice,
          reason: toProtoFinishReason(event.reason),
          providerReason: event.providerReason ?? "",
        },
      };
    case "usage":
      return { case: "usage", value: toProtoUsage(event.usage) };
  }
}

export function toProtoModel(model: ModelDescriptor): MessageInitShape<typeof ModelSchema> {
  return {
    id: model.id,
    provider: model.provider,
    deployments: model.deployments,
    ownedBy: model.provider,
    capabilities: model.capabilities,
    maxInputTokens: BigInt(model.maxInputTokens ?? 0),
    maxOutputTokens: BigInt(model.maxOutputTokens ?? 0),
  };
}
