import type { ProviderAdapter, ProviderDeclaration } from "../core/types/provider.js";
import { anthropicProvider } from "./anthropic/index.js";
import { azureAdapter } from "./azure/index.js";
import { bedrockAdapter } from "./bedrock/index.js";
import { cohereAdapter } from "./cohere/index.js";
import { geminiProvider } from "./gemini/index.js";
import { mistralAdapter } from "./mistral/index.js";
import { mockProvider } from "./mock/index.js";
import { ollamaAdapter, ollamaChatAdapter } from "./ollama/index.js";
import { openaiProvider } from "./openai/index.js";
import { openAICompatibleAdapters } from "./openai-compatible/index.js";
import { vertexProvider } from "./vertex/index.js";
import { voyageProvider } from "./voyage/index.js";

/**
 * ProviderId → adapter: the one flat table. The id is the prefix of `litellm_params.model`
 * (`openai/gpt-4o` → "openai"). Adding a provider is one line here plus its folder.
 */
const adapters: ProviderAdapter[] = [
  openaiProvider,
  anthropicProvider,
  geminiProvider,
  vertexProvider,
  bedrockAdapter,
  azureAdapter,
  mistralAdapter,
  cohereAdapter,
  ollamaAdapter,
  ollamaChatAdapter,
  ...openAICompatibleAdapters,
  voyageProvider,
  mockProvider,
];

const registry = new Map<string, ProviderAdapter>();
for (const adapter of adapters) registry.set(adapter.id, adapter);

export function getProvider(id: string): ProviderAdapter | undefined {
  return registry.get(id);
}

export function listProviders(): string[] {
  return [...registry.keys()].sort();
}

/**
 * What every provider in the table declares about itself (capabilities, environment variables, price family),
 * in table order: config and usage read provider knowledge here, never by spelling a provider id.
 */
export function providerDeclarations(): readonly ProviderDeclaration[] {
  return adapters;
}

/** The declaration of one provider id (aliases included), or undefined for an unknown id. */
export function providerDeclaration(id: string): ProviderDeclaration | undefined {
  return registry.get(id);
}

/** Registers an adapter under an extra id (aliases such as OpenAI-compatible families). */
export function registerProvider(adapter: ProviderAdapter, id: string = adapter.id): void {
  registry.set(id, adapter);
}
