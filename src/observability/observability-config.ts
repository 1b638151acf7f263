import type { ObservabilitySettings } from "../config/observability-settings.js";
import { registerSecrets } from "../shared/secret-scrubber.js";
import { ALERT_TYPES, type AlerterOptions, type AlertType } from "./alerts/alerter.js";
import type { DeliveryQueueOptions } from "./callbacks/delivery-queue.js";
import type { CallbackRoute } from "./callbacks/logging-callbacks.js";
import { GenericApiSink, LangfuseSink, type LoggingSink, loadCustomModule } from "./callbacks/sinks.js";
import type { TracingSettings } from "./tracing/tracing-setup.js";

/** What startApp builds besides metrics: the tracer, the logging callbacks and the alerter (each optional). */
export interface FollowerOptions {
  tracing?: TracingSettings;
  callbacks?: {
    routes: CallbackRoute[];
    logMessages: boolean;
    queue?: Omit<DeliveryQueueOptions, "onDelivered" | "onDropped" | "onFailure">;
  };
  alerting?: Omit<AlerterOptions, "registry" | "sources">;
}

/**
 * The config's observability settings with their credentials from the environment, as LiteLLM reads them:
 * LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY / LANGFUSE_HOST (default https://cloud.langfuse.com),
 * GENERIC_LOGGER_ENDPOINT / GENERIC_LOGGER_HEADERS, SLACK_WEBHOOK_URL. A callback whose variables are missing is a
 * startup error (a migrating team must not silently lose its logs); custom modules are loaded here, relative to
 * `cwd` (the config file's folder).
 */
export async function followersFromConfig(
  settings: ObservabilitySettings,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<FollowerOptions> {
  const options: FollowerOptions = {
    tracing: {
      requestedByConfig: settings.otel,
      captureContent:
        !settings.turnOffMessageLogging &&
        env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === "true",
    },
  };
  // Callback and alert credentials are secrets like any other: never in a log, span, payload or alert.
  registerSecrets([
    env.LANGFUSE_SECRET_KEY,
    env.SLACK_WEBHOOK_URL,
    ...Object.values(headerList(env.GENERIC_LOGGER_HEADERS)),
    ...Object.values(headerList(env.OTEL_EXPORTER_OTLP_HEADERS)),
    ...Object.values(headerList(env.OTEL_HEADERS)),
  ]);
  const routes: CallbackRoute[] = [];
  for (const callback of settings.callbacks) {
    let sink: LoggingSink;
    if (callback.name === "langfuse") {
      const publicKey = required(env, "LANGFUSE_PUBLIC_KEY", "langfuse");
      const secretKey = required(env, "LANGFUSE_SECRET_KEY", "langfuse");
      const host = env.LANGFUSE_HOST?.trim() || "https://cloud.langfuse.com";
      sink = new LangfuseSink({ publicKey, secretKey, host: httpUrl(host, "LANGFUSE_HOST") });
    } else if (callback.name === "generic_api") {
      const endpoint = httpUrl(
        required(env, "GENERIC_LOGGER_ENDPOINT", "generic_api"),
        "GENERIC_LOGGER_ENDPOINT",
      );
      sink = new GenericApiSink({ endpoint, headers: headerList(env.GENERIC_LOGGER_HEADERS) });
    } else sink = await loadCustomModule(callback.name, cwd);
    routes.push({ sink, onSuccess: callback.onSuccess, onFailure: callback.onFailure });
  }
  if (routes.length > 0) options.callbacks = { routes, logMessages: !settings.turnOffMessageLogging };
  if (settings.slackAlerting) {
    const webhookUrl = httpUrl(required(env, "SLACK_WEBHOOK_URL", "alerting: [slack]"), "SLACK_WEBHOOK_URL");
    const args = settings.alertingArgs;
    const alerting: FollowerOptions["alerting"] = { webhookUrl };
    if (settings.alertTypes !== undefined)
      alerting.alertTypes = settings.alertTypes.filter((type): type is AlertType =>
        (ALERT_TYPES as readonly string[]).includes(type),
      );
    if (settings.alertingThresholdSeconds !== undefined)
      alerting.slowRequestSeconds = settings.alertingThresholdSeconds;
    // LiteLLM's names where they exist (seconds), then Switchboard's.
    if (args.outage_alert_ttl !== undefined) alerting.dedupMs = args.outage_alert_ttl * 1000;
    if (args.budget_alert_ttl !== undefined) alerting.budgetDedupMs = args.budget_alert_ttl * 1000;
    if (args.max_alerts_per_minute !== undefined) alerting.maxPerMinute = args.max_alerts_per_minute;
    if (args.error_rate_threshold !== undefined) alerting.errorRateThreshold = args.error_rate_threshold;
    if (args.error_rate_min_attempts !== undefined)
      alerting.errorRateMinAttempts = args.error_rate_min_attempts;
    if (args.error_rate_window_seconds !== undefined)
      alerting.errorRateWindowMs = args.error_rate_window_seconds * 1000;
    if (args.journal_depth_threshold !== undefined)
      alerting.journalDepthThreshold = args.journal_depth_threshold;
    options.alerting = alerting;
  }
  return options;
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === "") throw new Error(`${what} is configured but ${name} is not set`);
  return value;
}

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`${name} must be an http(s) URL`);
  return url.toString();
}

/** `name=value,name2=value2` (LiteLLM's GENERIC_LOGGER_HEADERS); a JSON object is accepted too. */
export function headerList(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (text === undefined || text.trim() === "") return headers;
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed !== null && typeof parsed === "object")
      for (const [name, value] of Object.entries(parsed))
        if (typeof value === "string") headers[name] = value;
    return headers;
  }
  for (const pair of trimmed.split(",")) {
    const at = pair.indexOf("=");
    if (at > 0) headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return headers;
}
