import {
  ImageDetail,
  type ChatRequest as ProtoChatRequest,
  type ContentPart as ProtoContentPart,
  type Message as ProtoMessage,
  ReasoningEffort as ProtoReasoningEffort,
  Role as ProtoRole,
  ToolChoiceMode,
} from "../../gen/switchboard/v1/chat_service_pb.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type {
  ChatRequest,
  ContentPart,
  ImageDetail as ImageDetailName,
  Message,
  ProviderOptions,
  ReasoningEffort,
  ResponseFormat,
  Role,
  ToolChoice,
} from "../core/types/chat.js";

function role(value: ProtoRole, path: string): Role {
  switch (value) {
    case ProtoRole.SYSTEM:
      return "system";
    case ProtoRole.DEVELOPER:
      return "developer";
    case ProtoRole.USER:
      return "user";
    case ProtoRole.ASSISTANT:
      return "assistant";
    case ProtoRole.TOOL:
      return "tool";
    default:
      throw invalidRequest(`'${path}.role' must be set to a known role.`, `${path}.role`);
  }
}

function options(value: Record<string, unknown> | undefined): { providerOptions?: ProviderOptions } {
  return value !== undefined && Object.keys(value).length > 0 ? { providerOptions: value } : {};
}

function part(value: ProtoContentPart, path: string): ContentPart {
  const extra = options(value.providerOptions);
  switch (value.part.case) {
    case "text":
      return { type: "text", text: value.part.value, ...extra };
    case "image": {
      const image = value.part.value;
      const detail: ImageDetailName | undefined =
        image.detail === ImageDetail.LOW
          ? "low"
          : image.detail === ImageDetail.HIGH
            ? "high"
            : image.detail === ImageDetail.AUTO
              ? "auto"
              : undefined;
      const base = detail !== undefined ? { detail } : {};
      // Data URLs and the http(s) rule are the core's (validate-chat-request): the same rules as REST.
      if (image.source.case === "url") return { type: "image", url: image.source.value, ...base, ...extra };
      if (image.source.case === "data") {
        if (image.mediaType.length === 0) {
          throw invalidRequest(
            `'${path}.image.media_type' is required with image data.`,
            `${path}.image.media_type`,
          );
        }
        return { type: "image", data: image.source.value, mediaType: image.mediaType, ...base, ...extra };
      }
      throw invalidRequest(`'${path}.image' needs a url or data.`, `${path}.image`);
    }
    default:
      throw invalidRequest(`'${path}' must set text or image.`, path);
  }
}

function message(value: ProtoMessage, index: number): Message {
  const path = `request.messages[${index}]`;
  const out: Message = { role: role(value.role, path), content: null };
  const parts = value.content.map((entry, position) => part(entry, `${path}.content[${position}]`));
  const onlyText = parts.length === 1 && parts[0]?.type === "text" && parts[0].providerOptions === undefined;
  out.content =
    parts.length === 0
      ? out.role === "assistant"
        ? null
        : ""
      : onlyText
        ? (parts[0] as { text: string }).text
        : parts;
  if (value.name.length > 0) out.name = value.name;
  if (value.toolCalls.length > 0) {
    out.toolCalls = value.toolCalls.map((call) => ({
      id: call.id,
      name: call.name,
      arguments: call.arguments || "{}",
      ...options(call.providerOptions),
    }));
  }
  if (value.toolCallId.length > 0) out.toolCallId = value.toolCallId;
  if (value.reasoning.length > 0) {
    out.reasoning = value.reasoning.map((entry) => ({
      ...(entry.text.length > 0 ? { text: entry.text } : {}),
      ...(entry.signature.length > 0 ? { signature: entry.signature } : {}),
      ...(entry.redactedData.length > 0 ? { redactedData: entry.redactedData } : {}),
    }));
  }
  if (value.refusal.length > 0) out.refusal = value.refusal;
  Object.assign(out, options(value.providerOptions));
  return out;
}

function effort(value: ProtoReasoningEffort): ReasoningEffort | undefined {
  switch (value) {
    case ProtoReasoningEffort.NONE:
      return "none";
    case ProtoReasoningEffort.MINIMAL:
      return "minimal";
    case ProtoReasoningEffort.LOW:
      return "low";
    case ProtoReasoningEffort.MEDIUM:
      return "medium";
    case ProtoReasoningEffort.HIGH:
      return "high";
    default:
      return undefined;
  }
}

/**
 * Chat service request → ChatRequest. Wire shape only (roles, oneofs, required sub-messages): ranges, caps and the
 * rules between fields are the core's (src/core/chat/validate-chat-request.ts), the same for REST and Connect.
 */
export function fromProtoChatRequest(value: ProtoChatRequest | undefined): ChatRequest {
  if (value === undefined) throw invalidRequest("'request' is required.", "request");
  const request: ChatRequest = { model: value.model, messages: value.messages.map(message) };
  if (value.tools.length > 0) {
    request.tools = value.tools.map((tool) => {
      return {
        name: tool.name,
        ...(tool.description.length > 0 ? { description: tool.description } : {}),
        ...(tool.parameters !== undefined ? { parameters: tool.parameters } : {}),
        ...(tool.strict ? { strict: true } : {}),
        ...options(tool.providerOptions),
      };
    });
  }
  const choice = value.toolChoice?.choice;
  if (choice !== undefined && choice.case !== undefined) {
    let toolChoice: ToolChoice | undefined;
    if (choice.case === "functionName") toolChoice = { type: "function", name: choice.value };
    else if (choice.value === ToolChoiceMode.AUTO) toolChoice = { type: "auto" };
    else if (choice.value === ToolChoiceMode.NONE) toolChoice = { type: "none" };
    else if (choice.value === ToolChoiceMode.REQUIRED) toolChoice = { type: "required" };
    if (toolChoice !== undefined) request.toolChoice = toolChoice;
  }
  if (value.parallelToolCalls !== undefined) request.parallelToolCalls = value.parallelToolCalls;
  const format = value.responseFormat?.format;
  if (format !== undefined && format.case !== undefined) {
    let responseFormat: ResponseFormat;
    if (format.case === "text") responseFormat = { type: "text" };
    else if (format.case === "jsonObject") responseFormat = { type: "json_object" };
    else {
      responseFormat = {
        type: "json_schema",
        name: format.value.name,
        schema: format.value.schema ?? {},
        ...(format.value.description.length > 0 ? { description: format.value.description } : {}),
        ...(format.value.strict ? { strict: true } : {}),
      };
    }
    request.responseFormat = responseFormat;
  }
  const reasoningEffort = effort(value.reasoningEffort);
  if (reasoningEffort !== undefined) request.reasoningEffort = reasoningEffort;
  if (value.reasoningBudgetTokens !== undefined) request.reasoningBudgetTokens = value.reasoningBudgetTokens;
  if (value.temperature !== undefined) request.temperature = value.temperature;
  if (value.topP !== undefined) request.topP = value.topP;
  if (value.topK !== undefined) request.topK = value.topK;
  if (value.maxTokens !== undefined) request.maxTokens = value.maxTokens;
  if (value.presencePenalty !== undefined) request.presencePenalty = value.presencePenalty;
  if (value.frequencyPenalty !== undefined) request.frequencyPenalty = value.frequencyPenalty;
  if (value.stop.length > 0) request.stop = [...value.stop];
  if (value.seed !== undefined) request.seed = Number(value.seed);
  if (value.n !== undefined) request.n = value.n;
  if (value.user.length > 0) request.user = value.user;
  if (Object.keys(value.metadata).length > 0) request.metadata = { ...value.metadata };
  if (value.logprobs) request.logprobs = true;
  if (value.topLogprobs !== undefined) request.topLogprobs = value.topLogprobs;
  if (value.providerOptions !== undefined && Object.keys(value.providerOptions).length > 0) {
    request.providerOptions = value.providerOptions;
  }
  if (value.dropParams) request.dropParams = true;
  return request;
}
