import { createHash } from "node:crypto";
import { unsupportedParameter } from "../../core/errors/gateway-error.js";
import type { ChatRequest } from "../../core/types/chat.js";
import type { ProviderCallContext } from "../../core/types/provider.js";
import { convertToOpenAIBody, type OpenAIWireOptions } from "../openai/convert-to-openai-request.js";
import { asArray, asObject, asString, type JsonObject } from "../shared/json.js";
import { applySupportedParams, type OptionalParam } from "../shared/supported-params.js";

const PROVIDER = "mistral";

/** What Mistral's chat completions endpoint takes (its API rejects unknown fields with a 422). */
const SUPPORTED: ReadonlySet<OptionalParam> = new Set<OptionalParam>([
  "tools",
  "toolChoice",
  "parallelToolCalls",
  "responseFormat",
  "reasoningEffort",
  "temperature",
  "topP",
  "maxTokens",
  "presencePenalty",
  "frequencyPenalty",
  "stop",
  "seed",
  "n",
]);

const MISTRAL_ID = /^[A-Za-z0-9]{9}$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Mistral validates tool-call ids on the way back: exactly 9 letters or digits. Ids from other providers
 * (`call_…`, `toolu_…`, synthesised ones) are mapped to 9 characters derived from a hash of the id, so the
 * assistant's call and the tool result that answers it map to the same value without any state.
 */
export function toMistralToolCallId(id: string): string {
  if (MISTRAL_ID.test(id)) return id;
  const digest = createHash("sha256").update(id).digest();
  let out = "";
  for (let index = 0; index < 9; index++) out += ALPHABET[(digest[index] as number) % ALPHABET.length];
  return out;
}

/**
 * ChatRequest → Mistral body: the OpenAI body with Mistral's names (`random_seed`, `max_tokens`, `any` for a
 * required tool choice), 9-character tool-call ids, the tool's `name` on tool results, no `stream_options`
 * (Mistral sends usage in the last chunk anyway), and `reasoning_effort` as Magistral's `prompt_mode`.
 */
export function convertToMistralBody(
  original: ChatRequest,
  context: ProviderCallContext,
  wire: OpenAIWireOptions,
): JsonObject {
  const request = applySupportedParams(original, PROVIDER, SUPPORTED);
  let promptMode: string | undefined;
  let forOpenAI = request;
  if (request.reasoningEffort !== undefined) {
    forOpenAI = { ...request };
    delete forOpenAI.reasoningEffort;
    if (request.reasoningEffort !== "none") {
      if (/magistral/i.test(context.deployment.model)) promptMode = "reasoning";
      else if (request.dropParams !== true) throw unsupportedParameter(PROVIDER, "reasoning_effort");
    }
  }
  const body = convertToOpenAIBody(forOpenAI, context, wire);
  delete body["stream_options"];
  if (body["seed"] !== undefined) {
    body["random_seed"] = body["seed"];
    delete body["seed"];
  }
  if (body["max_completion_tokens"] !== undefined) {
    body["max_tokens"] = body["max_completion_tokens"];
    delete body["max_completion_tokens"];
  }
  if (body["tool_choice"] === "required") body["tool_choice"] = "any";
  if (promptMode !== undefined) body["prompt_mode"] = promptMode;

  const names = new Map<string, string>();
  body["tools"] = asArray(body["tools"])?.map((tool) => withoutCacheControl(tool));
  if (body["tools"] === undefined) delete body["tools"];
  body["messages"] = (asArray(body["messages"]) ?? []).map((item) => {
    const message = asObject(item);
    if (message === undefined) return item;
    const out = withoutCacheControl(message) as JsonObject;
    const parts = asArray(out["content"]);
    if (parts !== undefined) out["content"] = parts.map((part) => withoutCacheControl(part));
    const calls = asArray(message["tool_calls"]);
    if (calls !== undefined) {
      out["tool_calls"] = calls.map((callItem) => {
        const call = asObject(callItem) ?? {};
        const id = asString(call["id"]) ?? "";
        const name = asString(asObject(call["function"])?.["name"]);
        if (name !== undefined) names.set(id, name);
        return { ...call, id: toMistralToolCallId(id) };
      });
      if (out["content"] === null) out["content"] = "";
    }
    const toolCallId = asString(message["tool_call_id"]);
    if (toolCallId !== undefined) {
      out["tool_call_id"] = toMistralToolCallId(toolCallId);
      const name = names.get(toolCallId);
      if (out["name"] === undefined && name !== undefined) out["name"] = name;
    }
    return out;
  });
  return body;
}

/**
 * Mistral's API rejects unknown fields (422), so Anthropic-style `cache_control` markers that OpenAI's translator
 * copies onto messages, parts and tools are removed.
 */
function withoutCacheControl(value: unknown): unknown {
  const object = asObject(value);
  if (object === undefined || object["cache_control"] === undefined) return value;
  const { cache_control: _dropped, ...rest } = object;
  return rest;
}
