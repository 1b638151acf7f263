import type { z } from "zod";
import { parseInlineDataUrl } from "../../core/chat/inline-data-url.js";
import { invalidRequest } from "../../core/errors/gateway-error.js";
import type {
  ChatRequest,
  ContentPart,
  FunctionTool,
  Message,
  ProviderOptions,
  ReasoningPart,
  ResponseFormat,
  ToolChoice,
} from "../../core/types/chat.js";
import { formatPath } from "../from-openai.js";
import { guardrailSelectionOf } from "../guardrail-selection.js";
import { decodeReasoningState } from "./reasoning-state.js";
import {
  functionToolSchema,
  INPUT_ITEM_SCHEMAS,
  type ResponsesInputItem,
  type ResponsesRequestBody,
  responsesRequestSchema,
} from "./responses-request-schema.js";

/** Built-in tools OpenAI runs itself. The gateway serves Responses through the one core, which cannot run them. */
const HOSTED_TOOLS: ReadonlySet<string> = new Set([
  "web_search",
  "web_search_preview",
  "web_search_preview_2025_03_11",
  "web_search_2025_08_26",
  "file_search",
  "computer_use_preview",
  "computer_use",
  "code_interpreter",
  "image_generation",
  "mcp",
  "local_shell",
  "shell",
  "apply_patch",
  "custom",
]);

/** `include` values the gateway understands; reasoning state is always returned when there is any. */
const KNOWN_INCLUDES: ReadonlySet<string> = new Set([
  "reasoning.encrypted_content",
  "message.output_text.logprobs",
]);

export interface ParsedResponsesRequest {
  body: ResponsesRequestBody;
  /** This request's own input as Responses items (a string input becomes one user message). */
  input: ResponsesInputItem[];
  tools: FunctionTool[] | undefined;
  toolChoice: ToolChoice | undefined;
  stream: boolean;
  /** `store` defaults to true, as on OpenAI. */
  store: boolean;
}

/**
 * The most specific issue: inside a union (`content` is a string or parts), the branch that got furthest names
 * the field (`input[0].content[0].type`), not the union itself.
 */
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue = issue;
  let bestLength = -1;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = deepest(inner);
      if (candidate.path.length > bestLength) {
        best = { ...candidate, path: [...issue.path, ...candidate.path] };
        bestLength = candidate.path.length;
      }
    }
  }
  return bestLength > 0 ? best : issue;
}

function describe(raw: z.core.$ZodIssue, prefix: string): { message: string; param: string } {
  const issue = deepest(raw);
  const path = [...(prefix.length > 0 ? [prefix] : []), ...issue.path];
  if (issue.code === "unrecognized_keys") {
    const base = formatPath(path);
    const key = issue.keys[0] ?? "";
    const param = base.length === 0 ? key : `${base}.${key}`;
    return { param, message: `Unrecognized field '${param}'.` };
  }
  const param = formatPath(path);
  return { param, message: `Invalid value for '${param}': ${issue.message}.` };
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw invalidRequest(`Invalid value for '${prefix}'.`, prefix);
  const { message, param } = describe(issue, prefix);
  throw invalidRequest(message, param);
}

function typeOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const type = (value as Record<string, unknown>)["type"];
  return typeof type === "string" ? type : undefined;
}

/** One input item, named by its path; items of types the gateway does not model get their own message. */
export function parseInputItem(value: unknown, path: string): ResponsesInputItem {
  const type = typeOf(value) ?? "message";
  if (!Object.hasOwn(INPUT_ITEM_SCHEMAS, type)) {
    throw invalidRequest(
      `'${path}.type': input items of type '${type}' are not supported by the gateway (it serves messages, function_call, function_call_output and reasoning items).`,
      `${path}.type`,
    );
  }
  const schema: z.ZodType<ResponsesInputItem> = INPUT_ITEM_SCHEMAS[type as keyof typeof INPUT_ITEM_SCHEMAS];
  return parseWith(schema, value, path);
}

function parseTool(value: unknown, index: number): FunctionTool {
  const path = `tools[${index}]`;
  const type = typeOf(value);
  if (type !== undefined && HOSTED_TOOLS.has(type)) {
    throw invalidRequest(
      `'${path}.type': the hosted tool '${type}' is not available through the gateway; use function tools.`,
      `${path}.type`,
    );
  }
  const tool = parseWith(functionToolSchema, value, path);
  return {
    name: tool.name,
    ...(tool.description != null ? { description: tool.description } : {}),
    ...(tool.parameters != null ? { parameters: tool.parameters } : {}),
    ...(tool.strict != null ? { strict: tool.strict } : {}),
  };
}

function parseToolChoice(value: unknown): ToolChoice {
  if (value === "auto" || value === "none" || value === "required") return { type: value };
  const type = typeOf(value);
  if (type === "function") {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== "type" && key !== "name")
        throw invalidRequest(`Unrecognized field 'tool_choice.${key}'.`, `tool_choice.${key}`);
    }
    const name = record["name"];
    if (typeof name !== "string" || name.length === 0)
      throw invalidRequest("'tool_choice.name' is required.", "tool_choice.name");
    return { type: "function", name };
  }
  if (type !== undefined) {
    throw invalidRequest(
      `'tool_choice.type': '${type}' is not supported by the gateway; use 'auto', 'none', 'required' or a function.`,
      "tool_choice.type",
    );
  }
  throw invalidRequest(
    "Invalid value for 'tool_choice': expected 'auto', 'none', 'required' or {type:'function', name}.",
    "tool_choice",
  );
}

/**
 * Validates a `POST /v1/responses` body: its shape, input items, tools and the fields the gateway refuses.
 * Throws a 400 GatewayError naming the first offending field.
 */
export function parseResponsesRequest(body: unknown): ParsedResponsesRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const parsed = parseWith(responsesRequestSchema, body, "");
  if (parsed.background === true) {
    throw invalidRequest(
      "'background': background responses are not supported by the gateway.",
      "background",
    );
  }
  for (const [index, value] of (parsed.include ?? []).entries()) {
    if (!KNOWN_INCLUDES.has(value))
      throw invalidRequest(
        `'include[${index}]': '${value}' is not supported by the gateway.`,
        `include[${index}]`,
      );
  }
  const input: ResponsesInputItem[] =
    parsed.input === undefined
      ? []
      : typeof parsed.input === "string"
        ? [{ type: "message", role: "user", content: [{ type: "input_text", text: parsed.input }] }]
        : parsed.input.map((item, index) => parseInputItem(item, `input[${index}]`));
  if (input.length === 0 && (parsed.previous_response_id ?? undefined) === undefined) {
    throw invalidRequest("'input' is required.", "input");
  }
  const tools = parsed.tools?.map(parseTool);
  const toolChoice = parsed.tool_choice === undefined ? undefined : parseToolChoice(parsed.tool_choice);
  return {
    body: parsed,
    input,
    tools,
    toolChoice,
    stream: parsed.stream === true,
    store: parsed.store !== false,
  };
}

function userParts(
  content: Exclude<Extract<ResponsesInputItem, { role: string }>["content"], string>,
  path: string,
): ContentPart[] {
  const parts: ContentPart[] = [];
  for (const [index, part] of content.entries()) {
    const at = `${path}[${index}]`;
    switch (part.type) {
      case "input_text":
      case "output_text":
        parts.push({ type: "text", text: part.text });
        break;
      case "refusal":
        parts.push({ type: "text", text: part.refusal });
        break;
      case "input_image":
        if (part.image_url == null) {
          throw invalidRequest(
            `'${at}.file_id': image file ids are not supported by the gateway; send 'image_url' (https or data URL).`,
            `${at}.file_id`,
          );
        }
        parts.push({ type: "image", url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) });
        break;
      case "input_file": {
        if (part.file_url !== undefined) {
          throw invalidRequest(
            `'${at}.file_url': file URLs are not supported by the gateway; send 'file_data'.`,
            `${at}.file_url`,
          );
        }
        const inline = part.file_data !== undefined ? parseInlineDataUrl(part.file_data) : undefined;
        if (typeof inline === "string")
          throw invalidRequest(`'${at}.file_data': ${inline}.`, `${at}.file_data`);
        if (part.file_data !== undefined && inline === undefined) {
          throw invalidRequest(
            `'${at}.file_data' must be a data URL (data:<media type>;base64,<data>).`,
            `${at}.file_data`,
          );
        }
        if (inline === undefined && part.file_id == null) {
          throw invalidRequest(`'${at}' needs 'file_data' or 'file_id'.`, at);
        }
        parts.push({
          type: "file",
          ...(part.file_id != null ? { fileId: part.file_id } : {}),
          ...(inline !== undefined ? { data: inline.data, mediaType: inline.mediaType } : {}),
          ...(part.filename !== undefined ? { filename: part.filename } : {}),
        });
        break;
      }
    }
  }
  return parts;
}

function reasoningOf(
  item: Extract<ResponsesInputItem, { type: "reasoning" }>,
  toolCallOptions: Map<string, ProviderOptions>,
): ReasoningPart[] {
  const state = decodeReasoningState(item.encrypted_content ?? undefined);
  if (state !== undefined) {
    for (const [id, options] of state.toolCalls) toolCallOptions.set(id, options);
    return state.parts;
  }
  const text = [...(item.content ?? []), ...item.summary].map((part) => part.text).join("\n\n");
  return text.length > 0 ? [{ text }] : [];
}

/**
 * Responses items → chat messages: `instructions` first (as a system message), then the conversation. Consecutive
 * assistant output (text, function calls, the reasoning before them) folds into one assistant message, as
 * providers expect; `function_call_output` becomes a tool message answering `call_id`.
 */
export function itemsToMessages(
  items: readonly { item: ResponsesInputItem; path: string }[],
  instructions: string | undefined,
): Message[] {
  const messages: Message[] = [];
  if (instructions !== undefined && instructions.length > 0)
    messages.push({ role: "system", content: instructions });
  let reasoning: ReasoningPart[] = [];
  /** Provider data of tool calls (Gemini thought signatures) from the reasoning state, by call id. */
  const toolCallOptions = new Map<string, ProviderOptions>();
  /** The assistant message that later function calls and text of the same turn join. */
  let open: Message | undefined;
  const assistant = (): Message => {
    if (open === undefined) {
      open = { role: "assistant", content: null };
      messages.push(open);
    }
    if (reasoning.length > 0) {
      open.reasoning = [...(open.reasoning ?? []), ...reasoning];
      reasoning = [];
    }
    return open;
  };
  for (const { item, path } of items) {
    switch (item.type) {
      case "reasoning":
        reasoning.push(...reasoningOf(item, toolCallOptions));
        break;
      case "function_call": {
        const message = assistant();
        message.toolCalls = [
          ...(message.toolCalls ?? []),
          {
            id: item.call_id,
            name: item.name,
            arguments: item.arguments.length === 0 ? "{}" : item.arguments,
            ...(toolCallOptions.has(item.call_id)
              ? { providerOptions: toolCallOptions.get(item.call_id) as ProviderOptions }
              : {}),
          },
        ];
        break;
      }
      case "function_call_output":
        open = undefined;
        messages.push({
          role: "tool",
          toolCallId: item.call_id,
          content: typeof item.output === "string" ? item.output : userParts(item.output, `${path}.output`),
        });
        break;
      default: {
        if (item.role === "assistant") {
          // A tool result or a user turn in between has closed the previous assistant turn already.
          const target = assistant();
          const text =
            typeof item.content === "string"
              ? item.content
              : item.content
                  .map((part) => (part.type === "output_text" || part.type === "input_text" ? part.text : ""))
                  .join("");
          const refusal =
            typeof item.content === "string"
              ? undefined
              : item.content.find((part) => part.type === "refusal")?.refusal;
          target.content = typeof target.content === "string" ? target.content + text : text;
          if (refusal !== undefined) target.refusal = refusal;
          break;
        }
        open = undefined;
        reasoning = [];
        messages.push({
          role: item.role,
          content:
            typeof item.content === "string" ? item.content : userParts(item.content, `${path}.content`),
        });
      }
    }
  }
  return messages;
}

function responseFormatOf(
  format: NonNullable<ResponsesRequestBody["text"]>["format"],
): ResponseFormat | undefined {
  if (format === undefined) return undefined;
  if (format.type !== "json_schema") return { type: format.type };
  return {
    type: "json_schema",
    name: format.name,
    schema: format.schema,
    ...(format.description !== undefined ? { description: format.description } : {}),
    ...(format.strict != null ? { strict: format.strict } : {}),
  };
}

/**
 * The canonical ChatRequest for a parsed Responses request and the stored conversation before it (items of the
 * previous responses, oldest first). `metadata` and `store` stay with the gateway (echoed, never sent upstream);
 * `service_tier` and `text.verbosity` are pass-through fields: OpenAI-family upstreams receive them, other providers
 * refuse them by name unless `drop_params`.
 */
export function toChatRequest(
  parsed: ParsedResponsesRequest,
  history: readonly ResponsesInputItem[],
): ChatRequest {
  const { body } = parsed;
  const items = [
    ...history.map((item) => ({ item, path: "previous_response_id" })),
    ...parsed.input.map((item, index) => ({ item, path: `input[${index}]` })),
  ];
  const request: ChatRequest = {
    model: body.model,
    messages: itemsToMessages(items, body.instructions ?? undefined),
  };
  if (parsed.tools !== undefined) request.tools = parsed.tools;
  if (parsed.toolChoice !== undefined) request.toolChoice = parsed.toolChoice;
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  const format = responseFormatOf(body.text?.format);
  if (format !== undefined && format.type !== "text") request.responseFormat = format;
  if (body.reasoning?.effort != null) request.reasoningEffort = body.reasoning.effort;
  if (body.max_output_tokens != null) {
    request.maxTokens = body.max_output_tokens;
    request.maxTokensField = "max_completion_tokens";
  }
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.user !== undefined) request.user = body.user;
  if (body.drop_params !== undefined) request.dropParams = body.drop_params;
  if (body.guardrails !== undefined) request.guardrails = guardrailSelectionOf(body.guardrails);
  // `prompt_cache_key` and `safety_identifier` are hints that Codex and the Agents SDK send on every request: they
  // are accepted and not forwarded, so that the same client works against every provider behind the gateway.
  const passthrough: Record<string, unknown> = {};
  if (body.service_tier != null) passthrough["service_tier"] = body.service_tier;
  if (body.text?.verbosity != null) passthrough["verbosity"] = body.text.verbosity;
  if (Object.keys(passthrough).length > 0) request.passthrough = passthrough;
  return request;
}
