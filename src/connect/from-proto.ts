import {
  ImageDetail,
  type ChatRequest as ProtoChatRequest,
  type ContentPart as ProtoContentPart,
  type Message as ProtoMessage,
  ReasoningEffort as ProtoReasoningEffort,
  Role as ProtoRole,
  ToolChoiceMode,
} from "../../gen/switchboard/v1/chat_service_pb.js";
import { assertOptionsOnlyAdd } from "../core/chat/forbidden-fields.js";
import { validateModelName } from "../core/chat/validate-model-name.js";
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

const MAX_TOKENS_CAP = 10_000_000;

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
      if (image.source.case === "url") {
        const url = image.source.value;
        const data = /^data:([^;,]+)?;base64,/.exec(url);
        if (data) {
          return {
            type: "image",
            data: Buffer.from(url.slice(data[0].length), "base64"),
            mediaType: data[1] ?? "application/octet-stream",
            ...base,
            ...extra,
          };
        }
        if (!/^https?:\/\//i.test(url)) {
          throw invalidRequest(`'${path}.image.url' must be an http(s) or data: URL.`, `${path}.image.url`);
        }
        return { type: "image", url, ...base, ...extra };
      }
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
    if (out.role !== "assistant") {
      throw invalidRequest(
        `'${path}.tool_calls' is only allowed on assistant messages.`,
        `${path}.tool_calls`,
      );
    }
    out.toolCalls = value.toolCalls.map((call) => ({
      id: call.id,
      name: call.name,
      arguments: call.arguments || "{}",
      ...options(call.providerOptions),
    }));
  }
  if (out.role === "tool") {
    if (value.toolCallId.length === 0) {
      throw invalidRequest(`'${path}.tool_call_id' is required for tool messages.`, `${path}.tool_call_id`);
    }
    out.toolCallId = value.toolCallId;
  }
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

function range(value: number | undefined, min: number, max: number, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(value >= min && value <= max)) {
    throw invalidRequest(`'request.${field}' must be between ${min} and ${max}.`, `request.${field}`);
  }
  return value;
}

/** Chat service request → ChatRequest, with the same bounds as the REST edge and field names in errors. */
export function fromProtoChatRequest(value: ProtoChatRequest | undefined): ChatRequest {
  if (value === undefined) throw invalidRequest("'request' is required.", "request");
  if (value.model.length === 0) throw invalidRequest("'request.model' is required.", "request.model");
  validateModelName(value.model, "request.model");
  if (value.messages.length === 0)
    throw invalidRequest("'request.messages' must not be empty.", "request.messages");
  const request: ChatRequest = { model: value.model, messages: value.messages.map(message) };
  if (value.tools.length > 0) {
    request.tools = value.tools.map((tool, index) => {
      if (!/^[a-zA-Z0-9_.:-]{1,128}$/.test(tool.name)) {
        throw invalidRequest(
          `'request.tools[${index}].name' must be 1-128 letters, digits, '_', '-', '.' or ':'.`,
          `request.tools[${index}].name`,
        );
      }
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
      if (format.value.name.length === 0) {
        throw invalidRequest(
          "'request.response_format.json_schema.name' is required.",
          "request.response_format.json_schema.name",
        );
      }
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
  const budget = range(value.reasoningBudgetTokens, 0, MAX_TOKENS_CAP, "reasoning_budget_tokens");
  if (budget !== undefined) request.reasoningBudgetTokens = budget;
  const temperature = range(value.temperature, 0, 2, "temperature");
  if (temperature !== undefined) request.temperature = temperature;
  const topP = range(value.topP, 0, 1, "top_p");
  if (topP !== undefined) request.topP = topP;
  const topK = range(value.topK, 0, 100_000, "top_k");
  if (topK !== undefined) request.topK = topK;
  const maxTokens = range(value.maxTokens, 1, MAX_TOKENS_CAP, "max_tokens");
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const presence = range(value.presencePenalty, -2, 2, "presence_penalty");
  if (presence !== undefined) request.presencePenalty = presence;
  const frequency = range(value.frequencyPenalty, -2, 2, "frequency_penalty");
  if (frequency !== undefined) request.frequencyPenalty = frequency;
  if (value.stop.length > 16)
    throw invalidRequest("'request.stop' takes at most 16 sequences.", "request.stop");
  if (value.stop.length > 0) request.stop = [...value.stop];
  if (value.seed !== undefined) request.seed = Number(value.seed);
  const n = range(value.n, 1, 128, "n");
  if (n !== undefined) request.n = n;
  if (value.user.length > 0) request.user = value.user;
  if (Object.keys(value.metadata).length > 0) request.metadata = { ...value.metadata };
  if (value.logprobs) request.logprobs = true;
  const topLogprobs = range(value.topLogprobs, 0, 20, "top_logprobs");
  if (topLogprobs !== undefined) request.topLogprobs = topLogprobs;
  if (value.providerOptions !== undefined && Object.keys(value.providerOptions).length > 0) {
    // Only additions: a key that would replace the model, prompt, token limit, … is a 400 here; the rest goes
    // through the serving provider's allow-list (GUARDS 8b).
    assertOptionsOnlyAdd(value.providerOptions, "request.provider_options");
    request.providerOptions = value.providerOptions;
  }
  if (value.dropParams) request.dropParams = true;
  return request;
}
