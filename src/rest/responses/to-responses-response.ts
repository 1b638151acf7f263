import type {
  ChatResponse,
  FinishReason,
  ProviderOptions,
  ReasoningPart,
  Usage,
} from "../../core/types/chat.js";
import type { ParsedResponsesRequest } from "./from-responses-request.js";
import { encodeReasoningState } from "./reasoning-state.js";
import { newItemId } from "./response-ids.js";

/** Output items as OpenAI's Responses API spells them. Also valid as input items of a later turn. */
export interface OutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}
export interface OutputRefusal {
  type: "refusal";
  refusal: string;
}
export interface MessageOutputItem {
  id: string;
  type: "message";
  status: "in_progress" | "completed" | "incomplete";
  role: "assistant";
  content: (OutputText | OutputRefusal)[];
}
export interface FunctionCallOutputItem {
  id: string;
  type: "function_call";
  status: "in_progress" | "completed" | "incomplete";
  call_id: string;
  name: string;
  arguments: string;
}
export interface ReasoningOutputItem {
  id: string;
  type: "reasoning";
  summary: { type: "summary_text"; text: string }[];
  encrypted_content?: string;
}
export type OutputItem = MessageOutputItem | FunctionCallOutputItem | ReasoningOutputItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** The `response` object: the echo of the request, then the outcome. */
export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  background: false;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  service_tier: string | null;
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: "auto" | "disabled";
  usage: ResponsesUsage | null;
  /** Absent when unset: recorded traffic has `null`, the spec a string only; omitting it satisfies both. */
  user?: string;
  metadata: Record<string, string>;
}

/** The response object before any output: what `response.created` carries. */
export function responseSkeleton(
  parsed: ParsedResponsesRequest,
  id: string,
  createdAt: number,
): ResponseObject {
  const { body } = parsed;
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: {
      effort: body.reasoning?.effort ?? null,
      summary: body.reasoning?.summary ?? body.reasoning?.generate_summary ?? null,
    },
    service_tier: body.service_tier ?? null,
    store: parsed.store,
    temperature: body.temperature ?? null,
    text: { format: (body.text?.format as Record<string, unknown> | undefined) ?? { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: (parsed.tools ?? []).map((tool) => ({
      type: "function",
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    top_p: body.top_p ?? null,
    truncation: body.truncation ?? "disabled",
    usage: null,
    ...(body.user !== undefined ? { user: body.user } : {}),
    metadata: body.metadata ?? {},
  };
}

export function toResponsesUsage(usage: Usage | undefined): ResponsesUsage {
  return {
    input_tokens: usage?.promptTokens ?? 0,
    input_tokens_details: {
      cached_tokens: usage?.cachedPromptTokens ?? 0,
      cache_write_tokens: usage?.cacheWriteTokens ?? 0,
    },
    output_tokens: usage?.completionTokens ?? 0,
    output_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
    total_tokens: usage?.totalTokens ?? (usage?.promptTokens ?? 0) + (usage?.completionTokens ?? 0),
  };
}

/** A finish reason as a Responses status: cut by the token limit or a filter is `incomplete`. */
export function statusOf(reason: FinishReason | null | undefined): {
  status: ResponseStatus;
  incomplete: ResponseObject["incomplete_details"];
} {
  if (reason === "length") return { status: "incomplete", incomplete: { reason: "max_output_tokens" } };
  if (reason === "content_filter") return { status: "incomplete", incomplete: { reason: "content_filter" } };
  return { status: "completed", incomplete: null };
}

export function reasoningItem(
  id: string,
  parts: readonly ReasoningPart[],
  toolCalls: ReadonlyMap<string, ProviderOptions> = new Map(),
): ReasoningOutputItem {
  const text = parts
    .map((part) => part.text ?? "")
    .filter((part) => part.length > 0)
    .join("\n\n");
  const state = encodeReasoningState(parts, toolCalls);
  return {
    id,
    type: "reasoning",
    summary: text.length > 0 ? [{ type: "summary_text", text }] : [],
    ...(state !== undefined ? { encrypted_content: state } : {}),
  };
}

/**
 * A unary chat response as a Responses object: reasoning first, then the message (text, refusal), then one
 * `function_call` item per tool call (the chat `tool_call.id` is the `call_id`).
 */
export function toResponsesResponse(skeleton: ResponseObject, response: ChatResponse): ResponseObject {
  const choice = response.choices[0];
  const output: OutputItem[] = [];
  const { status, incomplete } = statusOf(choice?.finishReason);
  const itemStatus = status === "incomplete" ? "incomplete" : "completed";
  if (choice !== undefined) {
    const message = choice.message;
    // Provider data on tool calls (Gemini thought signatures) rides in the reasoning item's state, so that it
    // comes back with the conversation, from the store or from a client that sends the items back.
    const toolCallOptions = new Map<string, ProviderOptions>();
    for (const call of message.toolCalls ?? [])
      if (call.providerOptions !== undefined) toolCallOptions.set(call.id, call.providerOptions);
    if ((message.reasoning !== undefined && message.reasoning.length > 0) || toolCallOptions.size > 0)
      output.push(reasoningItem(newItemId("rs"), message.reasoning ?? [], toolCallOptions));
    const content: MessageOutputItem["content"] = [];
    if (message.content !== null && message.content.length > 0) {
      content.push({
        type: "output_text",
        text: message.content,
        annotations: message.annotations ?? [],
        logprobs: [],
      });
    }
    if (message.refusal != null && message.refusal.length > 0)
      content.push({ type: "refusal", refusal: message.refusal });
    if (content.length > 0)
      output.push({ id: newItemId("msg"), type: "message", status: itemStatus, role: "assistant", content });
    for (const call of message.toolCalls ?? []) {
      output.push({
        id: newItemId("fc"),
        type: "function_call",
        status: "completed",
        call_id: call.id,
        name: call.name,
        arguments: call.arguments,
      });
    }
  }
  return {
    ...skeleton,
    model: response.model.length > 0 ? response.model : skeleton.model,
    status,
    incomplete_details: incomplete,
    output,
    usage: toResponsesUsage(response.usage),
  };
}
