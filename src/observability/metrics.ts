import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { RequestEnd, RequestObserver, RequestSurface } from "../core/chat/request-observer.js";
import type { ErrorKind } from "../core/errors/error-kind.js";
import type { Attempt } from "../core/types/routing.js";
import { BoundedLabel, ChildCache, OTHER } from "./label-cache.js";

/** Seconds; from a cache hit (5 ms) to a long reasoning call (5 min). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** A deployment's routing state as the metrics show it: 0 healthy, 1 half-open, 2 cooling down (LiteLLM's scale). */
export interface DeploymentHealth {
  deployment: string;
  modelGroup: string;
  provider: string;
  model: string;
  state: 0 | 1 | 2;
}

export interface GatewayMetricsOptions {
  /** Also export LiteLLM's metric names (`litellm_*`) for existing dashboards. Default false. */
  litellmNames?: boolean;
  /** Distinct model groups (and provider model names) kept as label values before `other`. Default 100. */
  maxModelLabels?: number;
  /** Distinct deployment ids kept as label values before `other`. Default 500. */
  maxDeploymentLabels?: number;
  /** Node.js process metrics (CPU, memory, event loop lag, GC) on this registry. Default true. */
  processMetrics?: boolean;
}

/** Sources read at scrape time only (never on the request path). */
export interface ScrapeSources {
  deployments?: () => Promise<readonly DeploymentHealth[]>;
  /** Usage rows written to the journal and not yet in the database. */
  journalDepth?: () => number;
}

type Inc = { inc(value?: number): void };
type Observe = { observe(value: number): void };
type Level = { inc(value?: number): void; dec(value?: number): void };

/**
 * The gateway's Prometheus metrics: a registry owned by one app (never prom-client's global one, so several
 * gateways can run in one process), fed by the core through the RequestObserver port. Label sets are bounded:
 * surface and error kind are closed sets, deployment ids come from the config, model names pass a cap. Keys,
 * teams and users are never labels here; secrets cannot reach a label.
 */
export class GatewayMetrics implements RequestObserver {
  readonly registry = new Registry();
  private readonly modelGroups: BoundedLabel;
  private readonly models: BoundedLabel;
  private readonly deploymentIds: BoundedLabel;

  private readonly requests: ChildCache<Inc>;
  private readonly inFlight: ChildCache<Level>;
  private readonly duration: ChildCache<Observe>;
  private readonly ttft: ChildCache<Observe>;
  private readonly attempts: ChildCache<Inc>;
  private readonly upstreamLatency: ChildCache<Observe>;
  private readonly retries: ChildCache<Inc>;
  private readonly fallbacks: ChildCache<Inc>;
  private readonly refusals: ChildCache<Inc>;
  private readonly tokens: ChildCache<Inc>;
  private readonly cost: ChildCache<Inc>;
  private readonly litellm: LitellmSeries | undefined;

  constructor(options: GatewayMetricsOptions = {}, sources: ScrapeSources = {}) {
    const registers = [this.registry];
    this.modelGroups = new BoundedLabel(options.maxModelLabels ?? 100);
    this.models = new BoundedLabel(options.maxModelLabels ?? 100);
    this.deploymentIds = new BoundedLabel(options.maxDeploymentLabels ?? 500);
    const counter = (name: string, help: string, labelNames: string[]) => {
      const metric = new Counter({ name, help, labelNames, registers });
      return new ChildCache<Inc>(labelNames.length, (values) => metric.labels(...values));
    };
    const histogram = (name: string, help: string, labelNames: string[]) => {
      const metric = new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers });
      return new ChildCache<Observe>(labelNames.length, (values) => metric.labels(...values));
    };
    this.requests = counter(
      "switchboard_requests_total",
      "Requests that reached the gateway's core, by how they ended.",
      ["surface", "model_group", "stream", "status_class", "error_kind"],
    );
    const inFlight = new Gauge({
      name: "switchboard_requests_in_flight",
      help: "Requests being served now.",
      labelNames: ["surface"],
      registers,
    });
    this.inFlight = new ChildCache<Level>(1, (values) => inFlight.labels(...values));
    this.duration = histogram(
      "switchboard_request_duration_seconds",
      "Time from the request reaching the core to its end (a stream's last event).",
      ["surface", "model_group", "status_class"],
    );
    this.ttft = histogram(
      "switchboard_time_to_first_token_seconds",
      "Streams: time from the request reaching the core to the first content from upstream.",
      ["surface", "model_group"],
    );
    this.attempts = counter(
      "switchboard_upstream_attempts_total",
      "Calls to deployments, by why they were made and how they ended.",
      ["model_group", "deployment", "provider", "reason", "outcome"],
    );
    this.upstreamLatency = histogram(
      "switchboard_upstream_latency_seconds",
      "Duration of each upstream attempt (unary: the whole call; stream: until it committed or failed).",
      ["model_group", "deployment", "provider", "result"],
    );
    this.retries = counter(
      "switchboard_retries_total",
      "Attempts that retried a deployment of the same model group.",
      ["model_group", "deployment"],
    );
    this.fallbacks = counter(
      "switchboard_fallbacks_total",
      "Attempts on a fallback model group, by the group fallen back to and the kind of fallback.",
      ["model_group", "reason"],
    );
    this.refusals = counter(
      "switchboard_limit_refusals_total",
      "Requests refused by a key's or team's rate limit or budget.",
      ["kind", "limit"],
    );
    this.tokens = counter(
      "switchboard_tokens_total",
      "Tokens billed, by type (cached_input and reasoning are included in input and output).",
      ["model_group", "deployment", "provider", "type"],
    );
    this.cost = counter("switchboard_cost_usd_total", "Cost of served requests, US dollars.", [
      "model_group",
      "deployment",
      "provider",
    ]);
    if (sources.deployments !== undefined) {
      const read = sources.deployments;
      const ids = this.deploymentIds;
      const withLitellm = options.litellmNames === true;
      new Gauge({
        name: "switchboard_deployment_state",
        help: "Routing state of each deployment: 0 healthy, 1 half-open (probing), 2 cooling down.",
        labelNames: ["deployment", "model_group", "provider"],
        registers,
        async collect() {
          this.reset();
          for (const entry of await read())
            this.set(
              {
                deployment: ids.value(entry.deployment),
                model_group: entry.modelGroup,
                provider: entry.provider,
              },
              entry.state,
            );
        },
      });
      if (withLitellm)
        new Gauge({
          name: "litellm_deployment_state",
          help: "LiteLLM name: the state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage.",
          labelNames: ["litellm_model_name", "model_id", "api_provider"],
          registers,
          async collect() {
            this.reset();
            for (const entry of await read())
              this.set(
                {
                  litellm_model_name: entry.model,
                  model_id: ids.value(entry.deployment),
                  api_provider: entry.provider,
                },
                entry.state,
              );
          },
        });
    }
    if (sources.journalDepth !== undefined) {
      const depth = sources.journalDepth;
      new Gauge({
        name: "switchboard_ledger_journal_depth",
        help: "Usage rows journaled on disk and not yet written to the database.",
        registers,
        collect() {
          this.set(depth());
        },
      });
    }
    this.litellm = options.litellmNames === true ? new LitellmSeries(registers) : undefined;
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition for `GET /metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onStart(surface: RequestSurface): void {
    this.inFlight.get(surface).inc();
  }

  readonly onAttempt = (attempt: Attempt): void => {
    if (attempt.skipped !== undefined) return;
    const group = this.modelGroups.value(attempt.modelGroup);
    const deployment = this.deploymentIds.value(attempt.deployment);
    const reason = attempt.reason ?? "primary";
    this.attempts.get(group, deployment, attempt.provider, reason, attempt.outcome).inc();
    const seconds = attempt.latencyMs / 1000;
    this.upstreamLatency
      .get(group, deployment, attempt.provider, attempt.outcome === "ok" ? "ok" : "error")
      .observe(seconds);
    if (reason === "retry") this.retries.get(group, deployment).inc();
    else if (
      reason === "fallback" ||
      reason === "context_window_fallback" ||
      reason === "content_policy_fallback"
    )
      this.fallbacks.get(group, reason).inc();
    this.litellm?.attempt(attempt, this.models.value(attempt.model), deployment, seconds);
  };

  onEnd(end: RequestEnd): void {
    const surface = end.surface;
    this.inFlight.get(surface).dec();
    const group = end.modelGroup === undefined ? "unknown" : this.modelGroups.value(end.modelGroup);
    const kind = end.error?.kind;
    const status = kind === undefined ? 200 : statusOf(kind);
    const statusClass = STATUS_CLASS[Math.floor(status / 100)] ?? "5xx";
    this.requests.get(surface, group, end.stream ? "true" : "false", statusClass, kind ?? "none").inc();
    const seconds = (end.endedAt - end.startedAt) / 1000;
    this.duration.get(surface, group, statusClass).observe(seconds);
    const ttft = end.firstTokenAt === undefined ? undefined : (end.firstTokenAt - end.startedAt) / 1000;
    if (ttft !== undefined) this.ttft.get(surface, group).observe(ttft);
    if (kind === "rate_limited" || kind === "budget_exceeded") {
      const metric = end.error?.limit?.metric;
      this.refusals.get(kind, metric !== undefined && LIMIT_METRICS.has(metric) ? metric : OTHER).inc();
    }
    const routing = end.routing;
    const usage = end.usage;
    let servedGroup = group;
    let model = "unknown";
    if (routing !== undefined) {
      servedGroup = this.modelGroups.value(routing.modelGroup);
      model = this.models.value(routing.model);
      const deployment = this.deploymentIds.value(routing.deployment);
      if (usage !== undefined) {
        const tokens = this.tokens;
        const provider = routing.provider;
        if (usage.promptTokens > 0)
          tokens.get(servedGroup, deployment, provider, "input").inc(usage.promptTokens);
        if (usage.completionTokens > 0)
          tokens.get(servedGroup, deployment, provider, "output").inc(usage.completionTokens);
        if (usage.cachedPromptTokens !== undefined && usage.cachedPromptTokens > 0)
          tokens.get(servedGroup, deployment, provider, "cached_input").inc(usage.cachedPromptTokens);
        if (usage.reasoningTokens !== undefined && usage.reasoningTokens > 0)
          tokens.get(servedGroup, deployment, provider, "reasoning").inc(usage.reasoningTokens);
      }
      if (end.costUsd !== undefined && end.costUsd > 0)
        this.cost.get(servedGroup, deployment, routing.provider).inc(end.costUsd);
    }
    this.litellm?.end(group, model, status, kind, seconds, ttft, usage, end.costUsd);
  }
}

const STATUS_CLASS: Record<number, string> = { 2: "2xx", 4: "4xx", 5: "5xx" };
const LIMIT_METRICS = new Set(["requests", "tokens", "dollars", "parallel"]);

/** The HTTP status each kind renders to on the REST edge (src/rest/openai-error.ts), for the status label. */
export function statusOf(kind: ErrorKind): number {
  switch (kind) {
    case "invalid_request":
    case "unsupported_parameter":
    case "upstream_bad_request":
    case "context_window_exceeded":
    case "content_policy":
    case "guardrail_violation":
      return 400;
    case "authentication":
      return 401;
    case "permission_denied":
      return 403;
    case "not_found":
    case "model_not_found":
      return 404;
    case "conflict":
      return 409;
    case "payload_too_large":
      return 413;
    case "rate_limited":
    case "budget_exceeded":
    case "upstream_rate_limited":
      return 429;
    case "cancelled":
      return 499;
    case "internal":
      return 500;
    case "upstream_auth":
    case "connection_error":
    case "upstream_protocol":
      return 502;
    case "upstream_unavailable":
    case "unavailable":
      return 503;
    case "timeout":
      return 504;
  }
}

/**
 * LiteLLM's metric names (litellm/integrations/prometheus.py) for the series that mean the same, with LiteLLM's
 * label names where the value is the same; key, team and user labels are left out. Counters carry the `_total`
 * suffix LiteLLM's Python client exposes, so dashboards' queries match.
 */
class LitellmSeries {
  private readonly totalRequests: ChildCache<Inc>;
  private readonly failedRequests: ChildCache<Inc>;
  private readonly totalLatency: ChildCache<Observe>;
  private readonly apiLatency: ChildCache<Observe>;
  private readonly ttft: ChildCache<Observe>;
  private readonly spend: ChildCache<Inc>;
  private readonly inputTokens: ChildCache<Inc>;
  private readonly outputTokens: ChildCache<Inc>;
  private readonly totalTokens: ChildCache<Inc>;
  private readonly deploymentTotal: ChildCache<Inc>;
  private readonly deploymentSuccess: ChildCache<Inc>;
  private readonly deploymentFailure: ChildCache<Inc>;

  constructor(registers: Registry[]) {
    const counter = (name: string, help: string, labelNames: string[]) => {
      const metric = new Counter({ name, help, labelNames, registers });
      return new ChildCache<Inc>(labelNames.length, (values) => metric.labels(...values));
    };
    const histogram = (name: string, help: string, labelNames: string[]) => {
      const metric = new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers });
      return new ChildCache<Observe>(labelNames.length, (values) => metric.labels(...values));
    };
    this.totalRequests = counter(
      "litellm_proxy_total_requests_metric_total",
      "LiteLLM name: total number of requests made to the proxy server.",
      ["requested_model", "status_code"],
    );
    this.failedRequests = counter(
      "litellm_proxy_failed_requests_metric_total",
      "LiteLLM name: failed responses from the proxy.",
      ["requested_model", "exception_status", "exception_class"],
    );
    this.totalLatency = histogram(
      "litellm_request_total_latency_metric",
      "LiteLLM name: total latency (seconds) for a request.",
      ["requested_model", "model"],
    );
    this.apiLatency = histogram(
      "litellm_llm_api_latency_metric",
      "LiteLLM name: latency (seconds) of one LLM API call.",
      ["model", "model_id", "api_provider"],
    );
    this.ttft = histogram(
      "litellm_llm_api_time_to_first_token_metric",
      "LiteLLM name: time to first token (seconds).",
      ["model"],
    );
    this.spend = counter("litellm_spend_metric_total", "LiteLLM name: total spend on LLM requests (USD).", [
      "model",
      "requested_model",
    ]);
    this.inputTokens = counter("litellm_input_tokens_metric_total", "LiteLLM name: input tokens.", [
      "model",
      "requested_model",
    ]);
    this.outputTokens = counter("litellm_output_tokens_metric_total", "LiteLLM name: output tokens.", [
      "model",
      "requested_model",
    ]);
    this.totalTokens = counter("litellm_total_tokens_metric_total", "LiteLLM name: input + output tokens.", [
      "model",
      "requested_model",
    ]);
    const deploymentLabels = ["litellm_model_name", "model_id", "api_provider"];
    this.deploymentTotal = counter(
      "litellm_deployment_total_requests_total",
      "LiteLLM name: LLM API calls, success + failure.",
      deploymentLabels,
    );
    this.deploymentSuccess = counter(
      "litellm_deployment_success_responses_total",
      "LiteLLM name: successful LLM API calls.",
      deploymentLabels,
    );
    this.deploymentFailure = counter(
      "litellm_deployment_failure_responses_total",
      "LiteLLM name: failed LLM API calls.",
      [...deploymentLabels, "exception_status"],
    );
  }

  attempt(attempt: Attempt, model: string, deployment: string, seconds: number): void {
    this.apiLatency.get(model, deployment, attempt.provider).observe(seconds);
    this.deploymentTotal.get(model, deployment, attempt.provider).inc();
    if (attempt.outcome === "ok") this.deploymentSuccess.get(model, deployment, attempt.provider).inc();
    else
      this.deploymentFailure
        .get(model, deployment, attempt.provider, String(statusOf(attempt.outcome)))
        .inc();
  }

  end(
    group: string,
    model: string,
    status: number,
    kind: ErrorKind | undefined,
    seconds: number,
    ttft: number | undefined,
    usage: RequestEnd["usage"],
    costUsd: number | undefined,
  ): void {
    const code = String(status);
    this.totalRequests.get(group, code).inc();
    if (kind !== undefined) this.failedRequests.get(group, code, kind).inc();
    this.totalLatency.get(group, model).observe(seconds);
    if (ttft !== undefined) this.ttft.get(model).observe(ttft);
    if (usage !== undefined) {
      this.inputTokens.get(model, group).inc(usage.promptTokens);
      this.outputTokens.get(model, group).inc(usage.completionTokens);
      this.totalTokens.get(model, group).inc(usage.promptTokens + usage.completionTokens);
    }
    if (costUsd !== undefined && costUsd > 0) this.spend.get(model, group).inc(costUsd);
  }
}
