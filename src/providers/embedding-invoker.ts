import {
  type EmbedRequest,
  type EmbedResult,
  inputCount,
  sliceInput,
  type Vector,
} from "../core/embeddings/embed-types.js";
import { GatewayError, invalidRequest, toGatewayError } from "../core/errors/gateway-error.js";
import type { Deployment } from "../core/types/deployment.js";
import type { AttemptLimits, HttpProviderAdapter } from "../core/types/provider.js";
import type { UpstreamExecutor } from "./shared/execute.js";

/** Upstream calls of one attempt in flight at once (a 250-input request to Titan is 250 calls). */
const CONCURRENT_CALLS = 4;

/** Namespaces of `providerOptions` that belong to other providers (kept for fallbacks, never checked here). */
function isNamespace(key: string, value: unknown, known: (id: string) => boolean): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && known(key);
}

/**
 * Rejects `providerOptions` keys a provider's translator for one operation does not read: a knob that would be
 * ignored is a 400 naming it, not a silent no-op. Other providers' namespaces pass (a fallback may use them).
 * Shared by embeddings and the other unary operations (operation-invoker.ts).
 */
export function checkOperationOptions(
  providerId: string,
  operation: string,
  allowedKeys: readonly string[],
  options: Record<string, unknown> | undefined,
  dropParams: boolean,
  known: (id: string) => boolean,
): void {
  if (options === undefined) return;
  const allowed = new Set(allowedKeys);
  const check = (key: string, path: string) => {
    if (!allowed.has(key) && !dropParams) {
      throw new GatewayError(
        "unsupported_parameter",
        `'${path}' is not an ${operation} option of provider '${providerId}'${allowed.size > 0 ? ` (it takes ${[...allowed].join(", ")})` : ""}.`,
        { param: path, provider: providerId, reason: "unsupported_parameter" },
      );
    }
  };
  for (const [key, value] of Object.entries(options)) {
    if (key === providerId && typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const inner of Object.keys(value)) check(inner, `provider_options.${key}.${inner}`);
    } else if (!isNamespace(key, value, known)) check(key, `provider_options.${key}`);
  }
}

/**
 * One embeddings attempt on one deployment: the request split into the provider's per-call batches (at most
 * CONCURRENT_CALLS in flight), each built, sent through the executor and parsed, and the vectors re-assembled in
 * input order with their usage summed (undefined when any call reported none: the gateway then estimates the
 * whole request). A failing call aborts the others and fails the attempt, which the router may retry whole.
 */
export async function invokeEmbeddings(
  executor: UpstreamExecutor,
  adapter: HttpProviderAdapter,
  deployment: Deployment,
  request: EmbedRequest,
  requestId: string,
  signal: AbortSignal,
  limits: AttemptLimits,
  known: (id: string) => boolean,
): Promise<EmbedResult> {
  const embeddings = adapter.embeddings;
  if (embeddings === undefined) {
    throw invalidRequest(
      `The model '${request.model}' is served by provider '${adapter.id}', which has no embeddings API.`,
      "model",
    );
  }
  if (request.input.kind === "tokens" && !embeddings.acceptsTokens) {
    throw invalidRequest(
      `Provider '${adapter.id}' takes text inputs only; token-id arrays in 'input' reach OpenAI-wire providers only.`,
      "input",
    );
  }
  checkOperationOptions(
    adapter.id,
    "embeddings",
    embeddings.options,
    request.providerOptions,
    request.dropParams === true,
    known,
  );
  const total = inputCount(request.input);
  const perCall = Math.max(1, embeddings.maxInputsPerCall(deployment));
  const batches: { start: number; end: number }[] = [];
  for (let start = 0; start < total; start += perCall)
    batches.push({ start, end: Math.min(total, start + perCall) });
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  const parseError =
    embeddings.parseError?.bind(embeddings) ??
    ((status, text, headers) => adapter.parseError(status, text, headers));
  const vectors: Vector[] = new Array(total);
  let promptTokens: number | undefined = 0;
  let model: string | undefined;
  let next = 0;
  let failure: GatewayError | undefined;
  const context = { deployment, requestId };
  const worker = async () => {
    while (failure === undefined && next < batches.length) {
      const batch = batches[next++] as { start: number; end: number };
      const input = sliceInput(request.input, batch.start, batch.end);
      const count = batch.end - batch.start;
      try {
        const answer = await executor.callJson(
          adapter.id,
          () => embeddings.buildRequest(request, input, context),
          parseError,
          controller.signal,
          limits,
        );
        const parsed = embeddings.parseResponse(answer.body, { ...context, count, headers: answer.headers });
        if (parsed.vectors.length !== count) {
          throw new GatewayError(
            "upstream_protocol",
            `Provider '${adapter.id}' returned ${parsed.vectors.length} vectors for ${count} inputs.`,
            { provider: adapter.id, reason: "vector_count_mismatch" },
          );
        }
        parsed.vectors.forEach((vector, index) => {
          vectors[batch.start + index] = vector;
        });
        promptTokens =
          promptTokens === undefined || parsed.promptTokens === undefined
            ? undefined
            : promptTokens + parsed.promptTokens;
        model ??= parsed.model;
      } catch (error) {
        if (failure === undefined) {
          failure = toGatewayError(error);
          controller.abort(failure);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_CALLS, batches.length) }, worker));
  } finally {
    signal.removeEventListener("abort", forward);
  }
  if (failure !== undefined) throw failure;
  return {
    model: model ?? deployment.model,
    vectors,
    usage: promptTokens === undefined ? undefined : { promptTokens, totalTokens: promptTokens },
  };
}
