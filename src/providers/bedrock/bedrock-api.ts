import { z } from "zod";

/**
 * Bedrock Converse / ConverseStream wire types. Requests are typed exactly (we build them); responses and stream
 * events are parsed with minimal, tolerant schemas: unknown fields (the `p` padding, `metrics`, new fields) are
 * ignored and only what we translate is required, so provider drift does not break us.
 */

/**
 * Converse has no JSON mode: `response_format` is emulated with one forced tool of this name whose input schema is
 * the requested schema; its input comes back to the caller as the message content (as vercel/ai and LiteLLM do).
 */
export const JSON_RESPONSE_TOOL = "switchboard_json_response";

export type BedrockContentBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { document: { format: string; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | {
      toolResult: {
        toolUseId: string;
        content: (
          | { text: string }
          | { json: unknown }
          | { image: { format: string; source: { bytes: string } } }
        )[];
        status?: "success" | "error";
      };
    }
  | {
      reasoningContent: { reasoningText: { text: string; signature?: string } } | { redactedContent: string };
    }
  | { cachePoint: { type: "default" } };

export type BedrockSystemBlock = { text: string } | { cachePoint: { type: "default" } };

export interface BedrockMessage {
  role: "user" | "assistant";
  content: BedrockContentBlock[];
}

export type BedrockTool =
  | { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }
  | { cachePoint: { type: "default" } };

export type BedrockToolChoice =
  | { auto: Record<string, never> }
  | { any: Record<string, never> }
  | { tool: { name: string } };

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: BedrockSystemBlock[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: BedrockTool[]; toolChoice?: BedrockToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
  requestMetadata?: Record<string, string>;
  [extra: string]: unknown;
}

export const bedrockUsageSchema = z.object({
  inputTokens: z.number().nullish(),
  outputTokens: z.number().nullish(),
  totalTokens: z.number().nullish(),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
});
export type BedrockUsage = z.infer<typeof bedrockUsageSchema>;

const reasoningContentSchema = z.object({
  reasoningText: z.object({ text: z.string().nullish(), signature: z.string().nullish() }).nullish(),
  redactedContent: z.string().nullish(),
});

export const bedrockResponseContentSchema = z.object({
  text: z.string().nullish(),
  toolUse: z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown().optional() }).nullish(),
  reasoningContent: reasoningContentSchema.nullish(),
});

export const bedrockConverseResponseSchema = z.object({
  output: z.object({
    message: z
      .object({ role: z.string().nullish(), content: z.array(bedrockResponseContentSchema).nullish() })
      .nullish(),
  }),
  stopReason: z.string().nullish(),
  usage: bedrockUsageSchema.nullish(),
});
export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>;

/** ConverseStream events, one per event-stream message; the message's `:event-type` names which. */
export const bedrockStreamEventSchemas = {
  messageStart: z.object({ role: z.string().nullish() }),
  contentBlockStart: z.object({
    contentBlockIndex: z.number(),
    start: z.object({ toolUse: z.object({ toolUseId: z.string(), name: z.string() }).nullish() }).nullish(),
  }),
  contentBlockDelta: z.object({
    contentBlockIndex: z.number(),
    delta: z.object({
      text: z.string().nullish(),
      toolUse: z.object({ input: z.string().nullish() }).nullish(),
      reasoningContent: z
        .object({
          text: z.string().nullish(),
          signature: z.string().nullish(),
          redactedContent: z.string().nullish(),
        })
        .nullish(),
    }),
  }),
  contentBlockStop: z.object({ contentBlockIndex: z.number() }),
  messageStop: z.object({ stopReason: z.string().nullish() }),
  metadata: z.object({ usage: bedrockUsageSchema.nullish() }),
} as const;

/** Body of an exception message in a 200 stream, and of a non-2xx answer. */
export const bedrockErrorBodySchema = z.object({
  message: z.string().nullish(),
  Message: z.string().nullish(),
  Output: z.object({ __type: z.string().nullish() }).nullish(),
});
