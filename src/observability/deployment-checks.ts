import { randomUUID } from "node:crypto";
import type { EmbedRequest } from "../core/embeddings/embed-types.js";
import { toGatewayError } from "../core/errors/gateway-error.js";
import type { ChatRequest } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import { DEFAULT_ATTEMPT_LIMITS } from "../core/types/provider.js";
import { scrubSecrets } from "../shared/secret-scrubber.js";

/** What the checker calls: one attempt on one named deployment, no router (each deployment is asked itself). */
export interface DeploymentProbe {
  complete(
    deployment: Deployment,
    request: ChatRequest,
    requestId: string,
    signal: AbortSignal,
    limits: typeof DEFAULT_ATTEMPT_LIMITS,
  ): Promise<unknown>;
  embed(
    deployment: Deployment,
    request: EmbedRequest,
    requestId: string,
    signal: AbortSignal,
    limits: typeof DEFAULT_ATTEMPT_LIMITS,
  ): Promise<unknown>;
}

export interface DeploymentChecksOptions {
  deployments: readonly Deployment[];
  probe: DeploymentProbe;
  /** Chat (one output token) or embeddings (one short input) for this deployment. */
  kindOf: (deployment: Deployment) => "chat" | "embedding";
  /** Per check, ms (default 15 s). */
  timeoutMs?: number;
  /** Checks in flight at once (default 4). */
  concurrency?: number;
}

/** One deployment in LiteLLM's `/health` shape (never its credentials). */
export interface EndpointReport {
  model: string;
  model_group: string;
  deployment_id: string;
  provider: string;
  api_base?: string;
  mode: "chat" | "embedding";
  latency_ms: number;
  error?: string;
}

export interface HealthReport {
  healthy_endpoints: EndpointReport[];
  unhealthy_endpoints: EndpointReport[];
  healthy_count: number;
  unhealthy_count: number;
  /** Deployments not asked: wildcard groups (`openai/*`) name no model to ask. */
  skipped: { model_group: string; deployment_id: string; reason: string }[];
}

/**
 * LiteLLM's `GET /health`: each deployment asked with the smallest real request (chat: one token of output;
 * embeddings: one short input), on demand only — never on a timer, since every check spends tokens. Checks run a
 * few at a time with a timeout each; an error is reported by its scrubbed message, never with a credential.
 */
export class DeploymentChecks {
  constructor(private readonly options: DeploymentChecksOptions) {}

  async check(modelGroup?: string): Promise<HealthReport> {
    const report: HealthReport = {
      healthy_endpoints: [],
      unhealthy_endpoints: [],
      healthy_count: 0,
      unhealthy_count: 0,
      skipped: [],
    };
    const targets = this.options.deployments.filter(
      (deployment) => modelGroup === undefined || deployment.modelName === modelGroup,
    );
    const queue: Deployment[] = [];
    for (const deployment of targets) {
      if (deployment.model.includes("*")) {
        report.skipped.push({
          model_group: deployment.modelName,
          deployment_id: deployment.id,
          reason: "a wildcard deployment names no model to ask",
        });
      } else queue.push(deployment);
    }
    const results: EndpointReport[] = [];
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        results.push(await this.checkOne(next));
      }
    };
    const concurrency = Math.max(1, Math.min(this.options.concurrency ?? 4, queue.length));
    await Promise.all(Array.from({ length: concurrency }, worker));
    results.sort((a, b) => a.deployment_id.localeCompare(b.deployment_id));
    for (const endpoint of results) {
      if (endpoint.error === undefined) report.healthy_endpoints.push(endpoint);
      else report.unhealthy_endpoints.push(endpoint);
    }
    report.healthy_count = report.healthy_endpoints.length;
    report.unhealthy_count = report.unhealthy_endpoints.length;
    return report;
  }

  private async checkOne(deployment: Deployment): Promise<EndpointReport> {
    const mode = this.options.kindOf(deployment);
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    const requestId = `health-${randomUUID()}`;
    const startedAt = performance.now();
    const base: Omit<EndpointReport, "latency_ms"> = {
      model: `${deployment.provider}/${deployment.model}`,
      model_group: deployment.modelName,
      deployment_id: deployment.id,
      provider: deployment.provider,
      mode,
      ...(deployment.params.apiBase !== undefined
        ? { api_base: displayBase(deployment.params.apiBase) }
        : {}),
    };
    try {
      if (mode === "embedding") {
        await this.options.probe.embed(
          deployment,
          { model: deployment.modelName, input: { kind: "text", texts: ["ping"] } },
          requestId,
          signal,
          DEFAULT_ATTEMPT_LIMITS,
        );
      } else {
        await this.options.probe.complete(
          deployment,
          {
            model: deployment.modelName,
            messages: [{ role: "user", content: "ping" }],
            maxTokens: 1,
          },
          requestId,
          signal,
          DEFAULT_ATTEMPT_LIMITS,
        );
      }
      return { ...base, latency_ms: Math.round(performance.now() - startedAt) };
    } catch (error) {
      const failure = signal.aborted ? "The check timed out." : toGatewayError(error).message;
      return {
        ...base,
        latency_ms: Math.round(performance.now() - startedAt),
        error: scrubSecrets(failure).slice(0, 500),
      };
    }
  }
}

/** The base URL without user info, query or fragment: where, not how to get in. */
function displayBase(apiBase: string): string {
  try {
    const url = new URL(apiBase);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable)";
  }
}
