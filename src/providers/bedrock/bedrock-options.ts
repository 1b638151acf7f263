import type { ProviderOptionsPolicy } from "../shared/provider-options.js";

/** Anthropic betas that change the price or the output limit the gateway reserved for. */
const PRICED_BETAS = /^(context-1m|output-128k)/;

function stringMap(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it must be an object";
  for (const inner of Object.values(value))
    if (typeof inner !== "string") return "its values must be strings";
  return undefined;
}

function stringList(value: unknown): string | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string" && item.length <= 256)
    ? undefined
    : "it must be a list of strings";
}

/**
 * What callers may add to a Converse body (GUARDS 8b):
 * - `additionalModelRequestFields.anthropic_beta` (Claude betas, except those priced apart: 1M context, 128k
 *   output); nothing else in the model's native body, where `max_tokens`, `thinking`, `top_k` would override
 *   what the gateway set in `inferenceConfig`;
 * - `additionalModelResponseFieldPaths` (what comes back), `requestMetadata` (invocation-log tags, strings),
 *   `promptVariables` (for prompt-management resources).
 * Refused: `messages`, `system`, `inferenceConfig`, `toolConfig`, `guardrailConfig` (guardrails are billed per
 * text unit, outside the ledger), `performanceConfig` (latency-optimised inference is priced apart).
 */
export const BEDROCK_OPTIONS: ProviderOptionsPolicy = {
  provider: "bedrock",
  namespaces: ["bedrock"],
  allowed: {
    additionalModelRequestFields: {
      keys: {
        anthropic_beta: {
          check: (value) =>
            stringList(value) ??
            ((value as string[]).some((beta) => PRICED_BETAS.test(beta))
              ? "betas that change the price or the output limit are not accepted"
              : undefined),
        },
      },
    },
    additionalModelResponseFieldPaths: { check: stringList },
    requestMetadata: { check: stringMap },
    promptVariables: {},
  },
};
