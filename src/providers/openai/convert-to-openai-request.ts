import { unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest, ContentPart, Message, ToolChoice } from "../../core/types/chat.js";
import type { ProviderCallContext, UpstreamRequest } from "../../core/types/provider.js";
import {
  callerBodyOptions,
  callerPassthrough,
  mergeIntoBody,
  type ProviderOptionsPolicy,
  pickNestedOptions,
} from "../shared/provider-options.js";
import { OPENAI_OPTIONS } from "./openai-options.js";

/**
 * Options on a message that reach the upstream message: only `audio` (the id of an earlier audio answer, sent
 * back on an assistant turn). Options on parts and tools are hints for other providers (`cache_control`, which
 * OpenAI rejects, `thoughtSignature`) and are never copied: a caller cannot replace what the gateway built.
 */
const MESSAGE_OPTION_KEYS = ["audio"] as const;

export const OPENAI_DEFAULT_BASE = "https://api.openai.com/v1";

/** Options that let an OpenAI-compatible host reuse this translator with its own quirks. */
export interface OpenAIWireOptions {
  provider: string;
  defaultBase: string;
  /** Parameters this host accepts beyond OpenAI's (e.g. vLLM `top_k`). */
  acceptsTopK: boolean;
  /** How the host takes the key. */
  authHeader: (apiKey: string) => Record<string, string>;
  /** Path after the base. */
  path: string;
  /** What callers may add through provider options and pass-through fields (GUARDS 8b). */
  options: ProviderOptionsPolicy;
}

export const OPENAI_WIRE: OpenAIWireOptions = {
  provider: "openai",
  defaultBase: OPENAI_DEFAULT_BASE,
  acceptsTopK: false,
  authHeader: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
  path: "/chat/completions",
  options: OPENAI_OPTIONS,
};

function convertPart(part: ContentPart): Record<string, unknown> {
  let out: Record<string, unknown>;
  switch (part.type) {
    case "text":
      out = { type: "text", text: part.text };
      break;
    case "image": {
      const url =
        part.url ??
        `data:${part.mediaType ?? "application/octet-stream"};base64,${Buffer.from(part.data ?? new Uint8Array()).toString("base64")}`;
      out = { type: "image_url", image_url: part.detail ? { url, detail: part.detail } : { url } };
      break;
    }
    case "audio":
      out = {
        type: "input_audio",
        input_audio: { data: Buffer.from(part.data).toString("base64"), format: part.format },
      };
      break;
    case "file": {
      const file: Record<string, unknown> = {};
      if (part.fileId !== undefined) file["file_id"] = part.fileId;
      if (part.data !== undefined) {
        file["file_data"] =
          `data:${part.mediaType ?? "application/pdf"};base64,${Buffer.from(part.data).toString("base64")}`;
      }
      if (part.filename !== undefined) file["filename"] = part.filename;
      out = { type: "file", file };
      break;
    }
  }
  return out;
}

function convertMessage(message: Message, namespaces: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role };
  const content = message.content;
  out["content"] =
    typeof content === "string" || content === null ? content : content.map((part) => convertPart(part));
  if (message.name !== undefined) out["name"] = message.name;
  if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
    out["tool_calls"] = message.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (message.toolCallId !== undefined) out["tool_call_id"] = message.toolCallId;
  if (message.refusal !== undefined && message.refusal !== null) out["refusal"] = message.refusal;
  const more = pickNestedOptions(message.providerOptions, namespaces, MESSAGE_OPTION_KEYS);
  return more ? { ...more, ...out } : out;
}

function convertToolChoice(choice: ToolChoice): unknown {
  return choice.type === "function" ? { type: "function", function: { name: choice.name } } : choice.type;
}

/** Builds the OpenAI Chat Completions body. Fields the caller did not set are not sent. */
export function convertToOpenAIBody(
  request: ChatRequest,
  context: ProviderCallContext,
  wire: OpenAIWireOptions,
): Record<string, unknown> {
  const namespaces = wire.options.namespaces;
  const body: Record<string, unknown> = {
    model: context.deployment.model,
    messages: request.messages.map((message) => convertMessage(message, namespaces)),
  };
  if (request.tools !== undefined) {
    body["tools"] = request.tools.map((tool) => {
      const fn: Record<string, unknown> = { name: tool.name };
      if (tool.description !== undefined) fn["description"] = tool.description;
      if (tool.parameters !== undefined) fn["parameters"] = tool.parameters;
      if (tool.strict !== undefined) fn["strict"] = tool.strict;
      return { type: "function", function: fn };
    });
  }
  if (request.toolChoice !== undefined) body["tool_choice"] = convertToolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined) body["parallel_tool_calls"] = request.parallelToolCalls;
  const format = request.responseFormat;
  if (format !== undefined) {
    if (format.type === "json_schema") {
      const schema: Record<string, unknown> = { name: format.name, schema: format.schema };
      if (format.description !== undefined) schema["description"] = format.description;
      if (format.strict !== undefined) schema["strict"] = format.strict;
      body["response_format"] = { type: "json_schema", json_schema: schema };
    } else {
      body["response_format"] = { type: format.type };
    }
  }
  if (request.reasoningEffort !== undefined) body["reasoning_effort"] = request.reasoningEffort;
  if (request.reasoningBudgetTokens !== undefined && !request.dropParams) {
    throw unsupportedParameter(wire.provider, "thinking.budget_tokens");
  }
  if (request.temperature !== undefined) body["temperature"] = request.temperature;
  if (request.topP !== undefined) body["top_p"] = request.topP;
  if (request.topK !== undefined) {
    if (wire.acceptsTopK || context.deployment.params.apiBase !== undefined) body["top_k"] = request.topK;
    else if (!request.dropParams) throw unsupportedParameter(wire.provider, "top_k");
  }
  if (request.maxTokens !== undefined) body[request.maxTokensField ?? "max_tokens"] = request.maxTokens;
  if (request.presencePenalty !== undefined) body["presence_penalty"] = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body["frequency_penalty"] = request.frequencyPenalty;
  if (request.stop !== undefined) body["stop"] = request.stop;
  if (request.seed !== undefined) body["seed"] = request.seed;
  if (request.n !== undefined) body["n"] = request.n;
  if (request.user !== undefined) body["user"] = request.user;
  if (request.metadata !== undefined) body["metadata"] = request.metadata;
  if (request.logprobs !== undefined) body["logprobs"] = request.logprobs;
  if (request.topLogprobs !== undefined) body["top_logprobs"] = request.topLogprobs;
  if (request.logitBias !== undefined) body["logit_bias"] = request.logitBias;
  // Caller additions go in last but cannot replace anything: every key is on the provider's allow-list, which
  // holds no field this function sets (GUARDS 8b).
  mergeIntoBody(body, callerPassthrough(request.passthrough, wire.options, request.dropParams === true));
  mergeIntoBody(body, callerBodyOptions(request.providerOptions, wire.options));
  if (context.stream) {
    body["stream"] = true;
    // Always ask for usage: cost and budgets need it; the REST edge hides it from callers who did not ask.
    body["stream_options"] = { include_usage: true };
  }
  return body;
}

export function buildOpenAIRequest(
  request: ChatRequest,
  context: ProviderCallContext,
  wire: OpenAIWireOptions = OPENAI_WIRE,
): UpstreamRequest {
  const { base, headers } = openAIUpstreamTarget(request, context, wire);
  return {
    url: base + wire.path,
    method: "POST",
    headers,
    body: JSON.stringify(convertToOpenAIBody(request, context, wire)),
  };
}

/**
 * The base URL (no trailing slash) and headers of an OpenAI-wire call: the deployment's key, organization and
 * extra headers, then the request's vetted upstream headers. Shared by chat and legacy completions.
 */
export function openAIUpstreamTarget(
  request: ChatRequest,
  context: ProviderCallContext,
  wire: OpenAIWireOptions,
): { base: string; headers: Record<string, string> } {
  const params = context.deployment.params;
  let base = params.apiBase ?? wire.defaultBase;
  if (base.endsWith("/")) base = base.slice(0, -1);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: context.stream ? "text/event-stream" : "application/json",
  };
  if (params.apiKey !== undefined && params.apiKey.length > 0)
    Object.assign(headers, wire.authHeader(params.apiKey));
  if (params.organization !== undefined) headers["openai-organization"] = params.organization;
  if (params.extraHeaders !== undefined) Object.assign(headers, params.extraHeaders);
  if (request.upstreamHeaders !== undefined) Object.assign(headers, request.upstreamHeaders);
  return { base, headers };
}
