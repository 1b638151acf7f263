import type { GatewayError } from "../../core/errors/gateway-error.js";
import type { HeaderRecord } from "../shared/headers.js";
import { errorFromStatus, looksLikeContextOverflow, upstreamError } from "../shared/upstream-errors.js";

/** Ollama error bodies are `{"error": "..."}`; the status is the class (400, 404, 429, 500, 502). */
export function parseOllamaError(status: number, bodyText: string, headers: HeaderRecord): GatewayError {
  return errorFromStatus("ollama", "Ollama", status, bodyText, headers);
}

/** The `{"error": ...}` line inside a 200 NDJSON stream: the model failed while running. */
export function ollamaStreamError(message: string): GatewayError {
  return upstreamError({
    provider: "ollama",
    label: "Ollama",
    kind: looksLikeContextOverflow(message) ? "context_window_exceeded" : "upstream_unavailable",
    message,
  });
}
