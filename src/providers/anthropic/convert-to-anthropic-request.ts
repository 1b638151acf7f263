import { GatewayError, invalidRequest } from "../../core/errors/gateway-error.js";
import type {
  ChatRequest,
  ContentPart,
  Message,
  ProviderOptions,
  ReasoningEffort,
} from "../../core/types/chat.js";
import type { Deployment } from "../../core/types/deployment.js";
import type { UpstreamRequest } from "../../core/types/provider.js";
import { bytesToBase64, parseDataUrl } from "../shared/data-url.js";
import {
  callerBodyOptions,
  isPlainObject,
  mergeIntoBody,
  readProviderOption,
} from "../shared/provider-options.js";
import { rejectUnsupportedParams } from "../shared/unsupported-params.js";
import { parseToolArguments } from "../shared/upstream-json.js";
import type {
  AnthropicCacheControl,
  AnthropicRequestBlock,
  AnthropicRequestMessage,
  AnthropicTextBlock,
  AnthropicTool,
} from "./anthropic-api.js";
import { ANTHROPIC_PROVIDER_ID } from "./anthropic-error.js";
import { ANTHROPIC_OPTIONS } from "./anthropic-options.js";

export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";
export const ANTHROPIC_DEFAULT_VERSION = "2023-06-01";
/**
 * The tool we force to emulate `response_format` (Anthropic's only model-independent structured-output
 * mechanism). Its input is returned to the caller as message content. The name is reserved: a caller tool
 * with this name is rejected, which lets the response parser recognise it without seeing the request.
 */
export const ANTHROPIC_JSON_TOOL_NAME = "switchboard_json_output";

const NAMESPACES = [ANTHROPIC_PROVIDER_ID];

/** `reasoning_effort` → thinking budget (Anthropic's minimum budget is 1024). */
const EFFORT_BUDGET: Record<Exclude<ReasoningEffort, "none">, number> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
};

/**
 * `max_tokens` is required by Anthropic. When the caller gives none we send the model's output limit from the
 * deployment's model_info, else the documented limit of the model family, else 4096.
 */
const MODEL_MAX_OUTPUT: ReadonlyArray<readonly [RegExp, number]> = [
  [/claude-3-haiku|claude-3-opus|claude-3-sonnet/, 4096],
  [/claude-3-5/, 8192],
  [/claude-opus-4-(0|1)|claude-opus-4(-\d{8})?$/, 32000],
  [/claude-3-7-sonnet|claude-sonnet-4|claude-haiku-4|claude-opus-4/, 64000],
];

export function defaultMaxTokens(deployment: Deployment): number {
  const configured = deployment.info.maxOutputTokens ?? deployment.info.maxTokens;
  if (configured !== undefined) return configured;
  for (const [pattern, limit] of MODEL_MAX_OUTPUT) if (pattern.test(deployment.model)) return limit;
  return 4096;
}

/** The full upstream request: URL, headers (version, key, beta headers) and JSON body. */
export function buildAnthropicRequest(
  request: ChatRequest,
  deployment: Deployment,
  stream: boolean,
): UpstreamRequest {
  const apiKey = deployment.params.apiKey;
  if (apiKey === undefined || apiKey === "") {
    throw new GatewayError("upstream_auth", "The Anthropic deployment has no API key configured.", {
      provider: ANTHROPIC_PROVIDER_ID,
      reason: "missing_credentials",
    });
  }
  const headers: Record<string, string> = {
    ...deployment.params.extraHeaders,
    ...request.upstreamHeaders,
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-version": deployment.params.apiVersion ?? ANTHROPIC_DEFAULT_VERSION,
    "x-api-key": apiKey,
  };
  return {
    url: anthropicMessagesUrl(deployment.params.apiBase),
    method: "POST",
    headers,
    body: JSON.stringify(convertToAnthropicBody(request, deployment, stream)),
  };
}

/** `api_base` may be the host, the `/v1` root or the full messages URL (all seen in LiteLLM configs). */
export function anthropicMessagesUrl(apiBase: string | undefined): string {
  const base = (apiBase ?? ANTHROPIC_DEFAULT_BASE_URL).replace(/\/+$/, "");
  if (base.endsWith("/v1/messages")) return base;
  if (base.endsWith("/v1")) return `${base}/messages`;
  return `${base}/v1/messages`;
}

/** The Messages API body for one chat request. Pure; throws GatewayError for what cannot be translated. */
export function convertToAnthropicBody(
  request: ChatRequest,
  deployment: Deployment,
  stream: boolean,
): Record<string, unknown> {
  rejectUnsupportedParams(request, ANTHROPIC_PROVIDER_ID, [
    "n",
    "logprobs",
    "top_logprobs",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "seed",
    "audio",
  ]);
  const body: Record<string, unknown> = { model: deployment.model };
  const { system, messages } = convertMessages(request.messages);

  const thinkingBudget = thinkingBudgetOf(request);
  let maxTokens = request.maxTokens ?? defaultMaxTokens(deployment);
  if (thinkingBudget !== undefined && maxTokens <= thinkingBudget) {
    if (request.maxTokens !== undefined) {
      throw invalidRequest(
        `max_tokens (${request.maxTokens}) must be larger than the reasoning budget (${thinkingBudget}) for Anthropic models.`,
        request.maxTokensField ?? "max_tokens",
      );
    }
    maxTokens = thinkingBudget + 4096;
  }
  body["max_tokens"] = maxTokens;
  body["messages"] = messages;
  if (system !== undefined) body["system"] = system;
  if (request.temperature !== undefined) {
    if (request.temperature > 1) {
      throw invalidRequest("temperature must be between 0 and 1 for Anthropic models.", "temperature");
    }
    body["temperature"] = request.temperature;
  }
  if (request.topP !== undefined) body["top_p"] = request.topP;
  if (request.topK !== undefined) body["top_k"] = request.topK;
  if (request.stop !== undefined && request.stop.length > 0) body["stop_sequences"] = request.stop;
  if (request.user !== undefined) body["metadata"] = { user_id: request.user };
  if (thinkingBudget !== undefined) body["thinking"] = { type: "enabled", budget_tokens: thinkingBudget };
  else if (request.reasoningEffort === "none") body["thinking"] = { type: "disabled" };
  else if (request.adaptiveReasoning === true) body["thinking"] = { type: "adaptive" };

  const tools = (request.tools ?? []).map((tool): AnthropicTool => {
    if (tool.name === ANTHROPIC_JSON_TOOL_NAME) {
      throw invalidRequest(
        `The tool name '${ANTHROPIC_JSON_TOOL_NAME}' is reserved by the gateway.`,
        "tools",
      );
    }
    const converted: AnthropicTool = {
      name: tool.name,
      input_schema: tool.parameters ?? { type: "object", properties: {} },
    };
    if (tool.description !== undefined) converted.description = tool.description;
    if (tool.strict === true) converted.strict = true;
    const cacheControl = cacheControlOf(tool.providerOptions);
    if (cacheControl !== undefined) converted.cache_control = cacheControl;
    return converted;
  });

  let toolChoice: Record<string, unknown> | undefined;
  switch (request.toolChoice?.type) {
    case undefined:
      break;
    case "auto":
      toolChoice = { type: "auto" };
      break;
    case "none":
      toolChoice = { type: "none" };
      break;
    case "required":
      toolChoice = { type: "any" };
      break;
    case "function":
      toolChoice = { type: "tool", name: request.toolChoice.name };
      break;
  }

  const format = request.responseFormat;
  if (format !== undefined && format.type !== "text") {
    if (thinkingBudget !== undefined) {
      // Anthropic rejects a forced tool together with extended thinking, and the forced tool is how we do JSON.
      throw invalidRequest(
        "response_format cannot be combined with reasoning on Anthropic models; drop one of them.",
        "response_format",
      );
    }
    const schema = format.type === "json_schema" ? format.schema : { type: "object" };
    const jsonTool: AnthropicTool = {
      name: ANTHROPIC_JSON_TOOL_NAME,
      description:
        format.type === "json_schema"
          ? (format.description ?? `Respond with a JSON object (${format.name}).`)
          : "Respond with a JSON object.",
      input_schema: schema,
    };
    tools.push(jsonTool);
    toolChoice = { type: "tool", name: ANTHROPIC_JSON_TOOL_NAME };
  }

  if (request.parallelToolCalls === false && tools.length > 0) {
    toolChoice = { ...(toolChoice ?? { type: "auto" }), disable_parallel_tool_use: true };
    if (toolChoice["type"] === "none") delete toolChoice["disable_parallel_tool_use"];
  }
  if (tools.length > 0) body["tools"] = tools;
  if (toolChoice !== undefined) body["tool_choice"] = toolChoice;
  body["stream"] = stream;
  mergeIntoBody(body, callerBodyOptions(request.providerOptions, ANTHROPIC_OPTIONS));
  return body;
}

function thinkingBudgetOf(request: ChatRequest): number | undefined {
  if (request.reasoningBudgetTokens !== undefined) return request.reasoningBudgetTokens;
  if (request.reasoningEffort === undefined || request.reasoningEffort === "none") return undefined;
  return EFFORT_BUDGET[request.reasoningEffort];
}

function cacheControlOf(options: ProviderOptions | undefined): AnthropicCacheControl | undefined {
  const value = readProviderOption(options, NAMESPACES, ["cache_control", "cacheControl"]);
  return isPlainObject(value) ? value : undefined;
}

interface ConvertedMessages {
  system: string | AnthropicTextBlock[] | undefined;
  messages: AnthropicRequestMessage[];
}

/**
 * System and developer turns are hoisted into the top-level `system` (a plain string when there is one
 * uncached text, blocks otherwise); consecutive turns of one role are merged, which puts consecutive tool
 * results into one user turn, tool_result blocks first as Anthropic requires.
 */
function convertMessages(input: readonly Message[]): ConvertedMessages {
  const systemBlocks: AnthropicTextBlock[] = [];
  let systemIsPlain = true;
  const messages: AnthropicRequestMessage[] = [];

  const push = (role: "user" | "assistant", blocks: AnthropicRequestBlock[]): void => {
    const last = messages.at(-1);
    if (last !== undefined && last.role === role) {
      if (role === "user") {
        // tool_result blocks must come before any other content in a user turn.
        const results = [...last.content, ...blocks].filter((block) => block.type === "tool_result");
        const others = [...last.content, ...blocks].filter((block) => block.type !== "tool_result");
        last.content = [...results, ...others];
      } else {
        last.content.push(...blocks);
      }
      return;
    }
    messages.push({ role, content: blocks });
  };

  input.forEach((message, messageIndex) => {
    const path = `messages[${messageIndex}]`;
    const messageCache = cacheControlOf(message.providerOptions);
    switch (message.role) {
      case "system":
      case "developer": {
        const blocks = textBlocksOf(message.content, path);
        if (messageCache !== undefined) applyCacheToLast(blocks, messageCache);
        if (messageCache !== undefined || blocks.some((block) => block.cache_control !== undefined)) {
          systemIsPlain = false;
        }
        systemBlocks.push(...blocks);
        return;
      }
      case "user": {
        const blocks = contentBlocksOf(message.content, path);
        if (messageCache !== undefined) applyCacheToLast(blocks, messageCache);
        push("user", blocks);
        return;
      }
      case "assistant": {
        const blocks: AnthropicRequestBlock[] = [];
        for (const reasoning of message.reasoning ?? []) {
          if (reasoning.redactedData !== undefined) {
            blocks.push({ type: "redacted_thinking", data: reasoning.redactedData });
          } else if (reasoning.signature !== undefined) {
            blocks.push({ type: "thinking", thinking: reasoning.text ?? "", signature: reasoning.signature });
          }
          // Reasoning text without a signature cannot be verified by Anthropic and is not sent back.
        }
        if (message.content !== null) {
          for (const block of contentBlocksOf(message.content, path)) {
            if (block.type === "text" && block.text === "") continue;
            blocks.push(block);
          }
        }
        (message.toolCalls ?? []).forEach((call, callIndex) => {
          const input = parseToolArguments(call.arguments);
          if (input === undefined) {
            throw invalidRequest(
              "Tool call arguments must be a JSON object.",
              `${path}.tool_calls[${callIndex}].function.arguments`,
            );
          }
          blocks.push({ type: "tool_use", id: call.id, name: call.name, input });
        });
        if (messageCache !== undefined) applyCacheToLast(blocks, messageCache);
        if (blocks.length > 0) push("assistant", blocks);
        return;
      }
      case "tool": {
        if (message.toolCallId === undefined) {
          throw invalidRequest("A tool message needs tool_call_id.", `${path}.tool_call_id`);
        }
        const content =
          typeof message.content === "string" || message.content === null
            ? (message.content ?? "")
            : contentBlocksOf(message.content, path);
        const block: AnthropicRequestBlock = {
          type: "tool_result",
          tool_use_id: message.toolCallId,
          content,
        };
        if (readProviderOption(message.providerOptions, NAMESPACES, ["is_error", "isError"]) === true) {
          block.is_error = true;
        }
        if (messageCache !== undefined) block.cache_control = messageCache;
        push("user", [block]);
        return;
      }
    }
  });

  let system: string | AnthropicTextBlock[] | undefined;
  if (systemBlocks.length === 1 && systemIsPlain) system = systemBlocks[0]?.text;
  else if (systemBlocks.length > 0) system = systemBlocks;
  return { system, messages };
}

function applyCacheToLast(blocks: AnthropicRequestBlock[], cacheControl: AnthropicCacheControl): void {
  const last = blocks.at(-1);
  if (last !== undefined && last.type !== "thinking" && last.type !== "redacted_thinking") {
    last.cache_control = cacheControl;
  }
}

function textBlocksOf(content: Message["content"], path: string): AnthropicTextBlock[] {
  if (content === null) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((part, partIndex) => {
    if (part.type !== "text") {
      throw invalidRequest("System messages can only contain text.", `${path}.content[${partIndex}]`);
    }
    const block: AnthropicTextBlock = { type: "text", text: part.text };
    const cacheControl = cacheControlOf(part.providerOptions);
    if (cacheControl !== undefined) block.cache_control = cacheControl;
    return block;
  });
}

function contentBlocksOf(content: Message["content"], path: string): AnthropicRequestBlock[] {
  if (content === null) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.flatMap((part, partIndex) => {
    // Audio was rejected up front unless drop_params is set; then it is dropped here.
    if (part.type === "audio") return [];
    const block = partToBlock(part, `${path}.content[${partIndex}]`);
    const cacheControl = cacheControlOf(part.providerOptions);
    if (cacheControl !== undefined) block.cache_control = cacheControl;
    return [block];
  });
}

type CacheableBlock = Exclude<AnthropicRequestBlock, { type: "thinking" } | { type: "redacted_thinking" }>;

function partToBlock(part: Exclude<ContentPart, { type: "audio" }>, path: string): CacheableBlock {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text };
    case "image": {
      if (part.data !== undefined) {
        return {
          type: "image",
          source: {
            type: "base64",
            media_type: part.mediaType ?? "image/png",
            data: bytesToBase64(part.data),
          },
        };
      }
      if (part.url !== undefined) {
        const dataUrl = parseDataUrl(part.url);
        if (dataUrl !== undefined) {
          return {
            type: "image",
            source: { type: "base64", media_type: dataUrl.mediaType, data: dataUrl.base64 },
          };
        }
        return { type: "image", source: { type: "url", url: part.url } };
      }
      throw invalidRequest("An image part needs a url or data.", path);
    }
    case "file": {
      const block: CacheableBlock =
        part.data !== undefined
          ? {
              type: "document",
              source: {
                type: "base64",
                media_type: part.mediaType ?? "application/pdf",
                data: bytesToBase64(part.data),
              },
            }
          : part.fileId !== undefined
            ? { type: "document", source: fileSource(part.fileId) }
            : (() => {
                throw invalidRequest("A file part needs file_id or file_data.", path);
              })();
      if (part.filename !== undefined && block.type === "document") block.title = part.filename;
      return block;
    }
  }
}

function fileSource(
  fileId: string,
):
  | { type: "url"; url: string }
  | { type: "file"; file_id: string }
  | { type: "base64"; media_type: string; data: string } {
  const dataUrl = parseDataUrl(fileId);
  if (dataUrl !== undefined) return { type: "base64", media_type: dataUrl.mediaType, data: dataUrl.base64 };
  if (/^https?:\/\//.test(fileId)) return { type: "url", url: fileId };
  return { type: "file", file_id: fileId };
}
