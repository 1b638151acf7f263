/**
 * THE table of the contract suite: one entry per provider. Adding a provider to the gateway means adding its
 * case here (deployment, recorded replies per scenario, wire reader); its capabilities come from its adapter.
 */
import { anthropicCase } from "./cases/anthropic.js";
import { bedrockCase } from "./cases/bedrock.js";
import { cohereCase } from "./cases/cohere.js";
import { geminiCase, vertexCase } from "./cases/gemini.js";
import { mockCase } from "./cases/mock.js";
import { ollamaCase, ollamaChatCase } from "./cases/ollama.js";
import { openaiCase } from "./cases/openai.js";
import { azureCase, mistralCase, openAICompatibleCases } from "./cases/openai-family.js";
import type { ProviderCase } from "./contract-types.js";

export const providerCases: ProviderCase[] = [
  openaiCase,
  anthropicCase,
  geminiCase,
  vertexCase,
  bedrockCase,
  azureCase,
  mistralCase,
  cohereCase,
  ollamaCase,
  ollamaChatCase,
  ...openAICompatibleCases,
  mockCase,
];

/** Registered providers without a case yet, with the reason; the coverage test skips them by name. */
export const PENDING: Record<string, string> = {
  // Embeddings-only: no chat scenario applies; its embeddings are tested in test/providers/voyage/.
  voyage: "embeddings-only provider (no chat API)",
};
