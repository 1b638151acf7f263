import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { RequestTracer } from "./request-tracer.js";

/**
 * When tracing is on, and where spans go: the standard OTel variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `…_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_TRACES_SAMPLER[_ARG]`, `OTEL_BSP_*`, `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER=none`) are read by the SDK
 * itself; LiteLLM's `callbacks: ["otel"]` turns tracing on, and its `OTEL_ENDPOINT` / `OTEL_HEADERS` are read when
 * the standard ones are absent.
 */
export interface TracingSettings {
  /** `callbacks` (or success/failure callbacks) named `otel` / `opentelemetry`. */
  requestedByConfig: boolean;
  /** Prompt and completion content on spans (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`), unless
   * `turn_off_message_logging` forbids it. */
  captureContent: boolean;
}

export interface Tracing {
  tracer: RequestTracer;
  /** Exports what is buffered (SIGTERM) and stops. */
  shutdown(): Promise<void>;
}

/** Whether the environment alone asks for traces (an OTLP endpoint set, the SDK not disabled). */
export function tracingWanted(settings: TracingSettings, env: NodeJS.ProcessEnv = process.env): boolean {
  if (isTrue(env.OTEL_SDK_DISABLED)) return false;
  if (env.OTEL_TRACES_EXPORTER !== undefined && env.OTEL_TRACES_EXPORTER.trim().toLowerCase() === "none")
    return false;
  return (
    settings.requestedByConfig ||
    nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ||
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

/**
 * The tracer provider (no global registration, no auto-instrumentation: spans are made only by RequestTracer),
 * exporting OTLP/HTTP JSON through a BatchSpanProcessor, off the request path. Undefined when not wanted.
 */
export function startTracing(
  settings: TracingSettings,
  env: NodeJS.ProcessEnv = process.env,
): Tracing | undefined {
  if (!tracingWanted(settings, env)) return undefined;
  const exporter = new OTLPTraceExporter(litellmExporterConfig(env));
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "switchboard" }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer("switchboard");
  return {
    tracer: new RequestTracer(tracer, { captureContent: settings.captureContent }),
    async shutdown() {
      await provider.forceFlush().catch(() => undefined);
      await provider.shutdown().catch(() => undefined);
    },
  };
}

/** LiteLLM's own variables, used only when the standard ones are absent. */
function litellmExporterConfig(env: NodeJS.ProcessEnv): { url?: string; headers?: Record<string, string> } {
  const config: { url?: string; headers?: Record<string, string> } = {};
  const standard =
    nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) || nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const endpoint = env.OTEL_ENDPOINT?.trim();
  if (!standard && endpoint !== undefined && endpoint !== "") {
    const url = new URL(endpoint);
    config.url = url.pathname === "/" ? new URL("/v1/traces", url).toString() : url.toString();
  }
  if (env.OTEL_EXPORTER_OTLP_HEADERS === undefined && env.OTEL_EXPORTER_OTLP_TRACES_HEADERS === undefined) {
    const headers = parseHeaderList(env.OTEL_HEADERS);
    if (headers !== undefined) config.headers = headers;
  }
  return config;
}

/** `name=value,name2=value2` (the OTel header list format; values may be URL-encoded). */
function parseHeaderList(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const headers: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === "true";
}
