import type { ConnectRouter } from "@connectrpc/connect";
import { ChatService } from "../gen/switchboard/v1/chat_service_pb.js";
import { type Authenticator, MasterKeyAuthenticator } from "./auth/authenticator.js";
import { authorizationInterceptor } from "./connect/authorization-interceptor.js";
import { createChatService } from "./connect/chat-service.js";
import { authAndLogInterceptor } from "./connect/interceptors.js";
import { createUnaryFastPath } from "./connect/unary-fast-path.js";
import { ChatGateway } from "./core/chat/chat-gateway.js";
import type { Metering } from "./core/chat/metering.js";
import type { Deployment } from "./core/types/deployment.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { ProviderInvoker } from "./providers/provider-invoker.js";
import { getProvider } from "./providers/registry.js";
import { UpstreamExecutor } from "./providers/shared/execute.js";
import { coreRestRoutes, type HealthState, type RestRoute, RestShim } from "./rest/rest-shim.js";
import { withMatrixAccess } from "./rest/route-access.js";
import { Router, type RouterOptions } from "./router/router.js";
import { type RunningServer, startServer } from "./server.js";

export interface AppOptions {
  deployments: Deployment[];
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  maxBodyBytes: number;
  /** SHA-256 of the master key and its display form. */
  masterKey: { hash: Buffer; display: string };
  router?: Partial<RouterOptions>;
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
  const logger = options.logger ?? createLogger();
  const executor = new UpstreamExecutor();
  const invoker = new ProviderInvoker(executor);
  const router = new Router(options.deployments, invoker, {
    capabilitiesOf: (provider) => getProvider(provider)?.capabilities ?? [],
    onSharedStateChange: (event) =>
      event.shared
        ? logger.info({ router: true }, `router state is shared through Redis again (${event.reason})`)
        : logger.warn({ router: true }, `router state falls back to this process: ${event.reason}`),
    ...options.router,
  });
  const gateway = new ChatGateway(router, {
    dropParams: options.dropParams ?? false,
    ...(options.metering !== undefined ? { metering: options.metering } : {}),
  });
  const authenticator =
    options.authenticator ?? new MasterKeyAuthenticator(options.masterKey.hash, options.masterKey.display);
  const health: HealthState = { ready: true };
  const rest = new RestShim({ gateway, authenticator, logger, maxBodyBytes: options.maxBodyBytes, health }, [
    // The authorization matrix (src/auth/access-matrix.ts) decides every route's access.
    ...withMatrixAccess([...coreRestRoutes(), ...(options.extraRestRoutes ?? [])]),
  ]);
  const server = await startServer({
    host: options.host,
    port: options.port,
    ...(options.tls ? { tls: options.tls } : {}),
    readMaxBytes: options.maxBodyBytes,
    interceptors: [authAndLogInterceptor(authenticator, logger), authorizationInterceptor()],
    routes: (connectRouter) => {
      connectRouter.service(ChatService, createChatService(gateway));
      options.extraConnectRoutes?.(connectRouter);
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
        await invoker.close();
        await router.close();
        await options.onClose?.();
      })();
      return closing;
    },
  };
}
