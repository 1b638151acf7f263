import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatResponse, Choice } from "../../core/types/chat.js";
import { asArray, asNumber, asObject, asString } from "../shared/json.js";
import { mapOpenAIFinishReason } from "./map-openai-finish-reason.js";
import { parseOpenAIUsage } from "./parse-openai-response.js";

/**
 * A legacy `text_completion` answer (`{id, object, created, model, choices:[{text, index, logprobs,
 * finish_reason}], usage}`, openai/completions-basic.json) as the canonical response: each choice's `text` is the
 * message content. Tolerant: a missing field is absent, never a failure; no `choices` list is a protocol error.
 */
export function parseOpenAICompletionResponse(provider: string, body: unknown): ChatResponse {
  const root = asObject(body);
  const choices = asArray(root?.["choices"]);
  if (root === undefined || choices === undefined) {
    throw new GatewayError(
      "upstream_protocol",
      `Provider '${provider}' returned a completion without choices.`,
      {
        provider,
      },
    );
  }
  const parsed: Choice[] = choices.map((item, position) => {
    const choice = asObject(item) ?? {};
    const rawFinish = asString(choice["finish_reason"]);
    return {
      index: asNumber(choice["index"]) ?? position,
      message: { content: asString(choice["text"]) ?? "" },
      finishReason: rawFinish === undefined ? null : mapOpenAIFinishReason(rawFinish),
      ...(rawFinish !== undefined ? { providerFinishReason: rawFinish } : {}),
    };
  });
  const usage = parseOpenAIUsage(root["usage"]);
  return {
    id: asString(root["id"]) ?? "",
    model: asString(root["model"]) ?? "",
    created: asNumber(root["created"]) ?? Math.floor(Date.now() / 1000),
    choices: parsed,
    ...(usage !== undefined ? { usage } : {}),
    ...(root["system_fingerprint"] !== undefined
      ? { systemFingerprint: asString(root["system_fingerprint"]) ?? null }
      : {}),
  };
}
