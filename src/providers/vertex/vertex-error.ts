import type { GatewayError } from "../../core/errors/gateway-error.js";
import { parseGeminiError } from "../gemini/gemini-error.js";

export const VERTEX_PROVIDER_ID = "vertex_ai";

/** Vertex AI uses Google's error envelope, as Gemini does; only the provider named in errors differs. */
export function parseVertexError(
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
): GatewayError {
  return parseGeminiError(status, bodyText, headers, VERTEX_PROVIDER_ID);
}
