import { z } from "zod";
import type { ChatContext } from "../core/chat/dispatcher.js";
import type { EmbedInput, EmbedRequest, EmbedResult } from "../core/embeddings/embed-types.js";
import { encodeVectorBase64, vectorNumbers } from "../core/embeddings/vector-encoding.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import { formatPath } from "./from-openai.js";
import { readJsonBody, sendJson } from "./http-io.js";
import { meteringHeaders } from "./metering-headers.js";
import type { RestContext } from "./rest-shim.js";
import { routingHeaders } from "./routing-headers.js";

/**
 * OpenAI's `CreateEmbeddingRequest`, strictly: an unknown field is a 400 naming it. `input` is checked by hand
 * (below) so that its errors say what shapes are allowed. `input_type` is LiteLLM's top-level spelling of
 * Cohere/Voyage's knob and lands in `provider_options`.
 */
const embeddingRequestSchema = z.strictObject({
  model: z.string().min(1).max(512),
  input: z.unknown(),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).max(65_536).optional(),
  user: z.string().max(512).optional(),
  input_type: z.string().min(1).max(64).optional(),
  provider_options: z.record(z.string(), z.unknown()).optional(),
  drop_params: z.boolean().optional(),
  fallbacks: z.array(z.string().min(1).max(512)).max(10).optional(),
  timeout: z.number().gt(0).max(3600).optional(),
});

const INPUT_SHAPES =
  "'input' must be a string, an array of strings, an array of token ids, or an array of token-id arrays.";

/** `input` in any of OpenAI's four shapes → texts or token arrays (never mixed). */
export function readEmbedInput(input: unknown): EmbedInput {
  if (input === undefined || input === null) throw invalidRequest("'input' is required.", "input");
  if (typeof input === "string") return { kind: "text", texts: [input] };
  if (!Array.isArray(input)) throw invalidRequest(INPUT_SHAPES, "input");
  if (input.length === 0) throw invalidRequest("'input' must not be empty.", "input");
  const first: unknown = input[0];
  if (typeof first === "string") {
    input.forEach((item: unknown, index) => {
      if (typeof item !== "string")
        throw invalidRequest(`${INPUT_SHAPES} 'input[${index}]' is not a string.`, `input[${index}]`);
    });
    return { kind: "text", texts: input as string[] };
  }
  if (typeof first === "number") {
    input.forEach((item: unknown, index) => {
      if (typeof item !== "number")
        throw invalidRequest(`${INPUT_SHAPES} 'input[${index}]' is not a token id.`, `input[${index}]`);
    });
    return { kind: "tokens", tokens: [input as number[]] };
  }
  if (Array.isArray(first)) {
    input.forEach((item: unknown, index) => {
      if (!Array.isArray(item) || !item.every((id) => typeof id === "number")) {
        throw invalidRequest(
          `${INPUT_SHAPES} 'input[${index}]' is not an array of token ids.`,
          `input[${index}]`,
        );
      }
    });
    return { kind: "tokens", tokens: input as number[][] };
  }
  throw invalidRequest(INPUT_SHAPES, "input[0]");
}

/** The REST body → the canonical request; every failure is a 400 naming the field. */
export function fromOpenAIEmbeddingRequest(body: unknown): EmbedRequest {
  const parsed = embeddingRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) throw invalidRequest("The request body is not a valid embeddings request.");
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      throw invalidRequest(`Unrecognized field '${key}'.`, key);
    }
    const param = formatPath(issue.path);
    throw invalidRequest(`Invalid value for '${param}': ${issue.message}.`, param);
  }
  const value = parsed.data;
  let providerOptions = value.provider_options;
  if (value.input_type !== undefined) providerOptions = { ...providerOptions, input_type: value.input_type };
  return {
    model: value.model,
    input: readEmbedInput(value.input),
    ...(value.dimensions !== undefined ? { dimensions: value.dimensions } : {}),
    ...(value.encoding_format !== undefined ? { encodingFormat: value.encoding_format } : {}),
    ...(value.user !== undefined ? { user: value.user } : {}),
    ...(providerOptions !== undefined ? { providerOptions } : {}),
    ...(value.drop_params !== undefined ? { dropParams: value.drop_params } : {}),
    ...(value.fallbacks !== undefined || value.timeout !== undefined
      ? {
          routing: {
            ...(value.fallbacks !== undefined ? { fallbacks: value.fallbacks } : {}),
            ...(value.timeout !== undefined ? { timeoutMs: Math.round(value.timeout * 1000) } : {}),
          },
        }
      : {}),
  };
}

/** OpenAI's `CreateEmbeddingResponse`; base64 is little-endian float32s, as the official SDKs decode it. */
export function toOpenAIEmbeddingResponse(result: EmbedResult, encoding: "float" | "base64"): unknown {
  const usage = result.usage ?? { promptTokens: 0, totalTokens: 0 };
  return {
    object: "list",
    data: result.vectors.map((vector, index) => ({
      object: "embedding",
      index,
      embedding: encoding === "base64" ? encodeVectorBase64(vector) : vectorNumbers(vector),
    })),
    model: result.model,
    usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.totalTokens },
  };
}

/** POST /v1/embeddings: OpenAI in, the embeddings gateway, OpenAI out. */
export async function handleEmbeddings(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const gateway = deps.embeddings;
  if (gateway === undefined) {
    throw new GatewayError("not_found", "Embeddings are not served by this gateway.", {
      reason: "route_not_found",
    });
  }
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const request = fromOpenAIEmbeddingRequest(body);
  context.log.model = request.model;
  context.log.stream = false;
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort(new Error("client disconnected"));
  });
  const call: ChatContext = {
    requestId,
    principal: context.principal ?? { keyId: "anonymous", role: "user", display: "" },
    signal: controller.signal,
  };
  const { result, routing, metering } = await gateway.embed(request, call);
  context.log.deployment = routing.deployment;
  context.log.provider = routing.provider;
  sendJson(response, 200, toOpenAIEmbeddingResponse(result, request.encodingFormat ?? "float"), {
    ...routingHeaders(routing, requestId),
    ...meteringHeaders(metering),
    ...(result.usage?.estimated === true ? { "x-switchboard-usage-estimated": "true" } : {}),
  });
  return 200;
}
