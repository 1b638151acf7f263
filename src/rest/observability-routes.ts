import { queryParams, sendJson } from "./http-io.js";
import type { RestContext, RestRoute } from "./rest-shim.js";

/** What `GET /metrics` serves (src/observability/metrics.ts implements it; the edge only renders). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/** What `GET /health/readiness` asks (src/observability/readiness.ts). */
export interface ReadinessSource {
  check(): Promise<{ httpStatus: 200 | 503; body: Record<string, unknown> }>;
}

/** `GET /metrics`: the Prometheus text exposition. Who may read it is the authorization matrix's (or config's) call. */
export function metricsRoute(metrics: MetricsSource): RestRoute {
  return {
    method: "GET",
    path: "/metrics",
    access: "authenticated",
    handler: async (context: RestContext) => {
      const text = await metrics.render();
      context.response.writeHead(200, {
        "content-type": metrics.contentType,
        "cache-control": "no-store",
        "content-length": Buffer.byteLength(text),
      });
      context.response.end(text);
      return 200;
    },
  };
}

/**
 * `GET /health/readiness`: 503 while shutting down (no I/O), else the dependency report. Liveness stays I/O-free.
 */
export function readinessHandler(readiness: ReadinessSource | undefined) {
  return async (context: RestContext): Promise<number> => {
    if (!context.deps.health.ready) {
      sendJson(context.response, 503, { status: "shutting_down" });
      return 503;
    }
    if (readiness === undefined) {
      sendJson(context.response, 200, { status: "healthy" });
      return 200;
    }
    const report = await readiness.check();
    // Shutdown may have begun while the probes ran.
    const status = context.deps.health.ready ? report.httpStatus : 503;
    sendJson(context.response, status, context.deps.health.ready ? report.body : { status: "shutting_down" });
    return status;
  };
}

/** What `GET /health` asks (src/observability/deployment-checks.ts): every deployment, or one model group's. */
export interface DeploymentHealthSource {
  check(modelGroup?: string): Promise<unknown>;
}

/**
 * `GET /health` (admin): LiteLLM's deployment check, on demand — each deployment asked with the smallest real
 * request. `?model=<group>` checks one group. Spends a few tokens per deployment, so never on a timer.
 */
export function deploymentHealthRoute(checks: DeploymentHealthSource): RestRoute {
  return {
    method: "GET",
    path: "/health",
    access: "authenticated",
    handler: async (context: RestContext) => {
      const model = queryParams(context.request).get("model") ?? undefined;
      sendJson(context.response, 200, await checks.check(model === "" ? undefined : model), {
        "cache-control": "no-store",
      });
      return 200;
    },
  };
}
