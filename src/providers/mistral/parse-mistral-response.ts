import type { ChatResponse } from "../../core/types/chat.js";
import { parseOpenAIResponse } from "../openai/parse-openai-response.js";
import { mapMistralFinishReason } from "./map-mistral-finish-reason.js";
import { normaliseMistralBody } from "./mistral-api.js";

/** A Mistral response through OpenAI's parser, after normalising Magistral content arrays and finish reasons. */
export function parseMistralResponse(body: unknown): ChatResponse {
  const response = parseOpenAIResponse("mistral", normaliseMistralBody(body));
  for (const choice of response.choices) {
    if (choice.providerFinishReason !== undefined)
      choice.finishReason = mapMistralFinishReason(choice.providerFinishReason);
  }
  return response;
}
