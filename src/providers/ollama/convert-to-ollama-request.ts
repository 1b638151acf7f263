import { invalidRequest, unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest, Message } from "../../core/types/chat.js";
import { inlineBytes } from "../shared/inline-bytes.js";
import { callerBodyOptions, mergeIntoBody } from "../shared/provider-options.js";
import { applySupportedParams, type OptionalParam } from "../shared/supported-params.js";
import { parseToolArguments } from "../shared/upstream-json.js";
import type { OllamaChatRequest, OllamaMessage } from "./ollama-api.js";
import { ollamaOptions } from "./ollama-options.js";

const SUPPORTED: ReadonlySet<OptionalParam> = new Set<OptionalParam>([
  "tools",
  "toolChoice",
  "responseFormat",
  "reasoningEffort",
  "reasoningBudgetTokens",
  "temperature",
  "topP",
  "topK",
  "maxTokens",
  "presencePenalty",
  "frequencyPenalty",
  "stop",
  "seed",
]);

/**
 * ChatRequest → Ollama `/api/chat` body. Sampling goes under `options` (max_tokens is `num_predict`); JSON mode
 * is `format` ("json" or a schema); images are raw base64 on the message; tool results carry the tool's name
 * (Ollama has no call ids), found from the assistant call they answer; tool call arguments are objects.
 */
export function convertToOllamaRequest(
  original: ChatRequest,
  model: string,
  stream: boolean,
  provider = "ollama",
): OllamaChatRequest {
  const request = applySupportedParams(
    original.responseFormat?.type === "text" ? { ...original, responseFormat: undefined } : original,
    provider,
    SUPPORTED,
  );
  if (request.parallelToolCalls === false && request.dropParams !== true) {
    throw unsupportedParameter(provider, "parallel_tool_calls");
  }
  const callNames = new Map<string, string>();
  const body: OllamaChatRequest = {
    model,
    messages: request.messages.map((message, index) => convertMessage(message, index, callNames)),
    stream,
  };
  const choice = request.toolChoice;
  if ((choice?.type === "required" || choice?.type === "function") && request.dropParams !== true) {
    throw unsupportedParameter(provider, "tool_choice");
  }
  if (request.tools !== undefined && request.tools.length > 0 && choice?.type !== "none") {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters ?? { type: "object", properties: {} },
      },
    }));
  }
  if (request.responseFormat?.type === "json_object") body.format = "json";
  else if (request.responseFormat?.type === "json_schema") body.format = request.responseFormat.schema;
  const options: Record<string, unknown> = {};
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.topP !== undefined) options.top_p = request.topP;
  if (request.topK !== undefined) options.top_k = request.topK;
  if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) options.stop = request.stop;
  if (request.seed !== undefined) options.seed = request.seed;
  if (request.presencePenalty !== undefined) options.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) options.frequency_penalty = request.frequencyPenalty;
  if (Object.keys(options).length > 0) body.options = options;
  if (request.reasoningEffort === "none") body.think = false;
  else if (request.reasoningEffort !== undefined || request.reasoningBudgetTokens !== undefined)
    body.think = true;
  // Caller additions, each on the allow-list (ollama-options.ts); `options` merges into the sampling we built.
  mergeIntoBody(
    body as unknown as Record<string, unknown>,
    callerBodyOptions(request.providerOptions, ollamaOptions(provider)),
  );
  return body;
}

function convertMessage(message: Message, index: number, callNames: Map<string, string>): OllamaMessage {
  switch (message.role) {
    case "system":
    case "developer":
      return { role: "system", content: textOf(message, index) };
    case "user": {
      if (typeof message.content === "string" || message.content === null) {
        return { role: "user", content: message.content ?? "" };
      }
      let text = "";
      const images: string[] = [];
      message.content.forEach((part, partIndex) => {
        const param = `messages[${index}].content[${partIndex}]`;
        if (part.type === "text") text += part.text;
        else if (part.type === "image") {
          const bytes = inlineBytes(part);
          if (bytes === undefined) {
            throw invalidRequest(
              "Ollama takes images as bytes only: send the image as a data: URL (base64), not an http(s) URL.",
              `${param}.image_url`,
            );
          }
          images.push(bytes.base64);
        } else throw invalidRequest(`Ollama does not take ${part.type} parts.`, param);
      });
      return images.length > 0 ? { role: "user", content: text, images } : { role: "user", content: text };
    }
    case "assistant": {
      const out: Extract<OllamaMessage, { role: "assistant" }> = {
        role: "assistant",
        content: textOf(message, index),
      };
      const thinking = (message.reasoning ?? []).map((part) => part.text ?? "").join("");
      if (thinking !== "") out.thinking = thinking;
      if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
        out.tool_calls = message.toolCalls.map((call, callIndex) => {
          callNames.set(call.id, call.name);
          return {
            function: {
              name: call.name,
              arguments: parseArguments(
                call.arguments,
                `messages[${index}].tool_calls[${callIndex}].function.arguments`,
              ),
            },
          };
        });
      }
      return out;
    }
    case "tool": {
      const name =
        message.name ?? (message.toolCallId === undefined ? undefined : callNames.get(message.toolCallId));
      const content = textOf(message, index);
      return name === undefined ? { role: "tool", content } : { role: "tool", content, tool_name: name };
    }
  }
}

function textOf(message: Message, index: number): string {
  if (message.content === null) return "";
  if (typeof message.content === "string") return message.content;
  return message.content
    .map((part, partIndex) => {
      if (part.type !== "text") {
        throw invalidRequest(
          `A ${message.role} message can only hold text for provider 'ollama'.`,
          `messages[${index}].content[${partIndex}]`,
        );
      }
      return part.text;
    })
    .join("");
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  const value = parseToolArguments(text);
  if (value === undefined) throw invalidRequest("Tool call arguments must be a JSON object.", param);
  return value;
}
