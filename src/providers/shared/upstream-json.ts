import { GatewayError } from "../../core/errors/gateway-error.js";

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

/** Parses JSON without throwing (error bodies may be HTML from a proxy): the one safe-JSON parser. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
