import type { EmbedInput, EmbedRequest } from "../../core/embeddings/embed-types.js";
import { invalidRequest } from "../../core/errors/gateway-error.js";
import { readProviderOption } from "../shared/provider-options.js";

/** Gemini's task types (`taskType`), which condition the vector on its use. */
const TASK_TYPES = new Set([
  "RETRIEVAL_QUERY",
  "RETRIEVAL_DOCUMENT",
  "SEMANTIC_SIMILARITY",
  "CLASSIFICATION",
  "CLUSTERING",
  "QUESTION_ANSWERING",
  "FACT_VERIFICATION",
  "CODE_RETRIEVAL_QUERY",
]);

/** `provider_options.task_type` (any case), checked against Gemini's list; undefined when not given. */
export function geminiTaskType(request: EmbedRequest, namespaces: readonly string[]): string | undefined {
  const value = readProviderOption(request.providerOptions, namespaces, ["task_type", "taskType"]);
  if (value === undefined) return undefined;
  const upper = typeof value === "string" ? value.toUpperCase() : "";
  if (!TASK_TYPES.has(upper)) {
    throw invalidRequest(
      `'provider_options.task_type' must be one of ${[...TASK_TYPES].join(", ")}.`,
      "provider_options.task_type",
    );
  }
  return upper;
}

/** `provider_options.title` (RETRIEVAL_DOCUMENT only, per Gemini). */
export function geminiTitle(request: EmbedRequest, namespaces: readonly string[]): string | undefined {
  const value = readProviderOption(request.providerOptions, namespaces, ["title"]);
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw invalidRequest("'provider_options.title' must be a string.", "provider_options.title");
  return value;
}

/**
 * `batchEmbedContents`: one `requests[]` entry per text, each repeating `model: "models/<id>"` and carrying
 * `outputDimensionality`, `taskType` and `title` itself (Gemini reads them per entry, not per batch).
 */
export function convertToGeminiEmbedBody(
  request: EmbedRequest,
  input: EmbedInput,
  model: string,
  namespaces: readonly string[],
): Record<string, unknown> {
  const texts = input.kind === "text" ? input.texts : [];
  const taskType = geminiTaskType(request, namespaces);
  const title = geminiTitle(request, namespaces);
  return {
    requests: texts.map((text) => ({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(request.dimensions !== undefined ? { outputDimensionality: request.dimensions } : {}),
      ...(taskType !== undefined ? { taskType } : {}),
      ...(title !== undefined ? { title } : {}),
    })),
  };
}
