import type { ChatEvent } from "../../core/types/chat.js";
import type { StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { OpenAIStreamDecoder } from "../openai/openai-stream-decoder.js";
import { tryParseJson } from "../shared/upstream-json.js";
import { mapMistralFinishReason } from "./map-mistral-finish-reason.js";
import { normaliseMistralBody } from "./mistral-api.js";

/**
 * Mistral chunks through OpenAI's decoder, after turning Magistral's content chunk arrays into `content` and
 * `reasoning_content`. Tool calls without `index` (Mistral sends each call whole) are handled by the OpenAI
 * decoder, which keys them by id. Only chunks that carry an array (or a Mistral-only finish reason) are
 * re-serialised; plain text chunks pass untouched. Finish
 * reasons are re-mapped with Mistral's table (`model_length`, `error`).
 */
export class MistralStreamDecoder implements StreamDecoder {
  private readonly inner = new OpenAIStreamDecoder("mistral");

  get done(): boolean {
    return this.inner.done;
  }

  decode(message: UpstreamMessage): ChatEvent[] {
    const data = message.data;
    let events: ChatEvent[];
    if (data.includes('"content":[')) {
      const parsed = tryParseJson(data);
      // Not JSON: let the OpenAI decoder report it.
      if (parsed === undefined) return this.inner.decode(message);
      events = this.inner.decode({ ...message, data: JSON.stringify(normaliseMistralBody(parsed)) });
    } else events = this.inner.decode(message);
    for (const [position, event] of events.entries()) {
      if (event.type === "finish" && event.providerReason !== undefined) {
        events[position] = { ...event, reason: mapMistralFinishReason(event.providerReason) };
      }
    }
    return events;
  }

  end(): ChatEvent[] {
    return this.inner.end();
  }
}
