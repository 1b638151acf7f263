import { ANY_VALUE, checks, type ProviderOptionsPolicy } from "../shared/provider-options.js";

/** Namespaces under which callers may put Gemini knobs in providerOptions (shared with Vertex AI). */
export const GEMINI_OPTION_NAMESPACES = ["gemini", "google", "vertex_ai"] as const;

/**
 * What callers may add to a generateContent body (Google AI Studio and Vertex AI), GUARDS 8b:
 * - `safetySettings`: the caller's own content thresholds;
 * - `generationConfig` with only `responseModalities` (text: image and audio output are priced apart),
 *   `mediaResolution` and `enableEnhancedCivicAnswers`.
 * Refused: `contents`/`systemInstruction`, `generationConfig.maxOutputTokens`/`candidateCount`/`thinkingConfig`
 * and every modelled sampling field (the gateway sets them from the request), `tools`/`toolConfig` (Google Search
 * grounding has its own fee), `cachedContent` (a cache by name, possibly another tenant's), `labels` (the
 * operator's billing labels), `speechConfig`.
 */
export function geminiOptions(provider: string): ProviderOptionsPolicy {
  return {
    provider,
    namespaces: GEMINI_OPTION_NAMESPACES,
    allowed: {
      safetySettings: ANY_VALUE,
      generationConfig: {
        keys: {
          responseModalities: { check: checks.textModalitiesOnly },
          mediaResolution: { check: checks.string(64) },
          enableEnhancedCivicAnswers: { check: checks.boolean },
        },
      },
    },
  };
}
