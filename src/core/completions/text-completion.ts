import { invalidRequest } from "../errors/gateway-error.js";
import type { ChatRequest } from "../types/chat.js";

/**
 * A legacy text completion (OpenAI's `POST /v1/completions`), carried by a ChatRequest so that it goes through
 * the one heart every chat request goes through: admission (validation, model access, egress guard, resolution
 * once), metering (reserve before, settle after, one priced ledger row per attempt), the router and the stream
 * relay. The chat fields hold what the core reads (sampling, `max_tokens`, `stop`, `n`, the prompts as user
 * messages for the prompt estimate); this part holds what only a completions wire can say. A provider serves it
 * only through its `completions` adapter: the invoker never hands a text completion to a chat translator.
 */
export interface TextCompletion {
  /** The prompts, in order; the upstream answers `n` choices per prompt, prompt by prompt. */
  prompts: string[];
  /** Choices per prompt, as the caller asked (the ChatRequest's `n` is this times the prompt count). */
  n: number;
  /** Text after the insertion point (OpenAI's `suffix`). */
  suffix?: string;
  /** Echo the prompt before the completion. */
  echo?: boolean;
}

/** OpenAI's cap on prompts of one legacy completions request; ours bounds the stream tap and the estimate. */
export const MAX_COMPLETION_PROMPTS = 2048;
/** Choices a request may ask for in all (`n` × prompts), like chat's `n` cap. */
export const MAX_COMPLETION_CHOICES = 128;

/** The chat fields of a completion (everything but the model and the prompts). */
export type CompletionSampling = Omit<ChatRequest, "model" | "messages" | "n" | "textCompletion">;

/**
 * A legacy completion as the ChatRequest the core runs. `n` becomes `n × prompts` (the choices the upstream
 * will produce, which is what budgets reserve and the stream tap closes); the prompts become user messages, only
 * for the prompt estimate and metering: the completions translators read `textCompletion.prompts`.
 */
export function textCompletionRequest(
  model: string,
  completion: TextCompletion,
  sampling: CompletionSampling,
): ChatRequest {
  const prompts = completion.prompts;
  if (prompts.length === 0) throw invalidRequest("'prompt' must not be empty.", "prompt");
  if (prompts.length > MAX_COMPLETION_PROMPTS) {
    throw invalidRequest(
      `'prompt' has ${prompts.length} entries; at most ${MAX_COMPLETION_PROMPTS} are allowed in one request.`,
      "prompt",
    );
  }
  if (!Number.isInteger(completion.n) || completion.n < 1)
    throw invalidRequest("'n' must be a positive integer.", "n");
  const choices = completion.n * prompts.length;
  if (choices > MAX_COMPLETION_CHOICES) {
    throw invalidRequest(
      `'n' × the number of prompts is ${choices}; at most ${MAX_COMPLETION_CHOICES} choices are allowed in one request.`,
      "n",
    );
  }
  return {
    ...sampling,
    model,
    // An empty prompt is legal on the completions wire (the model starts from nothing); the estimate needs text.
    messages: prompts.map((prompt) => ({ role: "user", content: prompt })),
    n: choices,
    textCompletion: completion,
  };
}
