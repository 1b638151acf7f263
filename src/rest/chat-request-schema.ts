import { z } from "zod";

/**
 * The OpenAI Chat Completions request as we accept it: strict at every depth inside messages, tools and formats
 * (an unknown key there is a 400 naming it), bounded (GUARDS 8). Unknown top-level fields are not rejected: they
 * pass through to OpenAI-compatible upstreams and are refused by the others (see ChatRequest.passthrough).
 */

const MAX_MESSAGES = 100_000;
const MAX_TOOLS = 512;
const MAX_TOKENS_CAP = 10_000_000;

const cacheControl = z.looseObject({ type: z.string() }).optional();

const textPart = z.strictObject({ type: z.literal("text"), text: z.string(), cache_control: cacheControl });
const imagePart = z.strictObject({
  type: z.literal("image_url"),
  image_url: z.strictObject({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
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
  id: z.string().min(1).max(256),
  type: z.literal("function").optional(),
  function: z.strictObject({ name: z.string().min(1).max(256), arguments: z.string() }),
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
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-zA-Z0-9_.:-]+$/, "must contain only letters, digits, '_', '-', '.' or ':'"),
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
      name: z.string().min(1).max(128),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const intRange = (min: number, max: number) => z.number().int().min(min).max(max);

/** Known top-level fields. `.loose()` keeps unknown ones for the pass-through rule. */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).max(512),
  messages: z.array(messageSchema).min(1).max(MAX_MESSAGES),
  tools: z.array(toolSchema).max(MAX_TOOLS).optional(),
  tool_choice: toolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormatSchema.optional(),
  reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high"]).optional(),
  thinking: z
    .strictObject({
      type: z.enum(["enabled", "disabled"]),
      budget_tokens: intRange(0, MAX_TOKENS_CAP).optional(),
    })
    .optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  top_k: intRange(0, 100_000).nullable().optional(),
  max_tokens: intRange(1, MAX_TOKENS_CAP).nullable().optional(),
  max_completion_tokens: intRange(1, MAX_TOKENS_CAP).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(16)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  n: intRange(1, 128).nullable().optional(),
  user: z.string().max(512).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: intRange(0, 20).nullable().optional(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  drop_params: z.boolean().optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
  // LiteLLM's per-request routing fields: model groups to fall back to, and a per-attempt timeout in seconds.
  fallbacks: z.array(z.string().min(1).max(512)).max(10).optional(),
  timeout: z.number().gt(0).max(3600).optional(),
});

export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;
export type OpenAIMessage = z.infer<typeof messageSchema>;

/** Top-level keys that the schema models; everything else is a pass-through field. */
export const KNOWN_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(
  Object.keys(chatCompletionRequestSchema.shape),
);
