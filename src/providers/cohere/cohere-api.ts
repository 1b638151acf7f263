import { z } from "zod";

/**
 * Cohere v2 chat (`POST /v2/chat`) wire types: requests typed exactly, responses and stream events parsed
 * tolerantly (citations, logprobs and unknown fields are ignored).
 */

export type CohereContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } }
  | { type: "thinking"; thinking: string };

export type CohereMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | CohereContentPart[] }
  | {
      role: "assistant";
      content?: CohereContentPart[];
      tool_plan?: string;
      tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
    }
  | { role: "tool"; tool_call_id: string; content: string | CohereContentPart[] };

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: {
    type: "function";
    function: { name: string; description?: string; parameters: Record<string, unknown> };
  }[];
  tool_choice?: "REQUIRED" | "NONE";
  strict_tools?: boolean;
  response_format?: { type: "json_object"; json_schema?: Record<string, unknown> };
  max_tokens?: number;
  temperature?: number;
  p?: number;
  k?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  stop_sequences?: string[];
  thinking?: { type: "enabled"; token_budget?: number } | { type: "disabled" };
  [extra: string]: unknown;
}

const tokenCountsSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
});

export const cohereUsageSchema = z.object({
  billed_units: tokenCountsSchema.nullish(),
  tokens: tokenCountsSchema.nullish(),
  cached_tokens: z.number().nullish(),
});
export type CohereUsage = z.infer<typeof cohereUsageSchema>;

export const cohereToolCallSchema = z.object({
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const cohereResponseSchema = z.object({
  id: z.string().nullish(),
  message: z
    .object({
      content: z
        .array(z.object({ type: z.string(), text: z.string().nullish(), thinking: z.string().nullish() }))
        .nullish(),
      tool_plan: z.string().nullish(),
      tool_calls: z.array(cohereToolCallSchema).nullish(),
    })
    .nullish(),
  finish_reason: z.string().nullish(),
  usage: cohereUsageSchema.nullish(),
});

/** One stream event; `type` says which fields matter. */
export const cohereStreamEventSchema = z.object({
  type: z.string(),
  id: z.string().nullish(),
  index: z.number().nullish(),
  delta: z
    .object({
      // message-start carries arrays here, the deltas objects: parsed per event type by the decoder.
      message: z
        .object({
          content: z.unknown().optional(),
          tool_plan: z.unknown().optional(),
          tool_calls: z.unknown().optional(),
        })
        .nullish(),
      finish_reason: z.string().nullish(),
      usage: cohereUsageSchema.nullish(),
      error: z.string().nullish(),
    })
    .nullish(),
  message: z.string().nullish(),
});
export const cohereContentDeltaSchema = z.object({
  type: z.string().nullish(),
  text: z.string().nullish(),
  thinking: z.string().nullish(),
});

export type CohereStreamEvent = z.infer<typeof cohereStreamEventSchema>;
