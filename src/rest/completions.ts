import { z } from "zod";
import type { ChatContext } from "../core/chat/dispatcher.js";
import { textCompletionRequest } from "../core/completions/text-completion.js";
import { invalidRequest, toGatewayError } from "../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse, FinishReason, Usage } from "../core/types/chat.js";
import { callerGone, openEventStream, write } from "./chat-completions.js";
import { formatPath } from "./from-openai.js";
import { readJsonBody, sendJson } from "./http-io.js";
import { meteringHeaders } from "./metering-headers.js";
import { renderOpenAIError } from "./openai-error.js";
import type { RestContext } from "./rest-shim.js";
import { routingHeaders } from "./routing-headers.js";
import { toOpenAIUsage } from "./to-openai.js";

/**
 * OpenAI's `CreateCompletionRequest` (legacy text completions). Known fields are checked strictly; fields we do
 * not model pass to the provider's allow-list (vLLM's `min_p`, `repetition_penalty`…), exactly as for chat, so a
 * field that would change the model, the URL or a metered limit can never reach an upstream (GUARDS 8b).
 */
const KNOWN_FIELDS = {
  model: z.string().min(1).max(512),
  prompt: z.unknown(),
  suffix: z.string().nullable().optional(),
  echo: z.boolean().nullable().optional(),
  max_tokens: z.number().int().nullable().optional(),
  temperature: z.number().nullable().optional(),
  top_p: z.number().nullable().optional(),
  top_k: z.number().int().nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(16)])
    .nullable()
    .optional(),
  presence_penalty: z.number().nullable().optional(),
  frequency_penalty: z.number().nullable().optional(),
  seed: z.number().int().nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  logprobs: z.number().int().nullable().optional(),
  best_of: z.number().int().nullable().optional(),
  user: z.string().max(512).optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
  drop_params: z.boolean().optional(),
  fallbacks: z.array(z.string().min(1).max(512)).max(10).optional(),
  timeout: z.number().gt(0).max(3600).optional(),
};
const completionRequestSchema = z.object(KNOWN_FIELDS).passthrough();

const PROMPT_SHAPES = "'prompt' must be a string or an array of strings.";

/** `prompt` → the prompts. Token-id prompts are refused (see docs/other-endpoints.md: not served yet). */
function readPrompts(prompt: unknown): string[] {
  if (prompt === undefined || prompt === null) throw invalidRequest("'prompt' is required.", "prompt");
  if (typeof prompt === "string") return [prompt];
  if (!Array.isArray(prompt) || prompt.length === 0) throw invalidRequest(PROMPT_SHAPES, "prompt");
  prompt.forEach((item: unknown, index) => {
    if (typeof item === "number" || Array.isArray(item)) {
      throw invalidRequest(
        "Token-id prompts are not served by this gateway's /v1/completions; send the prompt as text.",
        "prompt",
      );
    }
    if (typeof item !== "string")
      throw invalidRequest(`${PROMPT_SHAPES} 'prompt[${index}]' is not a string.`, `prompt[${index}]`);
  });
  return prompt as string[];
}

/** The REST body → the ChatRequest the core runs (with its `textCompletion`), and whether to stream. */
export function fromOpenAICompletionRequest(body: unknown): { request: ChatRequest; stream: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidRequest("The request body must be a JSON object.");
  const parsed = completionRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue === undefined ? undefined : formatPath(issue.path);
    throw invalidRequest(
      param === undefined ? "Invalid request body." : `Invalid value for '${param}': ${issue?.message}.`,
      param,
    );
  }
  const value = parsed.data;
  if (value.logprobs !== undefined && value.logprobs !== null) {
    throw invalidRequest(
      "'logprobs' is not served by this gateway's /v1/completions (legacy token log probabilities).",
      "logprobs",
    );
  }
  if (value.best_of !== undefined && value.best_of !== null && value.best_of !== 1) {
    throw invalidRequest(
      "'best_of' is not served by this gateway: it generates best_of completions server-side, beyond what 'n' reserves.",
      "best_of",
    );
  }
  const sampling: Omit<ChatRequest, "model" | "messages"> = {};
  if (value.max_tokens != null) {
    sampling.maxTokens = value.max_tokens;
    sampling.maxTokensField = "max_tokens";
  }
  if (value.temperature != null) sampling.temperature = value.temperature;
  if (value.top_p != null) sampling.topP = value.top_p;
  if (value.top_k != null) sampling.topK = value.top_k;
  if (value.stop != null) sampling.stop = typeof value.stop === "string" ? [value.stop] : value.stop;
  if (value.presence_penalty != null) sampling.presencePenalty = value.presence_penalty;
  if (value.frequency_penalty != null) sampling.frequencyPenalty = value.frequency_penalty;
  if (value.seed != null) sampling.seed = value.seed;
  if (value.logit_bias != null) sampling.logitBias = value.logit_bias;
  if (value.user !== undefined) sampling.user = value.user;
  if (value.stream_options?.include_usage === true) sampling.includeUsage = true;
  if (value.drop_params !== undefined) sampling.dropParams = value.drop_params;
  if (value.provider_options !== undefined) sampling.providerOptions = value.provider_options;
  if (value.fallbacks !== undefined || value.timeout !== undefined) {
    sampling.routing = {
      ...(value.fallbacks !== undefined ? { fallbacks: value.fallbacks } : {}),
      ...(value.timeout !== undefined ? { timeoutMs: Math.round(value.timeout * 1000) } : {}),
    };
  }
  let passthrough: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    if (Object.hasOwn(KNOWN_FIELDS, key)) continue;
    passthrough ??= {};
    passthrough[key] = field;
  }
  if (passthrough !== undefined) sampling.passthrough = passthrough;
  const request = textCompletionRequest(
    value.model,
    {
      prompts: readPrompts(value.prompt),
      n: value.n ?? 1,
      ...(value.suffix != null ? { suffix: value.suffix } : {}),
      ...(value.echo != null ? { echo: value.echo } : {}),
    },
    sampling,
  );
  return { request, stream: value.stream === true };
}

/** A finish reason in the legacy spelling (`stop`, `length`, `content_filter`), as chat renders it. */
function legacyFinishReason(reason: FinishReason): string {
  return reason === "error" ? "stop" : reason;
}

/** The canonical response → OpenAI's `text_completion`. */
export function toOpenAICompletionResponse(
  response: ChatResponse,
  fallbackId: string,
): Record<string, unknown> {
  return {
    id: response.id.length > 0 ? response.id : fallbackId,
    object: "text_completion",
    created: response.created,
    model: response.model,
    choices: response.choices.map((choice) => ({
      text: choice.message.content ?? "",
      index: choice.index,
      logprobs: null,
      finish_reason: choice.finishReason === null ? null : legacyFinishReason(choice.finishReason),
    })),
    ...(response.systemFingerprint != null ? { system_fingerprint: response.systemFingerprint } : {}),
    ...(response.usage !== undefined ? { usage: toOpenAIUsage(response.usage) } : {}),
  };
}

/**
 * Renders a committed stream's batches as `text_completion` chunks (openai/completions-stream.chunks.jsonl):
 * one upstream chunk → one downstream chunk, `choices[].text` per choice, the finish on its choice, and — when
 * the caller asked (`stream_options.include_usage`) — the usage in a final chunk with `choices: []`.
 */
export class CompletionChunkWriter {
  private id: string;
  private model: string;
  private created = Math.floor(Date.now() / 1000);

  constructor(
    fallbackId: string,
    fallbackModel: string,
    private readonly includeUsage: boolean,
  ) {
    this.id = fallbackId;
    this.model = fallbackModel;
  }

  write(batch: readonly ChatEvent[]): string {
    const choices: { text: string; index: number; logprobs: null; finish_reason: string | null }[] = [];
    const usages: Usage[] = [];
    const choiceFor = (index: number) => {
      let found = choices.find((choice) => choice.index === index);
      if (found === undefined) {
        found = { text: "", index, logprobs: null, finish_reason: null };
        choices.push(found);
      }
      return found;
    };
    for (const event of batch) {
      switch (event.type) {
        case "response-start":
          if (event.id.length > 0) this.id = event.id;
          if (event.model.length > 0) this.model = event.model;
          this.created = event.created;
          break;
        case "text-delta":
          choiceFor(event.choice).text += event.text;
          break;
        case "finish":
          choiceFor(event.choice).finish_reason = legacyFinishReason(event.reason);
          break;
        case "usage":
          usages.push(event.usage);
          break;
        default:
          // A completions upstream sends only text, finishes and usage; nothing else has a legacy spelling.
          break;
      }
    }
    const head = { id: this.id, object: "text_completion", created: this.created, model: this.model };
    let out = "";
    if (choices.length > 0)
      out += `data: ${JSON.stringify({ ...head, choices, ...(this.includeUsage ? { usage: null } : {}) })}\n\n`;
    if (this.includeUsage) {
      for (const usage of usages)
        out += `data: ${JSON.stringify({ ...head, choices: [], usage: toOpenAIUsage(usage) })}\n\n`;
    }
    return out;
  }
}

/** POST /v1/completions: OpenAI in, the chat core (as a text completion), OpenAI out — unary JSON or SSE. */
export async function handleCompletions(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const { request, stream } = fromOpenAICompletionRequest(body);
  context.log.model = request.model;
  context.log.stream = stream;
  const abort = callerGone(response);
  const call: ChatContext = {
    requestId,
    principal: context.principal ?? { keyId: "anonymous", role: "user", display: "" },
    signal: abort.signal,
  };
  if (!stream) {
    const { response: result, routing, metering } = await deps.gateway.complete(request, call);
    context.log.deployment = routing.deployment;
    context.log.provider = routing.provider;
    sendJson(response, 200, toOpenAICompletionResponse(result, `cmpl-${requestId}`), {
      ...routingHeaders(routing, requestId),
      ...meteringHeaders(metering),
    });
    return 200;
  }
  // Errors before the first upstream event are JSON errors (and retried by the router); after it, one SSE error.
  const committed = await openEventStream(context, request, call);
  const writer = new CompletionChunkWriter(
    `cmpl-${requestId}`,
    committed.routing.model,
    request.includeUsage === true,
  );
  const iterator = committed.events[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await iterator.next();
      if (next.done) break;
      const pending = write(response, writer.write(next.value));
      if (pending !== undefined) await pending;
      if (abort.signal.aborted) break;
    }
    if (!abort.signal.aborted) response.end("data: [DONE]\n\n");
  } catch (error) {
    const failure = toGatewayError(error);
    if (!abort.signal.aborted) response.end(`data: ${JSON.stringify(renderOpenAIError(failure).body)}\n\n`);
    if (failure.kind === "internal")
      deps.logger.error({ request_id: requestId, err: failure.cause }, "stream failed");
  } finally {
    if (abort.signal.aborted) await iterator.return?.();
  }
  return 200;
}
