import type { PromptEstimate } from "../estimate/token-estimate.js";
import type { EmbedInput } from "./embed-types.js";

/** Tokens a provider adds per input (start/end markers), typical and at most. */
const PER_INPUT_TYPICAL = 1;
const PER_INPUT_BOUND = 2;
const BOUND_SLACK = 16;

/**
 * The prompt estimate of an embeddings request, on the same rules as chat's (core/estimate): UTF-8 bytes ÷ 4 a
 * typical count, bytes an upper bound (every BPE token is at least one byte). Token-id inputs are counted exactly.
 */
export function estimateEmbedPrompt(input: EmbedInput): PromptEstimate {
  if (input.kind === "tokens") {
    let ids = 0;
    for (const tokens of input.tokens) ids += tokens.length;
    return { tokens: ids, upperBound: ids };
  }
  let bytes = 0;
  for (const text of input.texts) bytes += Buffer.byteLength(text, "utf8");
  const count = input.texts.length;
  return {
    tokens: Math.ceil(bytes / 4) + count * PER_INPUT_TYPICAL,
    upperBound: bytes + count * PER_INPUT_BOUND + BOUND_SLACK,
  };
}
