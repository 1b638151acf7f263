import { z } from "zod";
import { guardrailsFieldSchema } from "./guardrail-selection.js";

/**
 * The OpenAI Chat Completions request's wire shape: types, enums and known keys, strict at every depth inside
 * messages, tools and formats (an unknown key there is a 400 naming it). Values — ranges, caps, the rules between
 * fields — are checked once, in the core (src/core/chat/validate-chat-request.ts), for REST and Connect alike. Unknown top-level fields are not rejected: they
 * pass through to OpenAI-compatible upstreams and are refused by the others (see ChatRequest.passthrough).
 */

const cacheControl = z.looseObject({ type: z.string() }).optional();

const textPart = z.strictObject({ type: z.literal("text"), text: z.string(), cache_control: cacheControl });
const imagePart = z.strictObject({
  type: z.literal("image_url"),
  image_url: z.strictObject({ url: z.string(), detail: z.enum(["auto", "low", "high"]).optional() }),
  cache_control: cacheControl,
});
const audioPart = z.strictObject({
  type: z.literal("input_audio"),
  input_audio: z.strictObject({ data: z.string(), format: z.string() }),
  cache_control: cacheControl,
});
const filePart = z.strictObject({
  type: z.literal("file"),
  file: z.strictObject({
    file_id: z.string().optional(),
    file_data: z.string().optional(),
    filename: z.string().optional(),
    format: z.string().optional(),
  }),
  cache_control: cacheControl,
});
const refusalPart = z.strictObject({ type: z.literal("refusal"), refusal: z.string() });
export const contentPartSchema = z.discriminatedUnion("type", [
  textPart,
  imagePart,
  audioPart,
  filePart,
  refusalPart,
]);

const toolCallSchema = z.strictObject({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.strictObject({ name: z.string(), arguments: z.string() }),
  /** Gemini thought signatures and similar provider data returned on a tool call, sent back as given. */
  provider_specific_fields: z.record(z.string(), z.unknown()).optional(),
});

const thinkingBlockSchema = z.union([
  z.strictObject({
    type: z.literal("thinking"),
    thinking: z.string(),
    signature: z.string().nullable().optional(),
    cache_control: cacheControl,
  }),
  z.strictObject({ type: z.literal("redacted_thinking"), data: z.string(), cache_control: cacheControl }),
]);

export const messageSchema = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(contentPartSchema).max(10_000), z.null()]).optional(),
  name: z.string().max(256).optional(),
  tool_calls: z.array(toolCallSchema).max(1_000).optional(),
  tool_call_id: z.string().max(256).optional(),
  refusal: z.string().nullable().optional(),
  reasoning_content: z.string().nullable().optional(),
  thinking_blocks: z.array(thinkingBlockSchema).optional(),
  annotations: z.array(z.unknown()).optional(),
  audio: z.unknown().optional(),
  function_call: z.unknown().optional(),
  cache_control: cacheControl,
});

const functionSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullable().optional(),
});

const toolSchema = z.strictObject({
  type: z.literal("function"),
  function: functionSchema,
  cache_control: cacheControl,
});

const toolChoiceSchema = z.union([
  z.enum(["auto", "none", "required"]),
  z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string().min(1) }) }),
]);

const responseFormatSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text") }),
  z.strictObject({ type: z.literal("json_object") }),
  z.strictObject({
    type: z.literal("json_schema"),
    json_schema: z.strictObject({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const integer = () => z.number().int();

/** Known top-level fields. `.loose()` keeps unknown ones for the pass-through rule. */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string(),
  messages: z.array(messageSchema),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormatSchema.optional(),
  reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high"]).optional(),
  thinking: z
    .strictObject({
      type: z.enum(["enabled", "disabled"]),
      budget_tokens: integer().optional(),
    })
    .optional(),
  temperature: z.number().nullable().optional(),
  top_p: z.number().nullable().optional(),
  top_k: integer().nullable().optional(),
  max_tokens: integer().nullable().optional(),
  max_completion_tokens: integer().nullable().optional(),
  presence_penalty: z.number().nullable().optional(),
  frequency_penalty: z.number().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  n: integer().nullable().optional(),
  user: z.string().max(512).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: integer().nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  drop_params: z.boolean().optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
  // LiteLLM's per-request routing fields: model groups to fall back to, and a per-attempt timeout in seconds.
  fallbacks: z.array(z.string().min(1).max(512)).max(10).optional(),
  timeout: z.number().gt(0).max(3600).optional(),
  // docs/guardrails.md: guardrails to turn on (or off, where allowed) for this request; never sent upstream.
  guardrails: guardrailsFieldSchema.optional(),
  // LiteLLM's per-request response-cache controls (checked by the core's parseCacheDirectives); never sent upstream.
  cache: z.unknown().optional(),
});

export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;
export type OpenAIMessage = z.infer<typeof messageSchema>;

/** Top-level keys that the schema models; everything else is a pass-through field. */
export const KNOWN_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(
  Object.keys(chatCompletionRequestSchema.shape),
);
