import { routerSettingsOf } from "../app.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import { ProviderInvoker } from "../providers/provider-invoker.js";
import { callOf, configFor } from "./completion.js";
import { Engine } from "./engine.js";
import { toLibraryError } from "./errors.js";
import { type SplitParams, splitParams } from "./params.js";
import type { CompletionStream } from "./stream.js";
import type {
  ChatCompletion,
  CompletionParams,
  EmbeddingParams,
  EmbeddingResponse,
  UsageCallback,
} from "./types.js";

/** One `model_list` entry, as LiteLLM's Router and config file take it. */
export interface ModelListEntry {
  model_name: string;
  litellm_params: { model: string; api_key?: string; api_base?: string; api_version?: string } & Record<
    string,
    unknown
  >;
  model_info?: Record<string, unknown>;
}

/** LiteLLM's `Router(...)` arguments (snake_case; camelCase accepted too) plus the library's `onUsage`. */
export interface RouterInit {
  model_list: ModelListEntry[];
  /** `[{ "gpt-4o": ["claude-fallback"] }]`: groups tried when a group fails. */
  fallbacks?: Record<string, string[]>[];
  context_window_fallbacks?: Record<string, string[]>[];
  content_policy_fallbacks?: Record<string, string[]>[];
  default_fallbacks?: string[];
  num_retries?: number;
  /** Per-attempt timeout, seconds. */
  timeout?: number;
  stream_timeout?: number;
  routing_strategy?:
    | "simple-shuffle"
    | "least-busy"
    | "usage-based-routing"
    | "usage-based-routing-v2"
    | "latency-based-routing"
    | "cost-based-routing";
  allowed_fails?: number;
  /** Seconds a failing deployment rests. */
  cooldown_time?: number;
  disable_cooldowns?: boolean;
  retry_after?: number;
  max_fallbacks?: number;
  model_group_alias?: Record<string, string>;
  enable_pre_call_checks?: boolean;
  /** Share deployment state (cooldowns, usage) through Redis; absent: in this process only. */
  redis_url?: string;
  drop_params?: boolean;
  onUsage?: UsageCallback;
  /** Any other `router_settings` key the proxy's config takes. */
  [key: string]: unknown;
}

/** camelCase → snake_case (`modelList` → `model_list`), for keys only; group names are left as they are. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function snakeKeys(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [snake(key), inner]));
}

/**
 * LiteLLM's Router, in-process: a `model_list` with groups of deployments, and the proxy's own strategies,
 * retries, fallbacks, cooldowns and hedging (the same src/router code, with its state in this process unless
 * `redis_url` is given). `router.completion({ model: "gpt-4o", messages })` routes to the group `gpt-4o`.
 */
export class Router {
  private readonly engine: Engine;
  private readonly invoker = new ProviderInvoker();

  constructor(init: RouterInit) {
    try {
      const options = snakeKeys(init) as Record<string, unknown>;
      const {
        model_list: modelList,
        on_usage: onUsage,
        drop_params: dropParams,
        ...routerSettings
      } = options;
      if (!Array.isArray(modelList))
        throw invalidRequest("'model_list' must be a list of deployments.", "model_list");
      if (onUsage !== undefined && typeof onUsage !== "function") {
        throw invalidRequest("'onUsage' must be a function.", "onUsage");
      }
      const entries = modelList.map((entry) => {
        const top = snakeKeys(entry) as Record<string, unknown>;
        return {
          ...top,
          ...(top.litellm_params !== undefined ? { litellm_params: snakeKeys(top.litellm_params) } : {}),
          ...(top.model_info !== undefined ? { model_info: snakeKeys(top.model_info) } : {}),
        };
      });
      const config = configFor({
        model_list: entries,
        ...(Object.keys(routerSettings).length > 0 ? { router_settings: routerSettings } : {}),
        ...(dropParams !== undefined ? { litellm_settings: { drop_params: dropParams } } : {}),
      });
      const settings = routerSettingsOf(config);
      // Shared state only when asked for here (REDIS_URL in the environment is the proxy's, not the library's).
      if (routerSettings.redis_url === undefined) delete settings.redis;
      this.engine = new Engine({
        deployments: config.deployments,
        router: settings,
        dropParams: config.dropParams,
        invoker: this.invoker,
        ...(typeof onUsage === "function" ? { onUsage: onUsage as UsageCallback } : {}),
      });
    } catch (error) {
      throw toLibraryError(error);
    }
  }

  /** The model groups this router serves. */
  get modelNames(): string[] {
    return [...new Set(this.engine.deployments.map((deployment) => deployment.modelName))];
  }

  /** Routes a chat completion to the group named by `model`; with `stream: true`, an async iterable of chunks. */
  completion(params: CompletionParams & { stream: true }): Promise<CompletionStream>;
  completion(params: CompletionParams & { stream?: false | undefined }): Promise<ChatCompletion>;
  completion(params: CompletionParams): Promise<ChatCompletion | CompletionStream>;
  async completion(params: CompletionParams): Promise<ChatCompletion | CompletionStream> {
    try {
      const call = callOf(routedCall(splitParams(params)));
      return call.body.stream === true ? await this.engine.stream(call) : await this.engine.complete(call);
    } catch (error) {
      throw toLibraryError(error);
    }
  }

  /** Routes an embeddings call to the group named by `model`, with the router's retries and fallbacks. */
  async embedding(params: EmbeddingParams): Promise<EmbeddingResponse> {
    try {
      const split = splitParams(params, "embedding() takes one object of parameters ({ model, input, … }).");
      return await this.engine.embed(callOf(routedCall(split)));
    } catch (error) {
      throw toLibraryError(error);
    }
  }

  /** Closes this router's upstream connections. */
  async close(): Promise<void> {
    await this.invoker.close();
  }
}

/** A routed call carries no credentials, bases or retries: those belong to the model_list and the Router. */
function routedCall(split: SplitParams): SplitParams {
  for (const key of Object.keys(split.connection)) {
    throw invalidRequest(`'${key}' is set per deployment in model_list, not per router call.`, key);
  }
  if (split.numRetries !== undefined) {
    throw invalidRequest("'num_retries' is a Router setting, not a per-call one.", "num_retries");
  }
  return split;
}
