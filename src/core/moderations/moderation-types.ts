import type { OperationRequest } from "../operations/operation-gateway.js";

/** One part of a multimodal moderation input (omni-moderation): text, or an image by URL (https or data:). */
export type ModerationPart = { type: "text"; text: string } | { type: "image_url"; url: string };

/**
 * What to classify: one or more texts (one result each), or one multimodal input of parts (one result). The
 * form the caller used is kept so the upstream gets the same one (a single string stays a string).
 */
export type ModerationInput =
  | { kind: "text"; texts: string[]; single: boolean }
  | { kind: "parts"; parts: ModerationPart[] };

/** The canonical moderation request (OpenAI's `/v1/moderations`, passed to OpenAI-family upstreams). */
export interface ModerationRequest extends OperationRequest {
  input: ModerationInput;
}

export interface ModerationResult {
  id?: string;
  /** The model that classified, as the upstream named it. */
  model?: string;
  /**
   * One result per input as the upstream wrote it (`flagged`, `categories`, `category_scores`, and for
   * omni-moderation `category_applied_input_types`): passed on unchanged, the categories differ by model.
   */
  results: Record<string, unknown>[];
}

/** Results an answer must hold: one per text, or one for a multimodal input. */
export function expectedResults(input: ModerationInput): number {
  return input.kind === "text" ? input.texts.length : 1;
}
