import { invalidRequest } from "../../core/errors/gateway-error.js";
import type { ChatRequest, ContentPart, Message, ReasoningEffort } from "../../core/types/chat.js";
import { bytesToBase64, guessMediaType, parseDataUrl } from "../shared/data-url.js";
import { callerBodyOptions, mergeIntoBody, readProviderOption } from "../shared/provider-options.js";
import { rejectUnsupportedParams } from "../shared/unsupported-params.js";
import { parseToolArguments } from "../shared/upstream-json.js";
import type { GeminiContent, GeminiRequestPart } from "./gemini-api.js";
import { toGeminiSchema } from "./gemini-json-schema.js";
import { GEMINI_OPTION_NAMESPACES, geminiOptions } from "./gemini-options.js";

export { GEMINI_OPTION_NAMESPACES };

/** `reasoning_effort` → thinking budget for Gemini 2.5 models (Gemini 3 takes a level instead). */
const EFFORT_BUDGET: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * The generateContent body for one chat request, for Google AI Studio and Vertex AI alike. Pure; throws
 * GatewayError for what cannot be translated. `provider` names the caller-facing provider in errors.
 */
export function convertToGeminiBody(
  request: ChatRequest,
  model: string,
  provider: string,
): Record<string, unknown> {
  rejectUnsupportedParams(request, provider, [
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "parallel_tool_calls",
  ]);
  const body: Record<string, unknown> = {};
  const { systemInstruction, contents } = convertMessages(request.messages);
  body["contents"] = contents;
  if (systemInstruction !== undefined) body["systemInstruction"] = systemInstruction;

  const generationConfig: Record<string, unknown> = {};
  if (request.temperature !== undefined) generationConfig["temperature"] = request.temperature;
  if (request.topP !== undefined) generationConfig["topP"] = request.topP;
  if (request.topK !== undefined) generationConfig["topK"] = request.topK;
  if (request.maxTokens !== undefined) generationConfig["maxOutputTokens"] = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) generationConfig["stopSequences"] = request.stop;
  if (request.seed !== undefined) generationConfig["seed"] = request.seed;
  if (request.presencePenalty !== undefined) generationConfig["presencePenalty"] = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) generationConfig["frequencyPenalty"] = request.frequencyPenalty;
  if (request.n !== undefined && request.n > 1) generationConfig["candidateCount"] = request.n;

  const format = request.responseFormat;
  if (format?.type === "json_object") {
    generationConfig["responseMimeType"] = "application/json";
  } else if (format?.type === "json_schema") {
    generationConfig["responseMimeType"] = "application/json";
    generationConfig["responseSchema"] = toGeminiSchema(format.schema);
  }

  const thinkingConfig = thinkingConfigOf(request, model);
  if (thinkingConfig !== undefined) generationConfig["thinkingConfig"] = thinkingConfig;
  body["generationConfig"] = generationConfig;

  if (request.tools !== undefined && request.tools.length > 0) {
    body["tools"] = [
      {
        functionDeclarations: request.tools.map((tool) => {
          const declaration: Record<string, unknown> = { name: tool.name };
          if (tool.description !== undefined) declaration["description"] = tool.description;
          if (tool.parameters !== undefined) declaration["parameters"] = toGeminiSchema(tool.parameters);
          return declaration;
        }),
      },
    ];
  }
  switch (request.toolChoice?.type) {
    case undefined:
      break;
    case "auto":
      body["toolConfig"] = { functionCallingConfig: { mode: "AUTO" } };
      break;
    case "none":
      body["toolConfig"] = { functionCallingConfig: { mode: "NONE" } };
      break;
    case "required":
      body["toolConfig"] = { functionCallingConfig: { mode: "ANY" } };
      break;
    case "function":
      body["toolConfig"] = {
        functionCallingConfig: { mode: "ANY", allowedFunctionNames: [request.toolChoice.name] },
      };
      break;
  }
  mergeIntoBody(body, callerBodyOptions(request.providerOptions, geminiOptions(provider)));
  return body;
}

function thinkingConfigOf(request: ChatRequest, model: string): Record<string, unknown> | undefined {
  if (request.reasoningBudgetTokens !== undefined) {
    return {
      thinkingBudget: request.reasoningBudgetTokens,
      includeThoughts: request.reasoningBudgetTokens > 0,
    };
  }
  const effort = request.reasoningEffort;
  if (effort === undefined) return undefined;
  if (/gemini-3/.test(model)) {
    // Gemini 3 takes a thinking level and cannot switch thinking off; "none" asks for the least.
    return { thinkingLevel: effort === "none" ? "minimal" : effort, includeThoughts: effort !== "none" };
  }
  return { thinkingBudget: EFFORT_BUDGET[effort], includeThoughts: effort !== "none" };
}

interface ConvertedMessages {
  systemInstruction: { parts: { text: string }[] } | undefined;
  contents: GeminiContent[];
}

/**
 * Roles become `user` / `model`; system and developer turns go to `systemInstruction`; tool results become
 * `functionResponse` parts of a user turn, named through the assistant turn that made the call (Gemini needs
 * the function name, OpenAI callers send only the id). Consecutive turns of one role are merged.
 */
function convertMessages(messages: readonly Message[]): ConvertedMessages {
  const systemParts: { text: string }[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  for (const message of messages) {
    for (const call of message.toolCalls ?? []) callNames.set(call.id, call.name);
  }

  const push = (role: "user" | "model", parts: GeminiRequestPart[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last !== undefined && last.role === role) {
      if (role === "user") {
        // Function responses first, as they answer the previous model turn.
        const all = [...last.parts, ...parts];
        last.parts = [
          ...all.filter((part) => "functionResponse" in part),
          ...all.filter((part) => !("functionResponse" in part)),
        ];
      } else {
        last.parts.push(...parts);
      }
      return;
    }
    contents.push({ role, parts });
  };

  messages.forEach((message, messageIndex) => {
    const path = `messages[${messageIndex}]`;
    switch (message.role) {
      case "system":
      case "developer": {
        for (const part of partsOf(message.content, path)) {
          if (!("text" in part))
            throw invalidRequest("System messages can only contain text.", `${path}.content`);
          systemParts.push({ text: part.text });
        }
        return;
      }
      case "user":
        push("user", partsOf(message.content, path));
        return;
      case "assistant": {
        const parts: GeminiRequestPart[] = partsOf(message.content, path).filter(
          (part) => !("text" in part) || part.text !== "",
        );
        const signature = message.reasoning?.find((part) => part.signature !== undefined)?.signature;
        if (signature !== undefined) {
          const firstText = parts.find(
            (part): part is { text: string; thoughtSignature?: string } => "text" in part,
          );
          if (firstText !== undefined) firstText.thoughtSignature = signature;
          else if ((message.toolCalls ?? []).length === 0)
            parts.push({ text: "", thoughtSignature: signature });
        }
        (message.toolCalls ?? []).forEach((call, callIndex) => {
          const args = parseToolArguments(call.arguments);
          if (args === undefined) {
            throw invalidRequest(
              "Tool call arguments must be a JSON object.",
              `${path}.tool_calls[${callIndex}].function.arguments`,
            );
          }
          const part: GeminiRequestPart = { functionCall: { id: call.id, name: call.name, args } };
          const thoughtSignature = readProviderOption(call.providerOptions, GEMINI_OPTION_NAMESPACES, [
            "thoughtSignature",
            "thought_signature",
          ]);
          if (typeof thoughtSignature === "string") part.thoughtSignature = thoughtSignature;
          parts.push(part);
        });
        push("model", parts);
        return;
      }
      case "tool": {
        const id = message.toolCallId;
        const name = id === undefined ? undefined : callNames.get(id);
        if (id === undefined || name === undefined) {
          throw invalidRequest(
            "A tool message must answer a tool call of an earlier assistant message (tool_call_id not found).",
            `${path}.tool_call_id`,
          );
        }
        push("user", [{ functionResponse: { id, name, response: toolResponseOf(message.content) } }]);
        return;
      }
    }
  });

  return {
    systemInstruction: systemParts.length > 0 ? { parts: systemParts } : undefined,
    contents,
  };
}

/** Gemini wants an object: a JSON-object result is sent as is, anything else as `{ content: <text> }`. */
function toolResponseOf(content: Message["content"]): Record<string, unknown> {
  const text =
    typeof content === "string"
      ? content
      : (content ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");
  const parsed = text.trim().startsWith("{") ? parseToolArguments(text) : undefined;
  return parsed ?? { content: text };
}

function partsOf(content: Message["content"], path: string): GeminiRequestPart[] {
  if (content === null) return [];
  if (typeof content === "string") return [{ text: content }];
  return content.map((part, partIndex) => partOf(part, `${path}.content[${partIndex}]`));
}

function partOf(part: ContentPart, path: string): GeminiRequestPart {
  switch (part.type) {
    case "text":
      return { text: part.text };
    case "image":
      if (part.data !== undefined) {
        return { inlineData: { mimeType: part.mediaType ?? "image/png", data: bytesToBase64(part.data) } };
      }
      if (part.url !== undefined) return fromUrl(part.url, part.mediaType, path);
      throw invalidRequest("An image part needs a url or data.", path);
    case "file":
      if (part.data !== undefined) {
        return {
          inlineData: { mimeType: part.mediaType ?? "application/pdf", data: bytesToBase64(part.data) },
        };
      }
      if (part.fileId !== undefined) return fromUrl(part.fileId, part.mediaType, path);
      throw invalidRequest("A file part needs file_id or file_data.", path);
    case "audio":
      return { inlineData: { mimeType: audioMediaType(part.format), data: bytesToBase64(part.data) } };
  }
}

function fromUrl(url: string, mediaType: string | undefined, path: string): GeminiRequestPart {
  const dataUrl = parseDataUrl(url);
  if (dataUrl !== undefined) return { inlineData: { mimeType: dataUrl.mediaType, data: dataUrl.base64 } };
  const mimeType = mediaType ?? guessMediaType(url);
  if (mimeType === undefined) {
    throw invalidRequest(
      "Gemini needs the media type of a file URL; the URL's extension does not say it.",
      path,
    );
  }
  return { fileData: { mimeType, fileUri: url } };
}

function audioMediaType(format: string): string {
  switch (format) {
    case "mp3":
      return "audio/mp3";
    case "wav":
      return "audio/wav";
    default:
      return `audio/${format}`;
  }
}
