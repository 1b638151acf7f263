import type { z } from "zod";
import { GatewayError, invalidRequest } from "../../core/errors/gateway-error.js";
import type {
  ChatRequest,
  ContentPart,
  FunctionTool,
  Message,
  ProviderOptions,
  ReasoningPart,
  ToolCall,
} from "../../core/types/chat.js";
import { formatPath } from "../from-openai.js";
import { guardrailSelectionOf } from "../guardrail-selection.js";
import {
  type ContentBlockParam,
  type CountTokensRequestBody,
  countTokensRequestSchema,
  type DocumentBlockParam,
  type ImageBlockParam,
  type MessageParam,
  type MessagesRequestBody,
  messagesRequestSchema,
  type TextBlockParam,
} from "./messages-request-schema.js";

/** The provider id whose wire is the Messages API: Anthropic-only fields travel in its namespace. */
export const ANTHROPIC_NAMESPACE = "anthropic";

/** Deepest JSON we accept inside tool schemas and tool inputs (GUARDS 8: bounded nesting). */
const MAX_JSON_DEPTH = 64;

function describeIssue(issue: z.core.$ZodIssue): GatewayError {
  if (issue.code === "unrecognized_keys") {
    const base = formatPath(issue.path);
    const key = issue.keys[0] ?? "";
    const param = base.length === 0 ? key : `${base}.${key}`;
    return invalidRequest(`${param}: Extra inputs are not permitted`, param);
  }
  const param = formatPath(issue.path);
  return invalidRequest(`${param.length > 0 ? param : "body"}: ${issue.message}`, param);
}

function assertDepth(value: unknown, path: string, depth = 0): void {
  if (depth > MAX_JSON_DEPTH) throw invalidRequest(`${path}: nested too deeply`, path);
  if (typeof value !== "object" || value === null) return;
  for (const child of Array.isArray(value) ? value : Object.values(value))
    assertDepth(child, path, depth + 1);
}

function cacheOptions(cacheControl: unknown): ProviderOptions | undefined {
  return cacheControl === undefined || cacheControl === null ? undefined : { cache_control: cacheControl };
}

function withOptions<T extends object>(part: T, options: ProviderOptions | undefined): T {
  return options === undefined ? part : { ...part, providerOptions: options };
}

function textPart(block: TextBlockParam): ContentPart {
  return withOptions({ type: "text" as const, text: block.text }, cacheOptions(block.cache_control));
}

function imagePart(block: ImageBlockParam, path: string): ContentPart {
  const source = block.source;
  const options = cacheOptions(block.cache_control);
  switch (source.type) {
    case "base64":
      if (!source.media_type.startsWith("image/")) {
        throw invalidRequest(`${path}.source.media_type: must be an image type`, `${path}.source.media_type`);
      }
      return withOptions(
        { type: "image" as const, data: Buffer.from(source.data, "base64"), mediaType: source.media_type },
        options,
      );
    case "url":
      if (!/^https?:\/\//i.test(source.url)) {
        throw invalidRequest(`${path}.source.url: must be an http(s) URL`, `${path}.source.url`);
      }
      return withOptions({ type: "image" as const, url: source.url }, options);
    case "file":
      throw filesApi(`${path}.source`);
  }
}

function filesApi(param: string): GatewayError {
  return new GatewayError(
    "unsupported_parameter",
    `${param}: file sources (the Files API) are not supported by this gateway; send the data inline.`,
    { param, reason: "unsupported_parameter" },
  );
}

function documentParts(block: DocumentBlockParam, path: string): ContentPart[] {
  if (block.citations?.enabled === true) {
    throw new GatewayError(
      "unsupported_parameter",
      `${path}.citations: document citations are not supported by this gateway yet.`,
      { param: `${path}.citations`, reason: "unsupported_parameter" },
    );
  }
  const options = cacheOptions(block.cache_control);
  const filename = block.title ?? undefined;
  const source = block.source;
  switch (source.type) {
    case "base64":
      return [
        withOptions(
          {
            type: "file" as const,
            data: Buffer.from(source.data, "base64"),
            mediaType: source.media_type,
            ...(filename !== undefined ? { filename } : {}),
          },
          options,
        ),
      ];
    case "url":
      if (!/^https?:\/\//i.test(source.url)) {
        throw invalidRequest(`${path}.source.url: must be an http(s) URL`, `${path}.source.url`);
      }
      return [
        withOptions(
          { type: "file" as const, fileId: source.url, ...(filename !== undefined ? { filename } : {}) },
          options,
        ),
      ];
    case "file":
      throw filesApi(`${path}.source`);
    case "text": {
      // A plain-text document is text the model reads: the title and context lead it.
      const head = [block.title, block.context].filter((value) => typeof value === "string" && value !== "");
      const text = head.length > 0 ? `${head.join("\n")}\n\n${source.data}` : source.data;
      return [withOptions({ type: "text" as const, text }, options)];
    }
    case "content":
      if (typeof source.content === "string") {
        return [withOptions({ type: "text" as const, text: source.content }, options)];
      }
      return source.content.map(textPart);
  }
}

/** One block of a user turn or a tool result as content parts; `path` names the block itself. */
function blockParts(block: ContentBlockParam, path: string, allowed: ReadonlySet<string>): ContentPart[] {
  if (!allowed.has(block.type)) {
    throw invalidRequest(`${path}.type: '${block.type}' blocks are not allowed here`, `${path}.type`);
  }
  if (block.type === "text") return [textPart(block)];
  if (block.type === "image") return [imagePart(block, path)];
  if (block.type === "document") return documentParts(block, path);
  return [];
}

function contentParts(
  blocks: readonly ContentBlockParam[],
  path: string,
  allowed: ReadonlySet<string>,
): ContentPart[] {
  return blocks.flatMap((block, index) => blockParts(block, `${path}[${index}]`, allowed));
}

const USER_PARTS: ReadonlySet<string> = new Set(["text", "image", "document"]);
const ASSISTANT_PARTS: ReadonlySet<string> = new Set(["text"]);

/** Plain text when every part is uncached text (what most providers take best), parts otherwise. */
function simplify(parts: ContentPart[]): string | ContentPart[] {
  if (parts.length === 1 && parts[0]?.type === "text" && parts[0].providerOptions === undefined) {
    return parts[0].text;
  }
  return parts;
}

/**
 * One user turn → canonical messages: each `tool_result` becomes a `tool` message (in order, before the rest,
 * as Anthropic requires them first), the other blocks one user message.
 */
function convertUserTurn(message: MessageParam, path: string, out: Message[]): void {
  if (typeof message.content === "string") {
    out.push({ role: "user", content: message.content });
    return;
  }
  const parts: ContentPart[] = [];
  message.content.forEach((block, index) => {
    const here = `${path}.content[${index}]`;
    if (block.type !== "tool_result") {
      parts.push(...blockParts(block, here, USER_PARTS));
      return;
    }
    let content: Message["content"];
    if (block.content === undefined) content = "";
    else if (typeof block.content === "string") content = block.content;
    // Kept as parts (not simplified) so an Anthropic upstream gets the result's blocks as sent.
    else content = contentParts(block.content, `${here}.content`, USER_PARTS);
    const options: ProviderOptions = {};
    if (block.cache_control !== undefined && block.cache_control !== null)
      options["cache_control"] = block.cache_control;
    // Namespaced: only Anthropic's wire has the flag; elsewhere the result's text carries the error.
    if (block.is_error === true) options[ANTHROPIC_NAMESPACE] = { is_error: true };
    out.push({
      role: "tool",
      toolCallId: block.tool_use_id,
      content,
      ...(Object.keys(options).length > 0 ? { providerOptions: options } : {}),
    });
  });
  if (parts.length === 0) return;
  out.push({ role: "user", content: simplify(parts) });
}

/** One assistant turn: thinking → reasoning (signatures kept), text → content, tool_use → tool calls. */
function convertAssistantTurn(message: MessageParam, path: string, out: Message[]): void {
  if (typeof message.content === "string") {
    out.push({ role: "assistant", content: message.content });
    return;
  }
  const reasoning: ReasoningPart[] = [];
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  let lastCache: unknown;
  message.content.forEach((block, index) => {
    const here = `${path}.content[${index}]`;
    switch (block.type) {
      case "thinking":
        reasoning.push({
          text: block.thinking,
          ...(block.signature !== "" ? { signature: block.signature } : {}),
        });
        return;
      case "redacted_thinking":
        reasoning.push({ redactedData: block.data });
        return;
      case "tool_use":
        assertDepth(block.input, `${here}.input`);
        toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
        // The canonical turn puts tool calls last; a breakpoint on a call marks the end of the turn.
        if (block.cache_control !== undefined && block.cache_control !== null)
          lastCache = block.cache_control;
        return;
      default:
        parts.push(...blockParts(block, here, ASSISTANT_PARTS));
    }
  });
  const converted: Message = { role: "assistant", content: parts.length === 0 ? null : simplify(parts) };
  if (toolCalls.length > 0) converted.toolCalls = toolCalls;
  if (reasoning.length > 0) converted.reasoning = reasoning;
  if (lastCache !== undefined) converted.providerOptions = { cache_control: lastCache };
  out.push(converted);
}

function convertTools(tools: NonNullable<MessagesRequestBody["tools"]>): FunctionTool[] {
  return tools.map((tool, index) => {
    const path = `tools[${index}]`;
    if (!("input_schema" in tool) || (tool.type !== undefined && tool.type !== "custom")) {
      throw new GatewayError(
        "unsupported_parameter",
        `${path}.type: server tools ('${tool.type}') are not supported by this gateway yet; declare client tools with input_schema.`,
        { param: `${path}.type`, reason: "unsupported_parameter" },
      );
    }
    assertDepth(tool.input_schema, `${path}.input_schema`);
    const converted: FunctionTool = {
      name: String(tool.name),
      parameters: tool.input_schema as Record<string, unknown>,
    };
    if (typeof tool.description === "string") converted.description = tool.description;
    if (tool.strict === true) converted.strict = true;
    const options = cacheOptions(tool.cache_control);
    if (options !== undefined) converted.providerOptions = options;
    return converted;
  });
}

/** Inbound headers that shape the request: betas (forwarded to Anthropic only). */
export interface MessagesHeaders {
  betas: string[];
}

type PromptFields = CountTokensRequestBody;

/** The fields count_tokens and create share: system, messages, tools, tool_choice, thinking, cache_control. */
function convertPrompt(body: PromptFields, headers: MessagesHeaders): ChatRequest {
  const messages: Message[] = [];
  if (typeof body.system === "string") {
    if (body.system.length > 0) messages.push({ role: "system", content: body.system });
  } else if (body.system !== undefined && body.system.length > 0) {
    messages.push({ role: "system", content: body.system.map(textPart) });
  }
  body.messages.forEach((message, index) => {
    const path = `messages[${index}]`;
    if (message.role === "user") convertUserTurn(message, path, messages);
    else convertAssistantTurn(message, path, messages);
  });
  const request: ChatRequest = { model: body.model, messages };
  const anthropic: Record<string, unknown> = {};
  const nativeParams: string[] = [];

  if (body.tools !== undefined && body.tools.length > 0) request.tools = convertTools(body.tools);
  const choice = body.tool_choice;
  if (choice !== undefined) {
    switch (choice.type) {
      case "auto":
        request.toolChoice = { type: "auto" };
        break;
      case "any":
        request.toolChoice = { type: "required" };
        break;
      case "tool":
        request.toolChoice = { type: "function", name: choice.name };
        break;
      case "none":
        request.toolChoice = { type: "none" };
        break;
    }
    if ("disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true)
      request.parallelToolCalls = false;
  }
  switch (body.thinking?.type) {
    case undefined:
      break;
    case "enabled":
      request.reasoningBudgetTokens = body.thinking.budget_tokens;
      break;
    case "disabled":
      // Anthropic's default: sending nothing is the same request.
      break;
    case "adaptive":
      request.adaptiveReasoning = true;
      break;
  }
  if (body.cache_control !== undefined && body.cache_control !== null) {
    anthropic["cache_control"] = body.cache_control;
    nativeParams.push("cache_control");
  }
  if (Object.keys(anthropic).length > 0 || nativeParams.length > 0 || headers.betas.length > 0) {
    if (Object.keys(anthropic).length > 0) request.providerOptions = { [ANTHROPIC_NAMESPACE]: anthropic };
    request.nativeOnly = {
      provider: ANTHROPIC_NAMESPACE,
      params: nativeParams,
      ...(headers.betas.length > 0 ? { headers: { "anthropic-beta": headers.betas.join(",") } } : {}),
    };
  }
  return request;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw issue === undefined ? invalidRequest("Invalid request body.") : describeIssue(issue);
  }
  return result.data;
}

/**
 * Validates an Anthropic Messages body and turns it into the canonical ChatRequest. Throws a 400 GatewayError
 * naming the first offending field.
 */
export function fromAnthropicMessages(
  body: unknown,
  headers: MessagesHeaders,
): { request: ChatRequest; stream: boolean } {
  const parsed = parse(messagesRequestSchema, body);
  const request = convertPrompt(parsed, headers);
  request.maxTokens = parsed.max_tokens;
  request.maxTokensField = "max_tokens";
  if (parsed.temperature !== undefined) request.temperature = parsed.temperature;
  if (parsed.top_p !== undefined) request.topP = parsed.top_p;
  if (parsed.top_k !== undefined) request.topK = parsed.top_k;
  if (parsed.stop_sequences !== undefined && parsed.stop_sequences.length > 0)
    request.stop = parsed.stop_sequences;
  if (parsed.guardrails !== undefined) request.guardrails = guardrailSelectionOf(parsed.guardrails);
  const userId = parsed.metadata?.user_id;
  if (typeof userId === "string" && userId.length > 0) request.user = userId;
  // "auto" is the API's default (omitting it is the same request); "standard_only" would need the field on the
  // wire, which the gateway does not let callers set (capacity tiers are priced apart): refused, naming it.
  if (parsed.service_tier === "standard_only") {
    throw new GatewayError(
      "unsupported_parameter",
      "service_tier: 'standard_only' is not supported by this gateway; omit it or send 'auto'.",
      { param: "service_tier", reason: "unsupported_parameter" },
    );
  }
  return { request, stream: parsed.stream === true };
}

/** The same for `POST /v1/messages/count_tokens` (no max_tokens, sampling or stream). */
export function fromAnthropicCountTokens(body: unknown, headers: MessagesHeaders): ChatRequest {
  return convertPrompt(parse(countTokensRequestSchema, body), headers);
}
