import { invalidRequest, unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest, ContentPart, Message, ReasoningEffort } from "../../core/types/chat.js";
import { callerBodyOptions, mergeIntoBody } from "../shared/provider-options.js";
import { applySupportedParams, type OptionalParam } from "../shared/supported-params.js";
import type { CohereChatRequest, CohereContentPart, CohereMessage } from "./cohere-api.js";
import { COHERE_OPTIONS } from "./cohere-options.js";

const PROVIDER = "cohere";

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

const EFFORT_BUDGET: Record<Exclude<ReasoningEffort, "none">, number> = {
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
};

/**
 * ChatRequest → Cohere v2 chat body. Cohere has no named tool choice: a forced function keeps only that tool
 * and sets `REQUIRED`. An assistant turn's text next to tool calls is its `tool_plan` (what Cohere streamed as
 * `tool-plan-delta`), so a round trip gives Cohere back what it produced.
 */
export function convertToCohereRequest(
  original: ChatRequest,
  model: string,
  stream: boolean,
): CohereChatRequest {
  const request = applySupportedParams(
    original.responseFormat?.type === "text" ? { ...original, responseFormat: undefined } : original,
    PROVIDER,
    SUPPORTED,
  );
  if (request.parallelToolCalls === false && request.dropParams !== true) {
    throw unsupportedParameter(PROVIDER, "parallel_tool_calls");
  }
  const body: CohereChatRequest = {
    model,
    messages: request.messages.map((message, index) => convertMessage(message, index)),
    stream,
  };
  let tools = request.tools ?? [];
  const choice = request.toolChoice;
  if (choice?.type === "function") {
    tools = tools.filter((tool) => tool.name === choice.name);
    if (tools.length === 0)
      throw invalidRequest(`tool_choice names '${choice.name}', which is not in tools.`, "tool_choice");
    body.tool_choice = "REQUIRED";
  } else if (choice?.type === "required") body.tool_choice = "REQUIRED";
  else if (choice?.type === "none") body.tool_choice = "NONE";
  if (tools.length > 0) {
    body.tools = tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters ?? { type: "object", properties: {} },
      },
    }));
    if (tools.some((tool) => tool.strict === true)) body.strict_tools = true;
  } else if (body.tool_choice !== undefined && choice?.type !== "none") {
    throw invalidRequest("tool_choice needs tools.", "tool_choice");
  }
  if (request.responseFormat?.type === "json_object") body.response_format = { type: "json_object" };
  else if (request.responseFormat?.type === "json_schema") {
    body.response_format = { type: "json_object", json_schema: request.responseFormat.schema };
  }
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.p = request.topP;
  if (request.topK !== undefined) body.k = request.topK;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.reasoningBudgetTokens !== undefined) {
    body.thinking = { type: "enabled", token_budget: request.reasoningBudgetTokens };
  } else if (request.reasoningEffort === "none") body.thinking = { type: "disabled" };
  else if (request.reasoningEffort !== undefined) {
    body.thinking = { type: "enabled", token_budget: EFFORT_BUDGET[request.reasoningEffort] };
  }
  mergeIntoBody(
    body as unknown as Record<string, unknown>,
    callerBodyOptions(request.providerOptions, COHERE_OPTIONS),
  );
  return body;
}

function convertMessage(message: Message, index: number): CohereMessage {
  switch (message.role) {
    case "system":
    case "developer":
      return { role: "system", content: textOnly(message, index) };
    case "user":
      return {
        role: "user",
        content:
          typeof message.content === "string"
            ? message.content
            : (message.content ?? []).map((part, partIndex) =>
                userPart(part, `messages[${index}].content[${partIndex}]`),
              ),
      };
    case "assistant": {
      const out: Extract<CohereMessage, { role: "assistant" }> = { role: "assistant" };
      const text = textOnly(message, index);
      const content: CohereContentPart[] = [];
      for (const reasoning of message.reasoning ?? []) {
        if (reasoning.text !== undefined && reasoning.text !== "")
          content.push({ type: "thinking", thinking: reasoning.text });
      }
      if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
        if (text !== "") out.tool_plan = text;
        out.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.arguments === "" ? "{}" : call.arguments },
        }));
      } else if (text !== "") content.push({ type: "text", text });
      if (content.length > 0) out.content = content;
      return out;
    }
    case "tool": {
      if (message.toolCallId === undefined || message.toolCallId === "") {
        throw invalidRequest("A tool message needs tool_call_id.", `messages[${index}].tool_call_id`);
      }
      return { role: "tool", tool_call_id: message.toolCallId, content: textOnly(message, index) };
    }
  }
}

function textOnly(message: Message, index: number): string {
  if (message.content === null) return "";
  if (typeof message.content === "string") return message.content;
  return message.content
    .map((part, partIndex) => {
      if (part.type !== "text") {
        throw invalidRequest(
          `A ${message.role} message can only hold text for provider 'cohere'.`,
          `messages[${index}].content[${partIndex}]`,
        );
      }
      return part.text;
    })
    .join("");
}

function userPart(part: ContentPart, param: string): CohereContentPart {
  switch (part.type) {
    case "text":
      return { type: "text", text: part.text };
    case "image": {
      const url =
        part.url ??
        (part.data === undefined
          ? undefined
          : `data:${part.mediaType ?? "image/png"};base64,${Buffer.from(part.data).toString("base64")}`);
      if (url === undefined) throw invalidRequest("An image part needs a URL or data.", param);
      return {
        type: "image_url",
        image_url: part.detail === undefined ? { url } : { url, detail: part.detail },
      };
    }
    case "file":
    case "audio":
      throw unsupportedParameter(PROVIDER, `${param}.${part.type}`);
  }
}
