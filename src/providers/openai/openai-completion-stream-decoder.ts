import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent } from "../../core/types/chat.js";
import type { StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { asArray, asNumber, asObject, asString } from "../shared/json.js";
import { mapOpenAIFinishReason } from "./map-openai-finish-reason.js";
import { parseOpenAIError } from "./openai-error.js";
import { parseOpenAIUsage } from "./parse-openai-response.js";

/**
 * Decodes a legacy completions stream (openai/completions-stream.chunks.jsonl): each chunk's `choices[].text`
 * is a text delta of that choice, `finish_reason` its finish, the last chunk (`choices: []`) the usage, then
 * `[DONE]`. An `{error}` chunk is an in-stream error.
 */
export class OpenAICompletionStreamDecoder implements StreamDecoder {
  private started = false;
  done = false;

  constructor(private readonly provider: string) {}

  decode(message: UpstreamMessage): ChatEvent[] {
    if (message.data === "[DONE]") {
      this.done = true;
      return [];
    }
    let chunk: Record<string, unknown> | undefined;
    try {
      chunk = asObject(JSON.parse(message.data));
    } catch (cause) {
      throw new GatewayError(
        "upstream_protocol",
        `Provider '${this.provider}' sent a stream event that is not JSON.`,
        { provider: this.provider, cause },
      );
    }
    if (chunk === undefined) return [];
    if (chunk["error"] !== undefined) {
      throw parseOpenAIError(this.provider, 500, JSON.stringify({ error: chunk["error"] }), {});
    }
    const events: ChatEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({
        type: "response-start",
        id: asString(chunk["id"]) ?? "",
        model: asString(chunk["model"]) ?? "",
        created: asNumber(chunk["created"]) ?? Math.floor(Date.now() / 1000),
      });
    }
    for (const [position, item] of (asArray(chunk["choices"]) ?? []).entries()) {
      const choice = asObject(item);
      if (choice === undefined) continue;
      const index = asNumber(choice["index"]) ?? position;
      const text = asString(choice["text"]);
      if (text !== undefined && text.length > 0) events.push({ type: "text-delta", choice: index, text });
      const finish = asString(choice["finish_reason"]);
      if (finish !== undefined) {
        events.push({
          type: "finish",
          choice: index,
          reason: mapOpenAIFinishReason(finish),
          providerReason: finish,
        });
      }
    }
    const usage = parseOpenAIUsage(chunk["usage"]);
    if (usage !== undefined) events.push({ type: "usage", usage });
    return events;
  }

  end(): ChatEvent[] {
    return [];
  }
}
