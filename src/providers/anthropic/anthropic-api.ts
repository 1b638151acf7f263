import { z } from "zod";

/**
 * Tolerant schemas of the Anthropic Messages API wire format (docs.anthropic.com/en/api/messages and
 * …/messages-streaming). Only the fields we read are declared; unknown fields and unknown block or event types
 * pass, so that provider drift (new block types, new usage counters) does not break parsing.
 */

export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

export const anthropicContentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  thinking: z.string().optional(),
  signature: z.string().optional(),
  data: z.string().optional(),
});
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema.optional(),
});

export const anthropicErrorBodySchema = z.looseObject({
  type: z.string().optional(),
  error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }),
  request_id: z.string().optional(),
});

const messageStartSchema = z.looseObject({
  type: z.literal("message_start"),
  message: z.looseObject({
    id: z.string(),
    model: z.string(),
    usage: anthropicUsageSchema.optional(),
  }),
});

const contentBlockStartSchema = z.looseObject({
  type: z.literal("content_block_start"),
  index: z.number(),
  content_block: anthropicContentBlockSchema,
});

const contentBlockDeltaSchema = z.looseObject({
  type: z.literal("content_block_delta"),
  index: z.number(),
  delta: z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    partial_json: z.string().optional(),
    thinking: z.string().optional(),
    signature: z.string().optional(),
  }),
});

const contentBlockStopSchema = z.looseObject({ type: z.literal("content_block_stop"), index: z.number() });

const messageDeltaSchema = z.looseObject({
  type: z.literal("message_delta"),
  delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
  usage: anthropicUsageSchema.optional(),
});

const simpleEventSchema = z.looseObject({ type: z.enum(["message_stop", "ping"]) });

const errorEventSchema = z.looseObject({
  type: z.literal("error"),
  error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }),
});

export const anthropicStreamEventSchema = z.discriminatedUnion("type", [
  messageStartSchema,
  contentBlockStartSchema,
  contentBlockDeltaSchema,
  contentBlockStopSchema,
  messageDeltaSchema,
  simpleEventSchema,
  errorEventSchema,
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;

/** Request body blocks we build (output side, so typed exactly). */
export type AnthropicCacheControl = Record<string, unknown>;

export interface AnthropicTextBlock {
  type: "text";
  text: string;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicRequestBlock =
  | AnthropicTextBlock
  | {
      type: "image";
      source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };
      cache_control?: AnthropicCacheControl;
    }
  | {
      type: "document";
      source:
        | { type: "base64"; media_type: string; data: string }
        | { type: "url"; url: string }
        | { type: "file"; file_id: string };
      title?: string;
      cache_control?: AnthropicCacheControl;
    }
  | {
      type: "tool_use";
      id: string;
      name: string;
      input: Record<string, unknown>;
      cache_control?: AnthropicCacheControl;
    }
  | {
      type: "tool_result";
      tool_use_id: string;
      content: string | AnthropicRequestBlock[];
      is_error?: boolean;
      cache_control?: AnthropicCacheControl;
    }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string };

export interface AnthropicRequestMessage {
  role: "user" | "assistant";
  content: AnthropicRequestBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
  cache_control?: AnthropicCacheControl;
}
