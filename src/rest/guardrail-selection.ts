import { z } from "zod";
import type { GuardrailSelection } from "../core/types/chat.js";

/**
 * The request body's `guardrails` field on every REST surface (LiteLLM's spelling): a list of guardrail names to
 * turn on, or a map of name → true/false to turn guardrails on or off. Wire shape only; which names exist and
 * which may be turned off is the gateway's decision (src/guardrails). Never sent upstream.
 */
const name = z.string().min(1).max(64);
export const guardrailsFieldSchema = z.union([z.array(name).max(32), z.record(name, z.boolean())]);

export function guardrailSelectionOf(value: z.infer<typeof guardrailsFieldSchema>): GuardrailSelection {
  if (Array.isArray(value)) return { enable: [...new Set(value)], disable: [] };
  const entries = Object.entries(value);
  if (entries.length > 32) return { enable: entries.slice(0, 32).map(([key]) => key), disable: [] };
  return {
    enable: entries.filter(([, on]) => on).map(([key]) => key),
    disable: entries.filter(([, on]) => !on).map(([key]) => key),
  };
}
