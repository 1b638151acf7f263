import type { ChatEvent } from "../../core/types/chat.js";
import type { StreamDecoder, UpstreamMessage } from "../../core/types/provider.js";
import { OpenAIStreamDecoder } from "../openai/openai-stream-decoder.js";
import { tryParseJson } from "../shared/upstream-json.js";
import { isPromptFilterOnlyChunk } from "./azure-api.js";

/**
 * Azure chunks through OpenAI's decoder, minus the prompt-filter-only chunks (first chunk with `choices: []`
 * and `prompt_filter_results`), which would otherwise open the response with an empty id and model. Only
 * chunks that mention `prompt_filter_results` are parsed here.
 */
export class AzureStreamDecoder implements StreamDecoder {
  private readonly inner = new OpenAIStreamDecoder("azure");

  get done(): boolean {
    return this.inner.done;
  }

  decode(message: UpstreamMessage): ChatEvent[] {
    // Not JSON (undefined): the OpenAI decoder reports it.
    if (
      message.data.includes('"prompt_filter_results"') &&
      isPromptFilterOnlyChunk(tryParseJson(message.data))
    )
      return [];
    return this.inner.decode(message);
  }

  end(): ChatEvent[] {
    return this.inner.end();
  }
}
