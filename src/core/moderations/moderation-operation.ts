import { invalidRequest } from "../errors/gateway-error.js";
import { estimatePrompt } from "../estimate/token-estimate.js";
import type { UnaryOperation } from "../operations/operation-gateway.js";
import type { ChatRequest, ContentPart } from "../types/chat.js";
import type { ModerationRequest, ModerationResult } from "./moderation-types.js";

/** At most this many texts (or parts) in one request; the body size cap bounds the text. */
export const MAX_MODERATION_INPUTS = 1000;
const MAX_URL_LENGTH = 8 * 1024 * 1024;

/** The checks no edge may skip; each failure a 400 naming the field. */
export function validateModerationRequest(request: ModerationRequest): void {
  const input = request.input;
  const count = input.kind === "text" ? input.texts.length : input.parts.length;
  if (count === 0) throw invalidRequest("'input' must not be empty.", "input");
  if (count > MAX_MODERATION_INPUTS) {
    throw invalidRequest(
      `'input' has ${count} entries; at most ${MAX_MODERATION_INPUTS} are allowed.`,
      "input",
    );
  }
  if (input.kind === "text") {
    input.texts.forEach((text, index) => {
      if (text.length === 0) {
        const param = input.single ? "input" : `input[${index}]`;
        throw invalidRequest(`'${param}' must not be empty.`, param);
      }
    });
    return;
  }
  input.parts.forEach((part, index) => {
    if (part.type === "text" && part.text.length === 0)
      throw invalidRequest(`'input[${index}].text' must not be empty.`, `input[${index}].text`);
    if (part.type === "image_url") {
      const url = part.url;
      if (url.length > MAX_URL_LENGTH || !(url.startsWith("https://") || url.startsWith("data:image/")))
        throw invalidRequest(
          `'input[${index}].image_url.url' must be an https URL or a data:image URL.`,
          `input[${index}].image_url.url`,
        );
    }
  });
}

/** The request as a prompt-only chat request (metering and the prompt estimate): texts and images as user content. */
function asChat(request: ModerationRequest): ChatRequest {
  const input = request.input;
  const messages: ChatRequest["messages"] =
    input.kind === "text"
      ? input.texts.map((text) => ({ role: "user", content: text }))
      : [
          {
            role: "user",
            content: input.parts.map(
              (part): ContentPart =>
                part.type === "text" ? { type: "text", text: part.text } : { type: "image", url: part.url },
            ),
          },
        ];
  return {
    model: request.model,
    messages,
    maxTokens: 0,
    ...(request.user !== undefined ? { user: request.user } : {}),
  };
}

/** Moderations as a unary operation; `serves` and `attempt` come from the providers (injected by app.ts). */
export function moderationOperation(
  serves: UnaryOperation<ModerationRequest, ModerationResult>["serves"],
  attempt: UnaryOperation<ModerationRequest, ModerationResult>["attempt"],
): UnaryOperation<ModerationRequest, ModerationResult> {
  return {
    name: "moderations",
    validate: validateModerationRequest,
    serves,
    attempt,
    estimate: (request) => estimatePrompt(asChat(request)),
    meteringView: asChat,
    // OpenAI reports no usage for moderations: the gateway's count, flagged.
    reportedTokens: () => undefined,
  };
}
