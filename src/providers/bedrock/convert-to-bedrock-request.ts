import { invalidRequest, unsupportedParameter } from "../../core/errors/gateway-error.js";
import type {
  ChatRequest,
  ContentPart,
  FilePart,
  ImagePart,
  Message,
  ProviderOptions,
  ReasoningEffort,
} from "../../core/types/chat.js";
import { inlineBytes } from "../shared/inline-bytes.js";
import { callerBodyOptions, mergeIntoBody } from "../shared/provider-options.js";
import { applySupportedParams, type OptionalParam } from "../shared/supported-params.js";
import { parseToolArguments } from "../shared/upstream-json.js";
import {
  type BedrockContentBlock,
  type BedrockConverseRequest,
  type BedrockMessage,
  type BedrockSystemBlock,
  type BedrockTool,
  JSON_RESPONSE_TOOL,
} from "./bedrock-api.js";
import { BEDROCK_OPTIONS } from "./bedrock-options.js";

const PROVIDER = "bedrock";

const SUPPORTED: ReadonlySet<OptionalParam> = new Set<OptionalParam>([
  "tools",
  "toolChoice",
  "reasoningEffort",
  "reasoningBudgetTokens",
  "temperature",
  "topP",
  "topK",
  "maxTokens",
  "stop",
  "metadata",
  "responseFormat",
]);

/** LiteLLM's reasoning_effort → Anthropic thinking budget on Bedrock. */
const EFFORT_BUDGET: Record<Exclude<ReasoningEffort, "none">, number> = {
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
};

/** Model ids with Anthropic's request fields (`thinking`, `top_k`), incl. inference profiles and ARNs. */
export function isAnthropicModel(modelId: string): boolean {
  return /anthropic|claude/i.test(modelId);
}

/**
 * OpenAI-shaped ChatRequest → Converse body. Bedrock rules handled here: system text is top-level; roles must
 * alternate, so consecutive turns of one role (tool results, then the next user text) merge into one message and
 * parallel tool results land in one user message; empty text is dropped (Bedrock rejects empty content); images
 * and documents must be inline bytes; a conversation holding toolUse/toolResult blocks still needs a toolConfig;
 * `cache_control` on a part, message or tool becomes a `cachePoint` after it.
 */
export function convertToBedrockRequest(original: ChatRequest, modelId: string): BedrockConverseRequest {
  const request = emulateJsonMode(applySupportedParams(normalise(original), PROVIDER, SUPPORTED));
  const anthropic = isAnthropicModel(modelId);
  const system: BedrockSystemBlock[] = [];
  const turns: BedrockMessage[] = [];
  const usedToolNames = new Set<string>();

  request.messages.forEach((message, index) => {
    switch (message.role) {
      case "system":
      case "developer": {
        for (const text of messageTexts(message, index)) if (text !== "") system.push({ text });
        if (hasCacheControl(message.providerOptions)) system.push({ cachePoint: { type: "default" } });
        return;
      }
      case "user":
        appendTurn(turns, "user", userBlocks(message, index));
        return;
      case "assistant":
        appendTurn(turns, "assistant", assistantBlocks(message, index, usedToolNames));
        return;
      case "tool":
        appendTurn(turns, "user", [toolResultBlock(message, index)]);
        return;
    }
  });

  const body: BedrockConverseRequest = { messages: turns };
  if (system.length > 0) body.system = system;

  const inferenceConfig: NonNullable<BedrockConverseRequest["inferenceConfig"]> = {};
  if (request.maxTokens !== undefined) inferenceConfig.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) inferenceConfig.temperature = request.temperature;
  if (request.topP !== undefined) inferenceConfig.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) inferenceConfig.stopSequences = request.stop;
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;

  const toolConfig = buildToolConfig(request, turns, usedToolNames);
  if (toolConfig !== undefined) body.toolConfig = toolConfig;

  const additional: Record<string, unknown> = {};
  if (request.topK !== undefined) {
    if (anthropic) additional.top_k = request.topK;
    else if (request.dropParams !== true) throw unsupportedParameter(PROVIDER, "top_k");
  }
  const budget = thinkingBudget(request);
  if (budget !== undefined) {
    if (anthropic) additional.thinking = { type: "enabled", budget_tokens: budget };
    else if (request.dropParams !== true) {
      throw unsupportedParameter(
        PROVIDER,
        request.reasoningBudgetTokens !== undefined ? "reasoning_budget_tokens" : "reasoning_effort",
      );
    }
  }
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;
  if (request.metadata !== undefined) body.requestMetadata = { ...request.metadata };

  // Caller additions, each on the allow-list (bedrock-options.ts); objects merge one level into what we built.
  mergeIntoBody(body, callerBodyOptions(request.providerOptions, BEDROCK_OPTIONS));
  return body;
}

/** Values that mean "not set" for Bedrock: a text response format, parallel tool calls allowed (the default). */
function normalise(request: ChatRequest): ChatRequest {
  if (request.responseFormat?.type !== "text" && request.parallelToolCalls !== true) return request;
  const copy = { ...request };
  if (copy.responseFormat?.type === "text") delete copy.responseFormat;
  if (copy.parallelToolCalls === true) delete copy.parallelToolCalls;
  if (copy.parallelToolCalls === false && copy.dropParams !== true) {
    throw unsupportedParameter(PROVIDER, "parallel_tool_calls");
  }
  return copy;
}

/**
 * `response_format` json_schema / json_object → one tool carrying the schema, forced unless thinking is on
 * (Bedrock rejects thinking with a forced tool choice: corpus errors/bedrock-400-model-returned-errors.json).
 * Combined with the caller's own tools it is refused, since forcing the JSON tool would hide theirs.
 */
function emulateJsonMode(request: ChatRequest): ChatRequest {
  const format = request.responseFormat;
  if (format === undefined || format.type === "text") return request;
  const copy = { ...request };
  delete copy.responseFormat;
  if (request.tools !== undefined && request.tools.length > 0) {
    if (request.dropParams === true) return copy;
    throw unsupportedParameter(PROVIDER, "response_format");
  }
  const schema = format.type === "json_schema" ? format.schema : { type: "object" };
  copy.tools = [
    {
      name: JSON_RESPONSE_TOOL,
      description:
        format.type === "json_schema" && format.description !== undefined
          ? format.description
          : "Respond with a JSON object that matches this schema.",
      parameters: schema,
    },
  ];
  copy.toolChoice =
    thinkingBudget(request) === undefined ? { type: "function", name: JSON_RESPONSE_TOOL } : { type: "auto" };
  return copy;
}

function thinkingBudget(request: ChatRequest): number | undefined {
  if (request.reasoningBudgetTokens !== undefined) return request.reasoningBudgetTokens;
  if (request.reasoningEffort === undefined || request.reasoningEffort === "none") return undefined;
  return EFFORT_BUDGET[request.reasoningEffort];
}

function appendTurn(
  turns: BedrockMessage[],
  role: "user" | "assistant",
  blocks: BedrockContentBlock[],
): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last !== undefined && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

function messageTexts(message: Message, index: number): string[] {
  if (message.content === null) return [];
  if (typeof message.content === "string") return [message.content];
  return message.content.map((part, partIndex) => {
    if (part.type !== "text") {
      throw invalidRequest(
        `A ${message.role} message can only hold text for provider 'bedrock'.`,
        `messages[${index}].content[${partIndex}]`,
      );
    }
    return part.text;
  });
}

function userBlocks(message: Message, index: number): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  if (typeof message.content === "string") {
    if (message.content !== "") blocks.push({ text: message.content });
  } else if (message.content !== null) {
    message.content.forEach((part, partIndex) => {
      const block = partBlock(part, `messages[${index}].content[${partIndex}]`);
      if (block !== undefined) blocks.push(block);
      if (hasCacheControl(part.providerOptions)) blocks.push({ cachePoint: { type: "default" } });
    });
  }
  if (hasCacheControl(message.providerOptions) && blocks.length > 0)
    blocks.push({ cachePoint: { type: "default" } });
  return blocks;
}

function partBlock(part: ContentPart, param: string): BedrockContentBlock | undefined {
  switch (part.type) {
    case "text":
      return part.text === "" ? undefined : { text: part.text };
    case "image":
      return imageBlock(part, param);
    case "file":
      return documentBlock(part, param);
    case "audio":
      throw unsupportedParameter(PROVIDER, `${param}.input_audio`);
  }
}

const IMAGE_FORMATS: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

function imageBlock(part: ImagePart, param: string): BedrockContentBlock {
  const bytes = inlineBytes(part);
  if (bytes === undefined) {
    throw invalidRequest(
      "Bedrock takes images as bytes only: send the image as a data: URL (base64), not an http(s) URL.",
      `${param}.image_url`,
    );
  }
  const format = IMAGE_FORMATS[(bytes.mediaType ?? "").toLowerCase()];
  if (format === undefined) {
    throw invalidRequest("Bedrock takes png, jpeg, gif or webp images.", `${param}.image_url`);
  }
  return { image: { format, source: { bytes: bytes.base64 } } };
}

const DOCUMENT_FORMATS: Record<string, string> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};

function documentBlock(part: FilePart, param: string): BedrockContentBlock {
  if (part.data === undefined) {
    throw invalidRequest(
      "Bedrock takes documents as inline bytes (file_data), not file ids.",
      `${param}.file`,
    );
  }
  const bytes = inlineBytes(part);
  const format =
    DOCUMENT_FORMATS[(part.mediaType ?? "").toLowerCase()] ??
    (part.filename?.includes(".")
      ? part.filename.slice(part.filename.lastIndexOf(".") + 1).toLowerCase()
      : undefined);
  if (bytes === undefined || format === undefined || !Object.values(DOCUMENT_FORMATS).includes(format)) {
    throw invalidRequest(
      "Bedrock takes pdf, csv, doc, docx, xls, xlsx, html, txt or md documents.",
      `${param}.file`,
    );
  }
  // Bedrock document names allow letters, digits, whitespace, hyphens, parentheses and brackets only.
  const stem = (part.filename ?? "document").replace(/\.[^.]*$/, "");
  const name =
    stem
      .replace(/[^A-Za-z0-9\s\-()[\]]/g, "-")
      .replace(/\s+/g, " ")
      .trim() || "document";
  return { document: { format, name, source: { bytes: bytes.base64 } } };
}

function assistantBlocks(message: Message, index: number, usedToolNames: Set<string>): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  for (const reasoning of message.reasoning ?? []) {
    if (reasoning.redactedData !== undefined) {
      blocks.push({ reasoningContent: { redactedContent: reasoning.redactedData } });
    } else if (reasoning.text !== undefined) {
      blocks.push({
        reasoningContent: {
          reasoningText:
            reasoning.signature === undefined
              ? { text: reasoning.text }
              : { text: reasoning.text, signature: reasoning.signature },
        },
      });
    }
  }
  for (const text of messageTexts(message, index)) if (text !== "") blocks.push({ text });
  (message.toolCalls ?? []).forEach((call, callIndex) => {
    usedToolNames.add(call.name);
    blocks.push({
      toolUse: {
        toolUseId: call.id,
        name: call.name,
        input: parseArguments(
          call.arguments,
          `messages[${index}].tool_calls[${callIndex}].function.arguments`,
        ),
      },
    });
  });
  if (hasCacheControl(message.providerOptions) && blocks.length > 0)
    blocks.push({ cachePoint: { type: "default" } });
  return blocks;
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  const value = parseToolArguments(text);
  if (value === undefined) throw invalidRequest("Tool call arguments must be a JSON object.", param);
  return value;
}

function toolResultBlock(message: Message, index: number): BedrockContentBlock {
  if (message.toolCallId === undefined || message.toolCallId === "") {
    throw invalidRequest("A tool message needs tool_call_id.", `messages[${index}].tool_call_id`);
  }
  const content: ({ text: string } | { image: { format: string; source: { bytes: string } } })[] = [];
  if (typeof message.content === "string") content.push({ text: message.content });
  else if (message.content !== null) {
    message.content.forEach((part, partIndex) => {
      const param = `messages[${index}].content[${partIndex}]`;
      if (part.type === "text") content.push({ text: part.text });
      else if (part.type === "image") {
        const block = imageBlock(part, param);
        if ("image" in block) content.push(block);
      } else throw invalidRequest("Tool results for Bedrock hold text or images.", param);
    });
  }
  if (content.length === 0) content.push({ text: "" });
  return { toolResult: { toolUseId: message.toolCallId, content } };
}

function buildToolConfig(
  request: ChatRequest,
  turns: BedrockMessage[],
  usedToolNames: Set<string>,
): BedrockConverseRequest["toolConfig"] {
  const historyHasTools = turns.some((turn) =>
    turn.content.some((block) => "toolUse" in block || "toolResult" in block),
  );
  const declared = request.tools ?? [];
  const choice = request.toolChoice;
  if (declared.length === 0 || choice?.type === "none") {
    if (!historyHasTools) return undefined;
    // Bedrock rejects toolUse/toolResult blocks without a toolConfig: declare the tools the history used.
    const names = declared.length > 0 ? declared.map((tool) => tool.name) : [...usedToolNames];
    if (names.length === 0) return undefined;
    return {
      tools: names.map((name) => ({
        toolSpec: { name, inputSchema: { json: { type: "object", properties: {} } } },
      })),
    };
  }
  const tools: BedrockTool[] = [];
  for (const tool of declared) {
    tools.push({
      toolSpec: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        inputSchema: { json: tool.parameters ?? { type: "object", properties: {} } },
      },
    });
    if (hasCacheControl(tool.providerOptions)) tools.push({ cachePoint: { type: "default" } });
  }
  if (choice === undefined) return { tools };
  switch (choice.type) {
    case "auto":
      return { tools, toolChoice: { auto: {} } };
    case "required":
      return { tools, toolChoice: { any: {} } };
    case "function":
      return { tools, toolChoice: { tool: { name: choice.name } } };
  }
}

/** `cache_control` (LiteLLM/Anthropic spelling) or `cachePoint` on a part, message or tool, flat or under `bedrock`. */
function hasCacheControl(options: ProviderOptions | undefined): boolean {
  if (options === undefined) return false;
  const scoped = options.bedrock;
  if (typeof scoped === "object" && scoped !== null) {
    const record = scoped as Record<string, unknown>;
    if (record.cache_control !== undefined || record.cachePoint !== undefined) return true;
  }
  return (
    options.cache_control !== undefined ||
    options.cacheControl !== undefined ||
    options.cachePoint !== undefined
  );
}
