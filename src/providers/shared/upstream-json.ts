import { GatewayError } from "../../core/errors/gateway-error.js";
import { scrubSecrets } from "../../shared/secret-scrubber.js";

/**
 * Parses one upstream JSON text (a stream message's data). A provider that sends something else broke its
 * protocol: that is an `upstream_protocol` error naming the provider, never a crash.
 */
export function parseUpstreamJson(text: string, provider: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError(
      "upstream_protocol",
      `The ${provider} upstream sent a stream message that is not JSON.`,
      {
        provider,
        reason: "invalid_json",
        cause: error,
      },
    );
  }
}

/** Parses JSON without throwing (error bodies may be HTML from a proxy). */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Shortens an upstream message for our error text (upstream messages can be long and are not ours), scrubbed
 * of secrets first so that the cut never leaves half of one.
 */
export function truncateMessage(message: string, limit = 500): string {
  const scrubbed = scrubSecrets(message);
  return scrubbed.length <= limit ? scrubbed : `${scrubbed.slice(0, limit)}…`;
}

/** A JSON object from a tool call's argument text; `""` counts as no arguments. */
export function parseToolArguments(text: string): Record<string, unknown> | undefined {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return undefined;
  } catch {
    return undefined;
  }
}
