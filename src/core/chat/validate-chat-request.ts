import { invalidRequest } from "../errors/gateway-error.js";
import type { ChatRequest, ContentPart, Message } from "../types/chat.js";
import { assertOptionsOnlyAdd, assertPassthroughOnlyAdds } from "./forbidden-fields.js";
import { parseInlineDataUrl } from "./inline-data-url.js";
import { findTooDeep, joinPath, MAX_JSON_DEPTH } from "./json-depth.js";
import { validateModelName } from "./validate-model-name.js";

/** The largest token count a request may ask for (max_tokens, a reasoning budget). */
export const MAX_TOKENS_CAP = 10_000_000;
export const MAX_MESSAGES = 100_000;
export const MAX_TOOLS = 512;
export const MAX_STOP_SEQUENCES = 16;
const TOOL_NAME = /^[a-zA-Z0-9_.:-]{1,128}$/;

/**
 * The one validation of a chat request's content, run by ChatGateway on admission for both edges: the edges
 * only check wire shape (types, unknown fields, enums) and hand over what they read; everything about values —
 * ranges, caps, the rules between messages and tools, data URLs, nesting depth of free-form JSON — is decided
 * here, so the same content gets the same error (message and param) over REST and Connect.
 *
 * Params use the OpenAI field spelling (`messages[0].tool_call_id`, `tools[1].function.name`), the gateway's
 * documented vocabulary; Connect callers find the same names in their proto fields.
 *
 * It also normalises: an image given as a `data:` URL becomes bytes and a media type (one reading of data URLs
 * for every edge and provider).
 */
export function validateChatRequest(request: ChatRequest): void {
  // What a caller names or adds that the gateway must vet before routing (GUARDS 8b): the model and fallback
  // names, and provider options or pass-through fields that would replace a gateway-decided field.
  validateModelName(request.model, "model");
  request.routing?.fallbacks?.forEach((name, index) => {
    validateModelName(name, `fallbacks[${index}]`);
  });
  if (request.providerOptions !== undefined)
    assertOptionsOnlyAdd(request.providerOptions, "provider_options");
  if (request.passthrough !== undefined) assertPassthroughOnlyAdds(request.passthrough);
  const messages = request.messages;
  if (messages.length === 0) throw invalidRequest("'messages' must not be empty.", "messages");
  if (messages.length > MAX_MESSAGES) {
    throw invalidRequest(`'messages' takes at most ${MAX_MESSAGES} messages.`, "messages");
  }
  for (let index = 0; index < messages.length; index++) validateMessage(messages[index] as Message, index);
  const tools = request.tools;
  if (tools !== undefined) {
    if (tools.length > MAX_TOOLS) throw invalidRequest(`'tools' takes at most ${MAX_TOOLS} tools.`, "tools");
    for (let index = 0; index < tools.length; index++) {
      const tool = tools[index] as NonNullable<ChatRequest["tools"]>[number];
      if (!TOOL_NAME.test(tool.name)) {
        throw invalidRequest(
          `'tools[${index}].function.name' must be 1-128 letters, digits, '_', '-', '.' or ':'.`,
          `tools[${index}].function.name`,
        );
      }
      assertShallow(tool.parameters, `tools[${index}].function.parameters`);
      assertShallow(tool.providerOptions, `tools[${index}]`);
    }
  }
  if (request.toolChoice?.type === "function" && request.toolChoice.name.length === 0) {
    throw invalidRequest("'tool_choice.function.name' is required.", "tool_choice.function.name");
  }
  const format = request.responseFormat;
  if (format?.type === "json_schema") {
    if (format.name.length === 0 || format.name.length > 128) {
      throw invalidRequest(
        "'response_format.json_schema.name' must be 1-128 characters.",
        "response_format.json_schema.name",
      );
    }
    assertShallow(format.schema, "response_format.json_schema.schema");
  }
  range(request.reasoningBudgetTokens, 0, MAX_TOKENS_CAP, "thinking.budget_tokens", true);
  range(request.temperature, 0, 2, "temperature", false);
  range(request.topP, 0, 1, "top_p", false);
  range(request.topK, 0, 100_000, "top_k", true);
  range(request.maxTokens, 1, MAX_TOKENS_CAP, request.maxTokensField ?? "max_tokens", true);
  range(request.presencePenalty, -2, 2, "presence_penalty", false);
  range(request.frequencyPenalty, -2, 2, "frequency_penalty", false);
  range(request.n, 1, 128, "n", true);
  range(request.topLogprobs, 0, 20, "top_logprobs", true);
  if (request.stop !== undefined && request.stop.length > MAX_STOP_SEQUENCES) {
    throw invalidRequest(`'stop' takes at most ${MAX_STOP_SEQUENCES} sequences.`, "stop");
  }
  if (request.logitBias !== undefined) {
    for (const [token, bias] of Object.entries(request.logitBias)) {
      range(bias, -100, 100, `logit_bias.${token}`, false);
    }
  }
  assertShallow(request.providerOptions, "provider_options");
  assertShallow(request.passthrough, "");
}

function validateMessage(message: Message, index: number): void {
  const path = `messages[${index}]`;
  if (message.role === "tool" && (message.toolCallId === undefined || message.toolCallId.length === 0)) {
    throw invalidRequest(`'${path}.tool_call_id' is required for tool messages.`, `${path}.tool_call_id`);
  }
  if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
    if (message.role !== "assistant") {
      throw invalidRequest(
        `'${path}.tool_calls' is only allowed on assistant messages.`,
        `${path}.tool_calls`,
      );
    }
    for (let call = 0; call < message.toolCalls.length; call++) {
      const toolCall = message.toolCalls[call] as NonNullable<Message["toolCalls"]>[number];
      if (toolCall.id.length === 0 || toolCall.id.length > 256) {
        throw invalidRequest(
          `'${path}.tool_calls[${call}].id' must be 1-256 characters.`,
          `${path}.tool_calls[${call}].id`,
        );
      }
      if (toolCall.name.length === 0 || toolCall.name.length > 256) {
        throw invalidRequest(
          `'${path}.tool_calls[${call}].function.name' must be 1-256 characters.`,
          `${path}.tool_calls[${call}].function.name`,
        );
      }
      assertShallow(toolCall.providerOptions, `${path}.tool_calls[${call}].provider_specific_fields`);
    }
  }
  if (message.content === null && message.role !== "assistant") {
    throw invalidRequest(`'${path}.content' is required for ${message.role} messages.`, `${path}.content`);
  }
  if (Array.isArray(message.content)) {
    for (let part = 0; part < message.content.length; part++) {
      validatePart(message.content[part] as ContentPart, `${path}.content[${part}]`);
    }
  }
  assertShallow(message.providerOptions, path);
}

function validatePart(part: ContentPart, path: string): void {
  assertShallow(part.providerOptions, path);
  if (part.type !== "image" || part.url === undefined) return;
  const param = `${path}.image_url.url`;
  const inline = parseInlineDataUrl(part.url);
  if (typeof inline === "string") throw invalidRequest(`'${param}': ${inline}.`, param);
  if (inline !== undefined) {
    delete part.url;
    part.data = inline.data;
    part.mediaType = inline.mediaType;
    return;
  }
  if (!/^https?:\/\//i.test(part.url)) {
    throw invalidRequest(`'${param}' must be an http(s) or data: URL.`, param);
  }
}

function range(value: number | undefined, min: number, max: number, param: string, integer: boolean): void {
  if (value === undefined) return;
  if (!(value >= min && value <= max)) {
    throw invalidRequest(`'${param}' must be between ${min} and ${max}.`, param);
  }
  if (integer && !Number.isInteger(value)) throw invalidRequest(`'${param}' must be an integer.`, param);
}

/** A free-form JSON value (schema, provider options, pass-through) nested deeper than MAX_JSON_DEPTH → 400. */
function assertShallow(value: unknown, param: string): void {
  if (typeof value !== "object" || value === null) return;
  const path = findTooDeep(value);
  if (path === undefined) return;
  const name = param.length > 0 ? param : joinPath("", path.slice(0, 1));
  throw invalidRequest(`'${name}' is nested more than ${MAX_JSON_DEPTH} levels deep.`, name);
}
