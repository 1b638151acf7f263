import { pathToFileURL } from "node:url";
import { scrubSecrets } from "../../shared/secret-scrubber.js";
import { DeliveryError, retryableStatus } from "./delivery-queue.js";
import type { LoggingPayload } from "./logging-payload.js";

/**
 * Where logging payloads go. A sink sends one batch; the delivery queue (delivery-queue.ts) owns batching,
 * retries, backoff and the bound. A sink throws DeliveryError(retry: false) for a batch the receiver will never
 * take, anything else to have it retried.
 */
export interface LoggingSink {
  /** The callback name as configured (`langfuse`, `generic_api`, a module path): the metrics label. */
  readonly name: string;
  sendBatch(batch: readonly LoggingPayload[], signal: AbortSignal): Promise<void>;
}

/** One JSON POST; the status decides: 2xx done, 5xx/408/429 retry, other 4xx never. Bodies are not read beyond 64 KiB. */
async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  what: string,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal,
      redirect: "error",
    });
  } catch (cause) {
    throw new DeliveryError(`${what}: ${scrubSecrets(String(cause))}`, true);
  }
  await response.body?.cancel().catch(() => undefined);
  if (response.ok) return;
  throw new DeliveryError(`${what}: HTTP ${response.status}`, retryableStatus(response.status));
}

/** Langfuse (`success_callback: ["langfuse"]`): its public ingestion API, one trace and one generation per request. */
export class LangfuseSink implements LoggingSink {
  readonly name = "langfuse";
  private readonly url: string;
  private readonly authorization: string;

  constructor(settings: { publicKey: string; secretKey: string; host: string }) {
    this.url = new URL("/api/public/ingestion", settings.host).toString();
    this.authorization = `Basic ${Buffer.from(`${settings.publicKey}:${settings.secretKey}`).toString("base64")}`;
  }

  sendBatch(batch: readonly LoggingPayload[], signal: AbortSignal): Promise<void> {
    const events = batch.flatMap(langfuseEvents);
    return postJson(
      this.url,
      { authorization: this.authorization },
      { batch: events, metadata: { sdk_name: "switchboard" } },
      signal,
      "langfuse ingestion",
    );
  }
}

/** The two ingestion events for one request: the trace (envelope) and the generation (the LLM call). */
export function langfuseEvents(payload: LoggingPayload): Record<string, unknown>[] {
  const timestamp = new Date(payload.end_time * 1000).toISOString();
  const traceId = payload.id;
  const failed = payload.status === "failure";
  const generation: Record<string, unknown> = {
    id: `${payload.id}-generation`,
    traceId,
    name: "chat",
    startTime: new Date(payload.start_time * 1000).toISOString(),
    endTime: timestamp,
    model: payload.model ?? payload.requested_model,
    usage: {
      input: payload.prompt_tokens,
      output: payload.completion_tokens,
      total: payload.total_tokens,
      unit: "TOKENS",
    },
    metadata: {
      request_id: payload.request_id,
      model_group: payload.model_group,
      model_id: payload.model_id,
      api_provider: payload.api_provider,
      attempts: payload.attempts,
      finish_reasons: payload.finish_reasons,
      ...payload.metadata,
    },
    level: failed ? "ERROR" : "DEFAULT",
  };
  if (payload.completion_start_time !== undefined)
    generation.completionStartTime = new Date(payload.completion_start_time * 1000).toISOString();
  if (payload.response_cost !== undefined) generation.costDetails = { total: payload.response_cost };
  if (payload.messages !== undefined) generation.input = payload.messages;
  if (payload.response !== undefined) generation.output = payload.response;
  if (payload.error_information !== undefined)
    generation.statusMessage = payload.error_information.error_message;
  const trace: Record<string, unknown> = {
    id: traceId,
    timestamp: new Date(payload.start_time * 1000).toISOString(),
    name: `switchboard ${payload.surface}`,
    metadata: { request_id: payload.request_id, trace_id: payload.trace_id },
    tags: payload.metadata.tags ?? [],
  };
  if (payload.metadata.user_api_key_user_id !== undefined)
    trace.userId = payload.metadata.user_api_key_user_id;
  return [
    { id: `${payload.id}-trace`, type: "trace-create", timestamp, body: trace },
    { id: `${payload.id}-generation-event`, type: "generation-create", timestamp, body: generation },
  ];
}

/** LiteLLM's `generic_api` callback: a JSON array of payloads POSTed to `GENERIC_LOGGER_ENDPOINT`. */
export class GenericApiSink implements LoggingSink {
  readonly name = "generic_api";
  constructor(private readonly settings: { endpoint: string; headers: Record<string, string> }) {}

  sendBatch(batch: readonly LoggingPayload[], signal: AbortSignal): Promise<void> {
    return postJson(this.settings.endpoint, this.settings.headers, batch, signal, "generic_api");
  }
}

/**
 * The hooks a custom callback module exports (a `.js`/`.mjs` file named in `callbacks`): each is optional and may
 * be async; a hook that throws has its batch retried like any failed delivery.
 */
export interface CustomCallbackModule {
  logSuccessEvent?(payload: LoggingPayload): unknown;
  logFailureEvent?(payload: LoggingPayload): unknown;
  logBatch?(batch: readonly LoggingPayload[]): unknown;
}

export class CustomModuleSink implements LoggingSink {
  constructor(
    readonly name: string,
    private readonly hooks: CustomCallbackModule,
  ) {}

  async sendBatch(batch: readonly LoggingPayload[]): Promise<void> {
    if (this.hooks.logBatch !== undefined) {
      await this.hooks.logBatch(batch);
      return;
    }
    for (const payload of batch) {
      if (payload.status === "success") await this.hooks.logSuccessEvent?.(payload);
      else await this.hooks.logFailureEvent?.(payload);
    }
  }
}

/** Loads a custom callback module (operator configuration, resolved against the config file's folder). */
export async function loadCustomModule(path: string, cwd: string): Promise<CustomModuleSink> {
  const resolved = path.startsWith("file:")
    ? path
    : pathToFileURL(new URL(path, pathToFileURL(`${cwd}/`)).pathname).href;
  const loaded: unknown = await import(resolved);
  const candidate = (loaded as { default?: unknown }).default ?? loaded;
  if (candidate === null || typeof candidate !== "object")
    throw new Error(`callback module '${path}' exports no hooks`);
  const hooks = candidate as Record<string, unknown>;
  const names = ["logSuccessEvent", "logFailureEvent", "logBatch"] as const;
  if (!names.some((name) => typeof hooks[name] === "function"))
    throw new Error(`callback module '${path}' exports none of ${names.join(", ")}`);
  return new CustomModuleSink(path, hooks as CustomCallbackModule);
}

/** Whether a configured callback name is a custom module path rather than a built-in integration. */
export function isModulePath(name: string): boolean {
  return /\.(m?js|cjs|ts|mts)$/.test(name);
}
