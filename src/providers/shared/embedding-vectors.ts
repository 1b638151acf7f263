import type { Vector } from "../../core/embeddings/embed-types.js";
import { decodeVectorBase64 } from "../../core/embeddings/vector-encoding.js";
import { GatewayError } from "../../core/errors/gateway-error.js";

/** An embeddings answer we cannot read: the provider broke its own format. */
export function embeddingProtocolError(provider: string, what: string): GatewayError {
  return new GatewayError(
    "upstream_protocol",
    `Provider '${provider}' returned an unreadable embeddings answer: ${what}.`,
    {
      provider,
      reason: "upstream_protocol",
    },
  );
}

/**
 * One upstream vector: a JSON number array (kept as it is, so `float` output repeats the upstream's digits) or
 * base64 of little-endian float32s (OpenAI and Voyage with `encoding_format: "base64"`).
 */
export function readVector(value: unknown, provider: string): Vector {
  if (typeof value === "string") {
    const decoded = decodeVectorBase64(value);
    if (decoded === undefined)
      throw embeddingProtocolError(provider, "a base64 vector is not whole float32s");
    return decoded;
  }
  if (Array.isArray(value) && value.every((item) => typeof item === "number" && Number.isFinite(item))) {
    return value as number[];
  }
  throw embeddingProtocolError(provider, "a vector is neither numbers nor base64");
}

/** A non-negative integer count, or undefined. */
export function tokenCount(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}
