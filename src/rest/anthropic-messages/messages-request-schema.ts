import { z } from "zod";
import { guardrailsFieldSchema } from "../guardrail-selection.js";

/**
 * The Anthropic Messages request (`POST /v1/messages`, docs.anthropic.com/en/api/messages) as we accept it:
 * strict at every depth (an unknown key is a 400 naming it, so a field we would silently drop never gets in,
 * and `api_base`-like fields are refused by construction) and bounded (GUARDS 8). Shapes follow the SDK's
 * `MessageCreateParams` (anthropics/anthropic-sdk-typescript `src/resources/messages/messages.ts`).
 */

const MAX_MESSAGES = 100_000;
const MAX_BLOCKS = 10_000;
const MAX_TOOLS = 512;
export const MAX_TOKENS_CAP = 10_000_000;

/** `{type:"ephemeral", ttl?:"5m"|"1h"}`; null is what some SDK helpers send for "none". */
const cacheControl = z
  .strictObject({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() })
  .nullable()
  .optional();

/** Citations echoed back on assistant text blocks: references into earlier documents, never instructions. */
const citations = z
  .array(z.looseObject({ type: z.string() }))
  .nullable()
  .optional();

const textBlock = z.strictObject({
  type: z.literal("text"),
  text: z.string(),
  cache_control: cacheControl,
  citations,
});

const base64Source = z.strictObject({
  type: z.literal("base64"),
  media_type: z.string().min(1).max(128),
  data: z.string(),
});
const urlSource = z.strictObject({ type: z.literal("url"), url: z.string().min(1).max(8192) });
const fileSource = z.strictObject({ type: z.literal("file"), file_id: z.string().min(1).max(256) });

const imageBlock = z.strictObject({
  type: z.literal("image"),
  source: z.discriminatedUnion("type", [base64Source, urlSource, fileSource]),
  cache_control: cacheControl,
});

const documentBlock = z.strictObject({
  type: z.literal("document"),
  source: z.discriminatedUnion("type", [
    base64Source,
    urlSource,
    fileSource,
    z.strictObject({ type: z.literal("text"), media_type: z.literal("text/plain"), data: z.string() }),
    z.strictObject({ type: z.literal("content"), content: z.union([z.string(), z.array(textBlock)]) }),
  ]),
  title: z.string().max(1024).nullable().optional(),
  context: z.string().nullable().optional(),
  citations: z.strictObject({ enabled: z.boolean().optional() }).nullable().optional(),
  cache_control: cacheControl,
});

/** A JSON object (tool input, schemas), checked for depth separately. */
const jsonObject = z.record(z.string(), z.unknown());

const toolUseBlock = z.strictObject({
  type: z.literal("tool_use"),
  id: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  input: jsonObject,
  cache_control: cacheControl,
});

const toolResultBlock = z.strictObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1).max(256),
  content: z
    .union([
      z.string(),
      z.array(z.discriminatedUnion("type", [textBlock, imageBlock, documentBlock])).max(MAX_BLOCKS),
    ])
    .optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

const thinkingBlock = z.strictObject({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string(),
});

const redactedThinkingBlock = z.strictObject({ type: z.literal("redacted_thinking"), data: z.string() });

export const contentBlockSchema = z.discriminatedUnion("type", [
  textBlock,
  imageBlock,
  documentBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

const messageSchema = z.strictObject({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(contentBlockSchema).max(MAX_BLOCKS)]),
});

/** Client tools. Server tools (`web_search_20250305`, `bash_20250124`, …) have a dated `type` and are refused. */
const toolSchema = z.strictObject({
  type: z.literal("custom").optional(),
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-zA-Z0-9_-]+$/, "must contain only letters, digits, '_' or '-'"),
  description: z.string().max(100_000).optional(),
  input_schema: jsonObject,
  cache_control: cacheControl,
  strict: z.boolean().optional(),
});

const toolChoiceSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({
    type: z.literal("tool"),
    name: z.string().min(1).max(128),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal("none") }),
]);

const thinkingSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("enabled"), budget_tokens: z.number().int().min(1).max(MAX_TOKENS_CAP) }),
  z.strictObject({ type: z.literal("disabled") }),
  z.strictObject({ type: z.literal("adaptive") }),
]);

const intRange = (min: number, max: number) => z.number().int().min(min).max(max);

const commonFields = {
  model: z.string().min(1).max(512),
  messages: z.array(messageSchema).min(1).max(MAX_MESSAGES),
  system: z.union([z.string(), z.array(textBlock).max(MAX_BLOCKS)]).optional(),
  tools: z
    .array(z.union([toolSchema, z.looseObject({ type: z.string(), name: z.string().optional() })]))
    .max(MAX_TOOLS)
    .optional(),
  tool_choice: toolChoiceSchema.optional(),
  thinking: thinkingSchema.optional(),
  /** Automatic prompt caching: one breakpoint the API places itself (Anthropic only). */
  cache_control: cacheControl,
};

export const messagesRequestSchema = z.strictObject({
  ...commonFields,
  max_tokens: intRange(1, MAX_TOKENS_CAP),
  metadata: z.strictObject({ user_id: z.string().max(512).nullable().optional() }).optional(),
  stop_sequences: z.array(z.string().min(1).max(1024)).max(16).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: intRange(0, 100_000).optional(),
  service_tier: z.enum(["auto", "standard_only"]).optional(),
  // A gateway field (docs/guardrails.md), never sent upstream.
  guardrails: guardrailsFieldSchema.optional(),
});

/** count_tokens takes the prompt-shaping fields only (no max_tokens, sampling or stream). */
export const countTokensRequestSchema = z.strictObject(commonFields);

export type MessagesRequestBody = z.infer<typeof messagesRequestSchema>;
export type CountTokensRequestBody = z.infer<typeof countTokensRequestSchema>;
export type MessageParam = z.infer<typeof messageSchema>;
export type ContentBlockParam = z.infer<typeof contentBlockSchema>;
export type TextBlockParam = z.infer<typeof textBlock>;
export type ImageBlockParam = z.infer<typeof imageBlock>;
export type DocumentBlockParam = z.infer<typeof documentBlock>;
export type ToolParam = z.infer<typeof toolSchema>;
