import type { ConnectRouter } from "@connectrpc/connect";
import { ChatService } from "../gen/switchboard/v1/chat_service_pb.js";
import { EmbeddingsService } from "../gen/switchboard/v1/embeddings_service_pb.js";
import { type Authenticator, MasterKeyAuthenticator } from "./auth/authenticator.js";
import { createResponseCache, type ResponseCacheSettings } from "./cache/index.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { authorizationInterceptor } from "./connect/authorization-interceptor.js";
import { createChatService, type DeploymentStatusView } from "./connect/chat-service.js";
import { rewriteDecodeErrors } from "./connect/decode-errors.js";
import { createEmbeddingsService } from "./connect/embeddings-service.js";
import { authAndLogInterceptor } from "./connect/interceptors.js";
import { createUnaryFastPath } from "./connect/unary-fast-path.js";
import { ConfiguredModelCatalog, type ModelCatalog } from "./core/catalog/model-catalog.js";
import { ChatGateway } from "./core/chat/chat-gateway.js";
import type { DeploymentFacts } from "./core/chat/dispatcher.js";
import type { Guardrails } from "./core/chat/guardrail-port.js";
import type { Metering } from "./core/chat/metering.js";
import { EmbeddingsGateway } from "./core/embeddings/embeddings-gateway.js";
import { moderationOperation } from "./core/moderations/moderation-operation.js";
import { OperationGateway, type OperationGatewayOptions } from "./core/operations/operation-gateway.js";
import { rerankOperation } from "./core/rerank/rerank-operation.js";
import type { Deployment } from "./core/types/deployment.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { Alerter } from "./observability/alerts/alerter.js";
import { LoggingCallbacks } from "./observability/callbacks/logging-callbacks.js";
import { DeploymentChecks } from "./observability/deployment-checks.js";
import {
  type DeploymentHealth,
  GatewayMetrics,
  type GatewayMetricsOptions,
} from "./observability/metrics.js";
import type { FollowerOptions } from "./observability/observability-config.js";
import { composeObserver } from "./observability/observer-hub.js";
import { Readiness, type ReadinessOptions } from "./observability/readiness.js";
import { startTracing } from "./observability/tracing/tracing-setup.js";
import { ProviderInvoker } from "./providers/provider-invoker.js";
import { getProvider } from "./providers/registry.js";
import { UpstreamExecutor } from "./providers/shared/execute.js";
import { DEFAULT_RESPONSE_RETENTION_DAYS, type ResponseStore } from "./responses/response-store.js";
import { SqlResponseStore } from "./responses/sql-response-store.js";
import { consoleRoutes } from "./rest/console-routes.js";
import { modelInfoRoutes } from "./rest/model-info-routes.js";
import { deploymentHealthRoute, metricsRoute } from "./rest/observability-routes.js";
import { coreRestRoutes, type HealthState, type RestRoute, RestShim } from "./rest/rest-shim.js";
import { withMatrixAccess } from "./rest/route-access.js";
import { Router, type RouterOptions } from "./router/router.js";
import { MemoryStateStore } from "./router/state/memory-state-store.js";
import { RedisStateStore, type RedisStateStoreOptions } from "./router/state/redis-state-store.js";
import { ResilientStateStore } from "./router/state/resilient-state-store.js";
import type { RouterStateStore } from "./router/state/state-store.js";
import { type ConnectionLimits, type RunningServer, startServer } from "./server.js";
import { registerSecrets, secretsIn, secretsInEnv } from "./shared/secret-scrubber.js";
import { type GatewayDatabase, openDatabase } from "./store/database.js";
import type { PriceTable } from "./usage/price-table.js";

/** Router options, plus where its shared state lives (the store is built here, at the composition root). */
export type RouterSettings = Partial<RouterOptions> & {
  /** Share deployment state through Redis (`REDIS_URL` / `router_settings.redis_*`), with a local fallback. */
  redis?: RedisStateStoreOptions;
  /** Told (besides the log) when routing falls back to local state because Redis fails, and when it is back. */
  onSharedStateChange?: (event: { shared: boolean; reason: string }) => void;
};

export interface AppOptions {
  deployments: Deployment[];
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  maxBodyBytes: number;
  /** SHA-256 of the master key and its display form. */
  masterKey: { hash: Buffer; display: string };
  router?: RouterSettings;
  /** The model catalog (main.ts shares one with usage); absent: built from deployments and router aliases. */
  catalog?: ModelCatalog;
  /** `litellm_settings.drop_params`: drop what a provider cannot take instead of a 400. */
  dropParams?: boolean;
  logger?: Logger;
  /** Replaces the master-key-only authenticator (virtual keys). */
  authenticator?: Authenticator;
  /** More REST routes and Connect services (admin surfaces of later issues). */
  extraRestRoutes?: RestRoute[];
  extraConnectRoutes?: (router: ConnectRouter) => void;
  onClose?: () => Promise<void>;
  /** Budgets, rate limits and the usage ledger (src/usage-module.ts); absent: nothing is metered. */
  metering?: Metering;
  /** The configured guardrails (src/guardrails, `createGuardrails`); absent: none run. */
  guardrails?: Guardrails;
  /** What one client connection may cost (src/server/connection-limits.ts); defaults for what is absent. */
  connectionLimits?: Partial<ConnectionLimits>;
  /**
   * The OpenAI Responses surface's conversation store (main.ts: a SqlResponseStore over the gateway's database)
   * and its retention; without a store, one in an in-memory SQLite database of this process.
   */
  responses?: { store?: ResponseStore; retentionDays?: number };
  /** Secrets beyond the deployments' credentials (the master key, connection-string passwords) to scrub. */
  secrets?: Iterable<string | undefined>;
  /** `GET /metrics` (on by default) and what `/health/readiness` checks (docs/observability.md). */
  observability?: ObservabilityOptions;
  /** The built admin console served at /ui (default: dist/console); false: no /ui routes. */
  console?: { dir?: string } | false;
  /** The response cache (`litellm_settings.cache: true`, docs/caching.md); absent: off. */
  cache?: ResponseCacheSettings;
}

export interface ObservabilityOptions {
  /** false: no `/metrics` route and no observer on the request path. */
  metrics?: false | (GatewayMetricsOptions & { auth?: "master_key" | "none" });
  /** Dependencies readiness probes; absent: readiness reports shutdown only. */
  readiness?: ReadinessOptions;
  /** Traces, logging callbacks and alerts (src/observability/observability-config.ts); absent: none. */
  followers?: FollowerOptions;
}

/**
 * Registers every secret the process holds with the scrubber (src/shared/secret-scrubber.ts): the deployments'
 * credentials, credential-named environment variables, and what the caller adds (master key, database and
 * Redis passwords). Idempotent; main.ts calls it as soon as the config is read, startApp again.
 */
export function registerConfiguredSecrets(
  deployments: readonly Deployment[],
  extra: Iterable<string | undefined> = [],
  env: Record<string, string | undefined> = process.env,
): void {
  registerSecrets([...secretsIn(deployments.map((deployment) => deployment.params)), ...secretsInEnv(env)]);
  registerSecrets(extra);
}

export interface App {
  server: RunningServer;
  url: string;
  logger: Logger;
  health: HealthState;
  /** Graceful stop: readiness false, stop accepting, drain in-flight up to `graceMs`, close upstream pools. */
  close(graceMs?: number): Promise<void>;
}

/** Wires config → dependencies → one server. main.ts and the tests both start the gateway through this. */
export async function startApp(options: AppOptions): Promise<App> {
  registerConfiguredSecrets(options.deployments, options.secrets);
  const logger = options.logger ?? createLogger();
  const executor = new UpstreamExecutor();
  const invoker = new ProviderInvoker(executor);
  const { redis, onSharedStateChange, ...routerOptions } = options.router ?? {};
  const catalog = options.catalog ?? catalogOf(options.deployments, routerOptions);
  const stateStore: RouterStateStore =
    routerOptions.stateStore ??
    (redis === undefined
      ? new MemoryStateStore()
      : new ResilientStateStore(new RedisStateStore(redis), {
          onStateChange: (event) => {
            if (event.shared)
              logger.info({ router: true }, `router state is shared through Redis again (${event.reason})`);
            else logger.warn({ router: true }, `router state falls back to this process: ${event.reason}`);
            onSharedStateChange?.(event);
          },
        }));
  const router = new Router(catalog, invoker, { ...routerOptions, stateStore });
  const observability = options.observability ?? {};
  const readiness =
    observability.readiness === undefined ? undefined : new Readiness(observability.readiness);
  const metricsOptions = observability.metrics === false ? undefined : (observability.metrics ?? {});
  const metrics =
    metricsOptions === undefined
      ? undefined
      : new GatewayMetrics(metricsOptions, {
          deployments: () => deploymentHealth(options.deployments, stateStore),
          ...(observability.readiness?.journalDepth !== undefined
            ? { journalDepth: observability.readiness.journalDepth }
            : {}),
        });
  const responseCache =
    options.cache === undefined
      ? undefined
      : createResponseCache(options.cache, {
          registry: metrics?.registry,
          onStoreStateChange: (event) => {
            if (event.available) logger.info({ cache: true }, `response cache: ${event.reason}`);
            else logger.warn({ cache: true }, `response cache bypassed, its store fails: ${event.reason}`);
          },
        });
  const followers = observability.followers ?? {};
  const tracing = followers.tracing === undefined ? undefined : startTracing(followers.tracing);
  const callbacks =
    followers.callbacks === undefined
      ? undefined
      : new LoggingCallbacks(followers.callbacks.routes, {
          logMessages: followers.callbacks.logMessages,
          ...(followers.callbacks.queue !== undefined ? { queue: followers.callbacks.queue } : {}),
          ...(metrics !== undefined ? { registry: metrics.registry } : {}),
          onFailure: (callback, error) =>
            logger.warn({ callback, error: String(error) }, "logging callback delivery failed; will retry"),
        });
  const alerter =
    followers.alerting === undefined
      ? undefined
      : new Alerter({
          ...followers.alerting,
          ...(metrics !== undefined ? { registry: metrics.registry } : {}),
          sources: {
            deployments: () => deploymentHealth(options.deployments, stateStore),
            ...(observability.readiness?.journalDepth !== undefined
              ? { journalDepth: observability.readiness.journalDepth }
              : {}),
          },
        });
  const observer = composeObserver({ metrics, tracer: tracing?.tracer, callbacks, alerter });
  const gateway = new ChatGateway(router, {
    catalog,
    dropParams: options.dropParams ?? false,
    tokenCounter: invoker,
    servesCompletions: (provider) => {
      const adapter = getProvider(provider);
      return adapter?.kind === "http" && adapter.completions !== undefined;
    },
    ...(options.metering !== undefined ? { metering: options.metering } : {}),
    ...(metrics !== undefined ? { observer: metrics } : {}),
    ...(options.guardrails !== undefined ? { guardrails: options.guardrails } : {}),
    ...(responseCache !== undefined ? { cache: responseCache.cache } : {}),
    ...(observer !== undefined ? { observer } : {}),
  });
  // Embeddings: the same router, catalog and metering as chat (core/embeddings).
  const embeddings = new EmbeddingsGateway(router, {
    catalog,
    servesEmbeddings,
    dropParams: options.dropParams ?? false,
    ...(options.metering !== undefined ? { metering: options.metering } : {}),
  });
  // Rerank and moderations: the same router, catalog and metering (core/operations).
  const operationOptions: OperationGatewayOptions = {
    catalog,
    dropParams: options.dropParams ?? false,
    ...(options.metering !== undefined ? { metering: options.metering } : {}),
  };
  const httpAdapter = (provider: string) => {
    const adapter = getProvider(provider);
    return adapter?.kind === "http" ? adapter : undefined;
  };
  const rerank = new OperationGateway(
    router,
    rerankOperation((provider) => httpAdapter(provider)?.rerank !== undefined, invoker.rerank.bind(invoker)),
    operationOptions,
  );
  const moderations = new OperationGateway(
    router,
    moderationOperation(
      (provider) => httpAdapter(provider)?.moderations !== undefined,
      invoker.moderate.bind(invoker),
    ),
    operationOptions,
  );
  const authenticator =
    options.authenticator ?? new MasterKeyAuthenticator(options.masterKey.hash, options.masterKey.display);
  const health: HealthState = { ready: true };
  const ownResponseDatabase =
    options.responses?.store === undefined ? await openDatabase({ sqlitePath: ":memory:" }) : undefined;
  const responses = {
    store: options.responses?.store ?? new SqlResponseStore((ownResponseDatabase as GatewayDatabase).db),
    retentionMs: (options.responses?.retentionDays ?? DEFAULT_RESPONSE_RETENTION_DAYS) * 86_400_000,
  };
  const rest = new RestShim(
    {
      gateway,
      embeddings,
      rerank,
      moderations,
      authenticator,
      logger,
      maxBodyBytes: options.maxBodyBytes,
      health,
      responses,
    },
    [
      // The authorization matrix (src/auth/access-matrix.ts) decides every route's access.
      ...withMatrixAccess([
        ...coreRestRoutes(readiness),
        deploymentHealthRoute(
          new DeploymentChecks({ deployments: options.deployments, probe: invoker, kindOf: probeKind }),
        ),
        ...(options.console === false ? [] : consoleRoutes(options.console?.dir)),
        ...modelInfoRoutes(options.deployments),
        ...(metrics !== undefined && metricsOptions?.auth !== "none" ? [metricsRoute(metrics)] : []),
        ...(options.extraRestRoutes ?? []),
      ]),
      // `metrics_auth: none`: an explicit choice in the config, outside the matrix.
      ...(metrics !== undefined && metricsOptions?.auth === "none"
        ? [{ ...metricsRoute(metrics), access: "public" as const }]
        : []),
    ],
  );
  const server = await startServer({
    host: options.host,
    port: options.port,
    ...(options.tls ? { tls: options.tls } : {}),
    readMaxBytes: options.maxBodyBytes,
    ...(options.connectionLimits !== undefined ? { limits: options.connectionLimits } : {}),
    interceptors: [authAndLogInterceptor(authenticator, logger), authorizationInterceptor()],
    routes: (connectRouter) => {
      connectRouter.service(
        ChatService,
        createChatService(gateway, () => deploymentStates(options.deployments, stateStore)),
      );
      connectRouter.service(EmbeddingsService, createEmbeddingsService(embeddings));
      options.extraConnectRoutes?.(connectRouter);
      rewriteDecodeErrors(connectRouter);
    },
    fallback: rest.handle,
    fastPath: createUnaryFastPath({
      gateway,
      authenticator,
      logger,
      readMaxBytes: options.maxBodyBytes,
      // The adapter's (server.ts): a JSON field this server does not know is InvalidArgument.
      jsonOptions: { ignoreUnknownFields: false },
    }),
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    url: server.url,
    logger,
    health,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        health.ready = false;
        await server.close(graceMs);
        // In-flight requests are done: deliver what the callbacks, alerts and spans still hold (bounded).
        const flushMs = Math.min(Math.max(graceMs, 1_000), 5_000);
        await Promise.all([callbacks?.close(flushMs), alerter?.close(flushMs), tracing?.shutdown()]);
        await invoker.close();
        await stateStore.close();
        await responseCache?.close();
        await readiness?.close();
        await ownResponseDatabase?.close();
        await options.onClose?.();
      })();
      return closing;
    },
  };
}

/** Whether a provider has an embeddings API here (the embeddings gateway asks; the core does not import providers). */
export function servesEmbeddings(provider: string): boolean {
  const adapter = getProvider(provider);
  return adapter?.kind === "http" && adapter.embeddings !== undefined;
}

/**
 * The catalog from `model_list` and `model_group_alias`, listing what each provider can do and, with a price
 * table, each model's limits and prices (`/v1/models`).
 */
export function catalogOf(
  deployments: readonly Deployment[],
  router: Pick<Partial<RouterOptions>, "aliases" | "hiddenAliases"> = {},
  prices?: PriceTable,
): ModelCatalog {
  return new ConfiguredModelCatalog(deployments, {
    aliases: router.aliases ?? {},
    hiddenAliases: router.hiddenAliases ?? [],
    ...(prices !== undefined ? { factsOf: (deployment: Deployment) => factsOf(prices, deployment) } : {}),
    capabilitiesOf: (provider) => {
      const adapter = getProvider(provider);
      if (adapter === undefined) return [];
      return adapter.kind === "http" && adapter.embeddings !== undefined
        ? [...adapter.capabilities, "embeddings"]
        : adapter.capabilities;
    },
  });
}

/** A deployment's limits and prices as the price table (catalog, shipped table, price file, model_info) has them. */
function factsOf(prices: PriceTable, deployment: Deployment): DeploymentFacts | undefined {
  if (deployment.model.includes("*")) return undefined;
  const price = prices.forDeployment(deployment);
  if (price === undefined) return undefined;
  return {
    ...(price.maxInputTokens !== undefined ? { maxInputTokens: price.maxInputTokens } : {}),
    ...(price.maxOutputTokens !== undefined ? { maxOutputTokens: price.maxOutputTokens } : {}),
    pricing: {
      inputPerToken: price.inputPerToken,
      outputPerToken: price.outputPerToken,
      ...(price.cacheReadPerToken !== undefined ? { cacheReadPerToken: price.cacheReadPerToken } : {}),
      ...(price.cacheWritePerToken !== undefined ? { cacheWritePerToken: price.cacheWritePerToken } : {}),
      source: price.source,
    },
  };
}

/** How `/health` asks a deployment: embeddings for embedding models (`model_info.mode`, the name, or no chat). */
function probeKind(deployment: Deployment): "chat" | "embedding" {
  if (deployment.info.extra["mode"] === "embedding") return "embedding";
  if (!servesEmbeddings(deployment.provider)) return "chat";
  const chatless = getProvider(deployment.provider)?.capabilities.length === 0;
  return chatless || /embed/i.test(deployment.model) ? "embedding" : "chat";
}

/** Each deployment's routing state, read from the router's state store (ListDeployments, the metrics scrape). */
async function deploymentStates(
  deployments: readonly Deployment[],
  stateStore: RouterStateStore,
): Promise<DeploymentStatusView[]> {
  const states = await stateStore.snapshot(
    deployments.map((deployment) => deployment.id),
    Date.now(),
  );
  return deployments.map((deployment) => {
    const state = states.get(deployment.id);
    return {
      deployment: deployment.id,
      modelGroup: deployment.modelName,
      provider: deployment.provider,
      model: deployment.model,
      health: state?.health ?? "healthy",
      coolingUntil: state?.coolingUntil,
      inFlight: state?.inFlight ?? 0,
      rpmUsed: state?.rpmUsed ?? 0,
      tpmUsed: state?.tpmUsed ?? 0,
      latencyMs: state?.latencyMs,
    };
  });
}

async function deploymentHealth(
  deployments: readonly Deployment[],
  stateStore: RouterStateStore,
): Promise<DeploymentHealth[]> {
  return (await deploymentStates(deployments, stateStore)).map((deployment) => ({
    deployment: deployment.deployment,
    modelGroup: deployment.modelGroup,
    provider: deployment.provider,
    model: deployment.model,
    state: deployment.health === "healthy" ? 0 : deployment.health === "half-open" ? 1 : 2,
  }));
}

/** The router settings of a loaded config (main.ts for the proxy, the library's `Router`). */
export function routerSettingsOf(config: GatewayConfig): RouterSettings {
  const router = config.router;
  const options: RouterSettings = {
    aliases: Object.fromEntries(
      Object.entries(router.modelGroupAlias).map(([alias, target]) => [alias, target.model]),
    ),
    hiddenAliases: Object.entries(router.modelGroupAlias)
      .filter(([, target]) => target.hidden)
      .map(([alias]) => alias),
    routingStrategy: router.routingStrategy,
    retryAfterMs: router.retryAfterMs,
    retryPolicy: router.retryPolicy,
    allowedFailsPolicy: router.allowedFailsPolicy,
    disableCooldowns: router.disableCooldowns,
    fallbacks: router.fallbacks,
    contextWindowFallbacks: router.contextWindowFallbacks,
    contentPolicyFallbacks: router.contentPolicyFallbacks,
    defaultFallbacks: router.defaultFallbacks,
    maxFallbacks: router.maxFallbacks,
    enablePreCallChecks: router.enablePreCallChecks,
    defaultMaxParallelRequests: router.defaultMaxParallelRequests,
    allowRequestFallbacks: router.allowRequestFallbacks,
    hedgeAfterMs: router.hedgeAfterMs,
  };
  if (router.numRetries !== undefined) options.numRetries = router.numRetries;
  if (router.timeoutMs !== undefined) options.timeoutMs = router.timeoutMs;
  if (router.streamTimeoutMs !== undefined) options.streamTimeoutMs = router.streamTimeoutMs;
  if (router.allowedFails !== undefined) options.allowedFails = router.allowedFails;
  if (router.cooldownTimeMs !== undefined) options.cooldownMs = router.cooldownTimeMs;
  const buffer = router.routingStrategyArgs["lowest_latency_buffer"];
  if (typeof buffer === "number" && buffer >= 0) options.lowestLatencyBuffer = buffer;
  if (config.redisUrl !== undefined) options.redis = { url: config.redisUrl };
  return options;
}
