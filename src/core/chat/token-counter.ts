import type { ChatRequest } from "../types/chat.js";
import type { Deployment } from "../types/deployment.js";

/**
 * A provider's own prompt count (Anthropic's `count_tokens`), implemented by providers/ and injected so the core
 * never imports them. Returns undefined when the deployment's provider has no counting endpoint.
 */
export interface TokenCounter {
  countTokens(
    deployment: Deployment,
    request: ChatRequest,
    requestId: string,
    signal: AbortSignal,
  ): Promise<number> | undefined;
}

/** A prompt's token count and where it came from. */
export interface TokenCount {
  inputTokens: number;
  /** True when the gateway estimated it (no deployment of the model can count). */
  estimated: boolean;
  /** The deployment that counted, when one did. */
  deployment?: string;
  provider?: string;
}
