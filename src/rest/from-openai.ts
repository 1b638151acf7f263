import type { z } from "zod";
import { parseInlineDataUrl } from "../core/chat/inline-data-url.js";
import { parseCacheDirectives } from "../core/chat/response-cache.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type {
  ChatRequest,
  ContentPart,
  Message,
  ProviderOptions,
  ReasoningPart,
  ResponseFormat,
  ToolChoice,
} from "../core/types/chat.js";
import {
  type ChatCompletionRequestBody,
  chatCompletionRequestSchema,
  KNOWN_TOP_LEVEL_KEYS,
  type OpenAIMessage,
} from "./chat-request-schema.js";
import { guardrailSelectionOf } from "./guardrail-selection.js";

/** `messages[0].content[1].image_url.url` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out.length === 0 ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): { message: string; param: string } {
  if (issue.code === "unrecognized_keys") {
    const base = formatPath(issue.path);
    const key = issue.keys[0] ?? "";
    const param = base.length === 0 ? key : `${base}.${key}`;
    return { param, message: `Unrecognized field '${param}'.` };
  }
  const param = formatPath(issue.path);
  if (issue.code === "invalid_union" || issue.code === "invalid_value") {
    return { param, message: `Invalid value for '${param}': ${issue.message}.` };
  }
  return { param, message: `Invalid value for '${param}': ${issue.message}.` };
}

function optionsOf(cacheControl: unknown): ProviderOptions | undefined {
  return cacheControl === undefined ? undefined : { cache_control: cacheControl };
}

function convertContent(content: OpenAIMessage["content"], path: string): Message["content"] {
  if (content === undefined || content === null) return null;
  if (typeof content === "string") return content;
  const parts: ContentPart[] = [];
  for (const [index, part] of content.entries()) {
    const providerOptions = "cache_control" in part ? optionsOf(part.cache_control) : undefined;
    switch (part.type) {
      case "text":
        parts.push({ type: "text", text: part.text, ...(providerOptions ? { providerOptions } : {}) });
        break;
      case "image_url":
        // Data URLs and the http(s) rule are the core's (validate-chat-request): the same rules as Connect.
        parts.push({
          type: "image",
          url: part.image_url.url,
          ...(part.image_url.detail ? { detail: part.image_url.detail } : {}),
          ...(providerOptions ? { providerOptions } : {}),
        });
        break;
      case "input_audio":
        parts.push({
          type: "audio",
          data: Buffer.from(part.input_audio.data, "base64"),
          format: part.input_audio.format,
          ...(providerOptions ? { providerOptions } : {}),
        });
        break;
      case "file": {
        const file = part.file;
        const inline = file.file_data !== undefined ? parseInlineDataUrl(file.file_data) : undefined;
        if (typeof inline === "string") {
          const param = `${path}.content[${index}].file.file_data`;
          throw invalidRequest(`'${param}': ${inline}.`, param);
        }
        parts.push({
          type: "file",
          ...(file.file_id !== undefined ? { fileId: file.file_id } : {}),
          ...(inline !== undefined ? { data: inline.data, mediaType: inline.mediaType } : {}),
          ...(file.filename !== undefined ? { filename: file.filename } : {}),
          ...(providerOptions ? { providerOptions } : {}),
        });
        break;
      }
      case "refusal":
        parts.push({ type: "text", text: part.refusal });
        break;
    }
  }
  return parts;
}

function convertMessage(message: OpenAIMessage, index: number): Message {
  const path = `messages[${index}]`;
  if (message.role === "function") {
    throw invalidRequest(
      `'${path}.role': the deprecated 'function' role is not supported; use 'tool'.`,
      `${path}.role`,
    );
  }
  // The rules between roles, content and tool calls are the core's (validate-chat-request).
  const out: Message = { role: message.role, content: convertContent(message.content, path) };
  if (message.name !== undefined) out.name = message.name;
  if (message.tool_calls !== undefined) {
    out.toolCalls = message.tool_calls.map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      ...(call.provider_specific_fields ? { providerOptions: call.provider_specific_fields } : {}),
    }));
  }
  if (message.tool_call_id !== undefined) out.toolCallId = message.tool_call_id;
  if (message.refusal !== undefined) out.refusal = message.refusal;
  const reasoning: ReasoningPart[] = [];
  for (const block of message.thinking_blocks ?? []) {
    if (block.type === "thinking") {
      reasoning.push({
        text: block.thinking,
        ...(block.signature !== undefined && block.signature !== null ? { signature: block.signature } : {}),
      });
    } else {
      reasoning.push({ redactedData: block.data });
    }
  }
  if (
    reasoning.length === 0 &&
    typeof message.reasoning_content === "string" &&
    message.reasoning_content.length > 0
  ) {
    reasoning.push({ text: message.reasoning_content });
  }
  if (reasoning.length > 0) out.reasoning = reasoning;
  const options: ProviderOptions = {};
  if (message.cache_control !== undefined) options["cache_control"] = message.cache_control;
  if (message.audio !== undefined) options["audio"] = message.audio;
  if (Object.keys(options).length > 0) out.providerOptions = options;
  return out;
}

function convertToolChoice(choice: NonNullable<ChatCompletionRequestBody["tool_choice"]>): ToolChoice {
  if (typeof choice === "string") return { type: choice };
  return { type: "function", name: choice.function.name };
}

function convertResponseFormat(
  format: NonNullable<ChatCompletionRequestBody["response_format"]>,
): ResponseFormat {
  if (format.type !== "json_schema") return { type: format.type };
  const schema = format.json_schema;
  return {
    type: "json_schema",
    name: schema.name,
    schema: schema.schema ?? {},
    ...(schema.description !== undefined ? { description: schema.description } : {}),
    ...(schema.strict !== undefined && schema.strict !== null ? { strict: schema.strict } : {}),
  };
}

const SIMPLE_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "stream",
  "user",
]);
const SIMPLE_ROLES: ReadonlySet<string> = new Set(["system", "developer", "user", "assistant"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The schema's type rule for an optional number; ranges are the core's (validate-chat-request). */
function optionalNumber(value: unknown, integer: boolean): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  return !integer || Number.isSafeInteger(value);
}

/**
 * The common request (plain text messages of the four simple roles, a model, a few sampling knobs), checked by
 * hand and converted directly. Anything else, including anything invalid, returns undefined and goes through
 * the zod schema, which stays the one definition of what is accepted and of every error message: this path
 * only accepts bodies the schema accepts and builds the same ChatRequest (test/unit/from-openai-fast-path).
 */
function fromSimpleRequest(
  body: Record<string, unknown>,
): { request: ChatRequest; stream: boolean } | undefined {
  for (const key in body) if (!SIMPLE_TOP_LEVEL_KEYS.has(key)) return undefined;
  const model = body["model"];
  const messages = body["messages"];
  if (typeof model !== "string" || model.length === 0 || model.length > 512) return undefined;
  if (!Array.isArray(messages)) return undefined;
  const converted: Message[] = [];
  for (const message of messages as unknown[]) {
    if (!isRecord(message)) return undefined;
    let keys = 0;
    for (const key in message) {
      if (key !== "role" && key !== "content" && key !== "name") return undefined;
      keys++;
    }
    const role = message["role"];
    const content = message["content"];
    const name = message["name"];
    if (typeof role !== "string" || !SIMPLE_ROLES.has(role) || typeof content !== "string") return undefined;
    if (name !== undefined && (typeof name !== "string" || name.length > 256)) return undefined;
    if (keys !== (name === undefined ? 2 : 3)) return undefined;
    const out: Message = { role: role as Message["role"], content };
    if (name !== undefined) out.name = name;
    converted.push(out);
  }
  const maxTokens = body["max_tokens"];
  const maxCompletionTokens = body["max_completion_tokens"];
  const temperature = body["temperature"];
  const topP = body["top_p"];
  const stream = body["stream"];
  const user = body["user"];
  if (
    !optionalNumber(maxTokens, true) ||
    !optionalNumber(maxCompletionTokens, true) ||
    !optionalNumber(temperature, false) ||
    !optionalNumber(topP, false) ||
    (stream !== undefined && stream !== null && typeof stream !== "boolean") ||
    (user !== undefined && (typeof user !== "string" || user.length > 512))
  ) {
    return undefined;
  }
  const request: ChatRequest = { model, messages: converted };
  if (typeof temperature === "number") request.temperature = temperature;
  if (typeof topP === "number") request.topP = topP;
  if (typeof maxCompletionTokens === "number") {
    request.maxTokens = maxCompletionTokens;
    request.maxTokensField = "max_completion_tokens";
  } else if (typeof maxTokens === "number") {
    request.maxTokens = maxTokens;
    request.maxTokensField = "max_tokens";
  }
  if (typeof user === "string") request.user = user;
  return { request, stream: stream === true };
}

/**
 * Validates an OpenAI Chat Completions body and turns it into our ChatRequest. Throws a 400 GatewayError naming
 * the first offending field.
 */
export function fromOpenAIRequest(body: unknown): { request: ChatRequest; stream: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const simple = fromSimpleRequest(body as Record<string, unknown>);
  return simple !== undefined ? simple : fromOpenAIRequestBySchema(body);
}

/** The full path: the zod schema, then the conversion of every field. */
export function fromOpenAIRequestBySchema(body: object): { request: ChatRequest; stream: boolean } {
  const result = chatCompletionRequestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue === undefined) throw invalidRequest("Invalid request body.");
    const { message, param } = describeIssue(issue);
    throw invalidRequest(message, param);
  }
  const parsed = result.data;
  const request: ChatRequest = { model: parsed.model, messages: parsed.messages.map(convertMessage) };
  if (parsed.tools !== undefined) {
    request.tools = parsed.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
      ...(tool.function.parameters !== undefined ? { parameters: tool.function.parameters } : {}),
      ...(tool.function.strict !== undefined && tool.function.strict !== null
        ? { strict: tool.function.strict }
        : {}),
      ...(tool.cache_control !== undefined ? { providerOptions: { cache_control: tool.cache_control } } : {}),
    }));
  }
  if (parsed.tool_choice !== undefined) request.toolChoice = convertToolChoice(parsed.tool_choice);
  if (parsed.parallel_tool_calls !== undefined) request.parallelToolCalls = parsed.parallel_tool_calls;
  if (parsed.response_format !== undefined)
    request.responseFormat = convertResponseFormat(parsed.response_format);
  if (parsed.reasoning_effort !== undefined) request.reasoningEffort = parsed.reasoning_effort;
  if (parsed.thinking?.type === "enabled" && parsed.thinking.budget_tokens !== undefined) {
    request.reasoningBudgetTokens = parsed.thinking.budget_tokens;
  }
  if (parsed.temperature != null) request.temperature = parsed.temperature;
  if (parsed.top_p != null) request.topP = parsed.top_p;
  if (parsed.top_k != null) request.topK = parsed.top_k;
  if (parsed.max_completion_tokens != null) {
    request.maxTokens = parsed.max_completion_tokens;
    request.maxTokensField = "max_completion_tokens";
  } else if (parsed.max_tokens != null) {
    request.maxTokens = parsed.max_tokens;
    request.maxTokensField = "max_tokens";
  }
  if (parsed.presence_penalty != null) request.presencePenalty = parsed.presence_penalty;
  if (parsed.frequency_penalty != null) request.frequencyPenalty = parsed.frequency_penalty;
  if (parsed.stop != null) request.stop = typeof parsed.stop === "string" ? [parsed.stop] : parsed.stop;
  if (parsed.seed != null) request.seed = parsed.seed;
  if (parsed.n != null) request.n = parsed.n;
  if (parsed.user !== undefined) request.user = parsed.user;
  if (parsed.metadata !== undefined) request.metadata = parsed.metadata;
  if (parsed.logprobs != null) request.logprobs = parsed.logprobs;
  if (parsed.top_logprobs != null) request.topLogprobs = parsed.top_logprobs;
  if (parsed.logit_bias != null) request.logitBias = parsed.logit_bias;
  if (parsed.stream_options?.include_usage === true) request.includeUsage = true;
  if (parsed.drop_params !== undefined) request.dropParams = parsed.drop_params;
  if (parsed.provider_options !== undefined) request.providerOptions = parsed.provider_options;
  if (parsed.fallbacks !== undefined || parsed.timeout !== undefined) {
    request.routing = {
      ...(parsed.fallbacks !== undefined ? { fallbacks: parsed.fallbacks } : {}),
      ...(parsed.timeout !== undefined ? { timeoutMs: Math.round(parsed.timeout * 1000) } : {}),
    };
  }
  if (parsed.guardrails !== undefined) request.guardrails = guardrailSelectionOf(parsed.guardrails);
  if (parsed.cache !== undefined) request.cache = parseCacheDirectives(parsed.cache, "cache");
  let passthrough: Record<string, unknown> | undefined;
  for (const key of Object.keys(parsed)) {
    if (KNOWN_TOP_LEVEL_KEYS.has(key)) continue;
    passthrough ??= {};
    passthrough[key] = (parsed as Record<string, unknown>)[key];
  }
  if (passthrough !== undefined) request.passthrough = passthrough;
  return { request, stream: parsed.stream === true };
}
