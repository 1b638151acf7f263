import { LRUCache } from "lru-cache";
import { ConfigError } from "../config/config-error.js";
import { parseConfigDocument } from "../config/load-config.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import { ProviderInvoker } from "../providers/provider-invoker.js";
import { Engine } from "./engine.js";
import { BadRequestError, toLibraryError } from "./errors.js";
import { type SplitParams, splitParams } from "./params.js";
import type { CompletionStream } from "./stream.js";
import type { ChatCompletion, CompletionParams, EmbeddingParams, EmbeddingResponse } from "./types.js";

/** One upstream connection pool for every `completion()` call of the process. */
let sharedInvoker: ProviderInvoker | undefined;

function invoker(): ProviderInvoker {
  sharedInvoker ??= new ProviderInvoker();
  return sharedInvoker;
}

/** Engines by deployment settings (model, credentials, base, retries), so repeated calls reuse one router. */
const engines = new LRUCache<string, Engine>({ max: 64 });

/**
 * Calls a model in-process, as LiteLLM's `completion()` does: `model` is `provider/model` or a bare name the
 * model catalog knows (`gpt-4o`, `claude-sonnet-4-6`); credentials come from the call (`api_key`, `api_base`)
 * or the provider's standard environment variables. Returns OpenAI's `chat.completion`, or with `stream: true`
 * an async iterable of `chat.completion.chunk`s. Every response's `usage.cost` is its price in US dollars.
 * Throws typed errors (errors.ts) with `status`, `code`, `param` and `provider`.
 */
export function completion(params: CompletionParams & { stream: true }): Promise<CompletionStream>;
export function completion(
  params: CompletionParams & { stream?: false | undefined },
): Promise<ChatCompletion>;
export function completion(params: CompletionParams): Promise<ChatCompletion | CompletionStream>;
export async function completion(params: CompletionParams): Promise<ChatCompletion | CompletionStream> {
  try {
    const split = splitParams(params);
    const engine = engineFor(split.model, split.connection, split.numRetries);
    const call = callOf(split);
    return split.body.stream === true ? await engine.stream(call) : await engine.complete(call);
  } catch (error) {
    throw toLibraryError(error);
  }
}

/**
 * Embeds text in-process, as LiteLLM's `embedding()` does: `model` is `provider/model` or a bare name the catalog
 * knows (`text-embedding-3-small`); credentials as for `completion()`. Inputs beyond a provider's per-call limit
 * are split and re-assembled in order; `usage.cost` is the price in US dollars.
 */
export async function embedding(params: EmbeddingParams): Promise<EmbeddingResponse> {
  try {
    const split = splitParams(params, "embedding() takes one object of parameters ({ model, input, … }).");
    const engine = engineFor(split.model, split.connection, split.numRetries);
    return await engine.embed(callOf(split));
  } catch (error) {
    throw toLibraryError(error);
  }
}

/** The body, signal and usage callback of one call, as the engine takes them. */
export function callOf(split: SplitParams) {
  return {
    body: split.body,
    ...(split.signal !== undefined ? { signal: split.signal } : {}),
    ...(split.onUsage !== undefined ? { onUsage: split.onUsage } : {}),
  };
}

/**
 * The deployment for one call, built through the same config path as a `model_list` entry (validation, provider
 * inference, `os.environ/` references, environment credentials), so the library and the proxy agree on what a
 * model name and its parameters mean.
 */
function engineFor(
  model: string,
  connection: Record<string, unknown>,
  numRetries: number | undefined,
): Engine {
  const key = JSON.stringify([model, connection, numRetries]);
  const cached = engines.get(key);
  if (cached !== undefined) return cached;
  const config = configFor({ model_list: [{ model_name: model, litellm_params: { ...connection, model } }] });
  const engine = new Engine({
    deployments: config.deployments,
    router: { numRetries: numRetries ?? 0 },
    dropParams: false,
    invoker: invoker(),
  });
  engines.set(key, engine);
  return engine;
}

const SERVER_VARIABLES = /^(PORT|HOST|SWITCHBOARD_.*|DATABASE_URL|REDIS_.*)$/;

/** Parses a config document for the library; its problems become one BadRequestError naming the first field. */
export function configFor(document: Record<string, unknown>) {
  try {
    // The server's own variables (PORT, HOST, SWITCHBOARD_*) mean nothing in-process.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !SERVER_VARIABLES.test(name)),
    );
    return parseConfigDocument(document, { env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const first = error.problems[0] ?? "invalid parameters";
    const path = /^([\w.[\]]+):/.exec(first)?.[1];
    const param = path?.replace(/^model_list\[0\]\.litellm_params\./, "");
    throw new BadRequestError(
      new GatewayError("invalid_request", error.problems.join("; "), {
        ...(param !== undefined ? { param } : {}),
        reason: "invalid_parameters",
      }),
    );
  }
}

/** The cost of a response or of a stream's last chunk, US dollars; undefined when the model is unpriced. */
export function costOf(response: { usage?: { cost?: number } | null }): number | undefined {
  return response.usage?.cost ?? undefined;
}

/** Closes the shared upstream connections (tests, short scripts that want the process to exit at once). */
export async function closeCompletions(): Promise<void> {
  engines.clear();
  const current = sharedInvoker;
  sharedInvoker = undefined;
  await current?.close();
}
