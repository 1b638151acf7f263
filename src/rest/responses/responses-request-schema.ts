import { z } from "zod";
import { MAX_TOKENS_CAP } from "../../core/chat/validate-chat-request.js";
import { guardrailsFieldSchema } from "../guardrail-selection.js";

/**
 * The OpenAI Responses `POST /v1/responses` request's wire shape, strict at every depth (an unknown key anywhere,
 * `api_base` included, is a 400 naming it). Values and the rules between fields are the core's
 * (validate-chat-request) once the body is translated to a ChatRequest; this file only fixes the shape.
 */

const inputText = z.strictObject({ type: z.literal("input_text"), text: z.string() });
const inputImage = z.strictObject({
  type: z.literal("input_image"),
  image_url: z.string().nullable().optional(),
  file_id: z.string().nullable().optional(),
  detail: z.enum(["auto", "low", "high"]).optional(),
});
const inputFile = z.strictObject({
  type: z.literal("input_file"),
  file_id: z.string().nullable().optional(),
  file_data: z.string().optional(),
  filename: z.string().optional(),
  file_url: z.string().optional(),
});
const outputText = z.strictObject({
  type: z.literal("output_text"),
  text: z.string(),
  annotations: z.array(z.unknown()).optional(),
  logprobs: z.array(z.unknown()).optional(),
});
const refusal = z.strictObject({ type: z.literal("refusal"), refusal: z.string() });

export const inputContentSchema = z.discriminatedUnion("type", [
  inputText,
  inputImage,
  inputFile,
  outputText,
  refusal,
]);

const messageItem = z.strictObject({
  type: z.literal("message").optional(),
  id: z.string().max(256).optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(inputContentSchema).max(10_000)]),
  status: z.enum(["in_progress", "completed", "incomplete"]).optional(),
});

const functionCallItem = z.strictObject({
  type: z.literal("function_call"),
  id: z.string().max(256).optional(),
  call_id: z.string().min(1).max(256),
  name: z.string(),
  arguments: z.string(),
  status: z.enum(["in_progress", "completed", "incomplete"]).optional(),
});

const functionCallOutputItem = z.strictObject({
  type: z.literal("function_call_output"),
  id: z.string().max(256).nullable().optional(),
  call_id: z.string().min(1).max(256),
  output: z.union([z.string(), z.array(z.discriminatedUnion("type", [inputText, inputImage, inputFile]))]),
  status: z.enum(["in_progress", "completed", "incomplete"]).nullable().optional(),
});

const reasoningItem = z.strictObject({
  type: z.literal("reasoning"),
  id: z.string().max(256).optional(),
  summary: z.array(z.strictObject({ type: z.literal("summary_text"), text: z.string() })),
  content: z.array(z.strictObject({ type: z.literal("reasoning_text"), text: z.string() })).optional(),
  encrypted_content: z.string().nullable().optional(),
  status: z.enum(["in_progress", "completed", "incomplete"]).optional(),
});

/** An input item. Hosted-tool items and `item_reference` are not modelled: a 400 naming `input[i].type`. */
export const inputItemSchema = z.union([
  messageItem,
  functionCallItem,
  functionCallOutputItem,
  reasoningItem,
]);

export type ResponsesInputItem = z.infer<typeof inputItemSchema>;

/** The schema for each modelled item type (a message may omit `type`), so errors name the field inside the item. */
export const INPUT_ITEM_SCHEMAS = {
  message: messageItem,
  function_call: functionCallItem,
  function_call_output: functionCallOutputItem,
  reasoning: reasoningItem,
} as const;

export const functionToolSchema = z.strictObject({
  type: z.literal("function"),
  name: z.string(),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

const formatSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text") }),
  z.strictObject({ type: z.literal("json_object") }),
  z.strictObject({
    type: z.literal("json_schema"),
    name: z.string(),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: z.boolean().nullable().optional(),
  }),
]);

const integer = () => z.number().int();

/** Known top-level fields. Everything else is refused by name (strict), so `api_base` and friends never pass. */
export const responsesRequestSchema = z.strictObject({
  model: z.string(),
  input: z.union([z.string(), z.array(z.unknown()).max(10_000)]).optional(),
  instructions: z.string().nullable().optional(),
  // Tool entries are checked one by one (hosted tools get their own message).
  tools: z.array(z.unknown()).max(1_000).optional(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z
    .strictObject({
      format: formatSchema.optional(),
      verbosity: z.enum(["low", "medium", "high"]).nullable().optional(),
    })
    .optional(),
  reasoning: z
    .strictObject({
      effort: z.enum(["none", "minimal", "low", "medium", "high"]).nullable().optional(),
      summary: z.enum(["auto", "concise", "detailed"]).nullable().optional(),
      generate_summary: z.enum(["auto", "concise", "detailed"]).nullable().optional(),
    })
    .nullable()
    .optional(),
  // The core's cap, checked here so that the error names the Responses field.
  max_output_tokens: integer().min(1).max(MAX_TOKENS_CAP).nullable().optional(),
  temperature: z.number().nullable().optional(),
  top_p: z.number().nullable().optional(),
  user: z.string().max(512).optional(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: z.string().max(256).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.strictObject({ include_obfuscation: z.boolean().optional() }).nullable().optional(),
  truncation: z.enum(["auto", "disabled"]).nullable().optional(),
  include: z.array(z.string().max(128)).max(32).nullable().optional(),
  service_tier: z.enum(["auto", "default", "flex", "scale", "priority"]).nullable().optional(),
  prompt_cache_key: z.string().max(512).optional(),
  // A gateway field (docs/guardrails.md), never sent upstream.
  guardrails: guardrailsFieldSchema.optional(),
  safety_identifier: z.string().max(512).optional(),
  background: z.boolean().nullable().optional(),
  // Gateway extensions, the same as on /v1/chat/completions.
  drop_params: z.boolean().optional(),
});

export type ResponsesRequestBody = z.infer<typeof responsesRequestSchema>;

/** `/v1/responses/input_tokens`: a Responses body without the generation knobs. */
export const inputTokensRequestSchema = responsesRequestSchema
  .pick({
    model: true,
    input: true,
    instructions: true,
    tools: true,
    tool_choice: true,
    parallel_tool_calls: true,
    text: true,
    reasoning: true,
    previous_response_id: true,
    truncation: true,
  })
  .strict();
