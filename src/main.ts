import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { catalogOf, registerConfiguredSecrets, routerSettingsOf, startApp } from "./app.js";
import { resolveMasterKey } from "./auth/master-key.js";
import { parseCommand, USAGE } from "./cli.js";
import {
  announceListening,
  isClusterWorker,
  leaveCluster,
  onPrimaryGone,
  planWorkers,
  runPrimary,
  workerLogger,
} from "./cluster/workers.js";
import { formatCheckReport } from "./config/check.js";
import { ConfigError } from "./config/config-error.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { loadConfig } from "./config/load-config.js";
import { createGuardrails } from "./guardrails/guardrail-engine.js";
import { openKeysModule } from "./keys-module.js";
import { createLogger } from "./logging/logger.js";
import { followersFromConfig } from "./observability/observability-config.js";
import { databaseProbe, redisProbe } from "./observability/readiness.js";
import { SqlResponseStore } from "./responses/sql-response-store.js";
import { closeOnSignal } from "./server/shutdown.js";
import { ensurePrivateDirectory } from "./shared/private-files.js";
import { urlPasswords } from "./shared/secret-scrubber.js";
import { PriceTable } from "./usage/price-table.js";
import { openUsageModule } from "./usage-module.js";

/** The package version (built: dist/src/main.js; from source: src/main.ts). */
function packageVersion(): string {
  for (const path of ["../../package.json", "../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { version?: unknown };
      if (typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "unknown";
}

function banner(url: string, config: GatewayConfig, generatedKey: string | undefined): string {
  const key = generatedKey ?? "$SWITCHBOARD_MASTER_KEY";
  const model = config.deployments[0]?.modelName.replace("*", "fixed") ?? "mock-gpt";
  const lines = [
    `Switchboard is listening on ${url}  (REST: ${url}/v1 · Connect/gRPC/gRPC-Web on the same port)`,
    config.source.kind === "embedded"
      ? `Embedded default: mock models${config.source.discoveredProviders.length > 0 ? ` + ${config.source.discoveredProviders.join(", ")} from the environment` : ""}.`
      : `Config: ${config.source.path} (${config.deployments.length} deployments).`,
  ];
  if (generatedKey !== undefined) {
    lines.push(
      "",
      "No master key was configured, so one was generated. It is shown ONCE; only its hash was stored:",
      `    ${generatedKey}`,
      "Set SWITCHBOARD_MASTER_KEY or general_settings.master_key to choose your own.",
    );
  }
  if (config.warnings.length > 0) {
    lines.push("", `Config warnings (${config.warnings.length}):`);
    for (const warning of config.warnings) lines.push(`  - ${warning}`);
  }
  lines.push(
    "",
    "Try it:",
    `  curl ${url}/v1/chat/completions -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
    `    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'`,
    "",
    "  # OpenAI SDK (Python or Node): change base_url and key",
    `  client = OpenAI(base_url="${url}/v1", api_key="${key}")`,
    "",
  );
  return lines.join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === "operator") {
    // Runs the command and exits the process with its code (src/cli/main.ts).
    const { main: operatorMain } = await import("./cli/main.js");
    return operatorMain(command.argv);
  }
  if (command.kind === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === "version") {
    process.stdout.write(`switchboard ${packageVersion()}\n`);
    return 0;
  }
  let config: GatewayConfig;
  try {
    config = await loadConfig({
      ...(command.config !== undefined ? { file: command.config } : {}),
      env: process.env,
      overrides: command.kind === "serve" ? { port: command.port, host: command.host } : {},
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  // Traces, callbacks and alerts are checked before anything opens, by `check` and the start alike: a callback
  // whose credentials are missing fails both the same way (and a failed start holds nothing open).
  let followers: Awaited<ReturnType<typeof followersFromConfig>>;
  try {
    followers = await followersFromConfig(config.observability, process.env, configFolder(config));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (command.kind === "check") {
    process.stdout.write(`${formatCheckReport(config)}\n`);
    return 0;
  }
  const secrets = [config.masterKey, ...urlPasswords(config.databaseUrl), ...urlPasswords(config.redisUrl)];
  const cacheRedis = config.cache?.redis;
  if (cacheRedis !== undefined)
    secrets.push(...("url" in cacheRedis ? urlPasswords(cacheRedis.url) : [cacheRedis.password]));
  registerConfiguredSecrets(config.deployments, secrets);
  const logger = workerLogger(createLogger());
  if (!isClusterWorker()) for (const warning of config.warnings) logger.warn({ config: true }, warning);
  // The JSON logger buffers stdout: flush so the warnings appear now, not at shutdown (they are also on the banner).
  logger.flush();
  // Refused before anything is written (a generated master key would otherwise be stored and never shown).
  const plan = isClusterWorker()
    ? { workers: 1 }
    : planWorkers({
        requested: command.workers,
        redisUrl: config.redisUrl,
        databaseUrl: config.databaseUrl,
        cores: availableParallelism(),
      });
  if ("refused" in plan) {
    process.stderr.write(`${plan.refused}\n`);
    return 1;
  }
  // Local state is the gateway user's alone: the data directory is 0700 (narrowed if an older run made it 0755).
  ensurePrivateDirectory(config.dataDir);
  const masterKey = await resolveMasterKey(config.masterKey, config.dataDir);
  // A generated master key is shown once on the banner (stderr), and scrubbed from everything else.
  if (masterKey.generated !== undefined) secrets.push(masterKey.generated);
  registerConfiguredSecrets([], secrets);
  if (plan.workers > 1 && !isClusterWorker()) {
    // --workers: the primary (master key bootstrapped above, once) forks the workers and serves nothing itself.
    const code = await runPrimary({
      workers: plan.workers,
      logger,
      shutdownGraceMs: config.server.shutdownGraceMs,
      onReady: (url) => process.stderr.write(`${banner(url, config, masterKey.generated)}\n`),
    });
    logger.flush();
    return code;
  }
  const keys = await openKeysModule({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    redisUrl: config.redisUrl,
    masterKey,
    logger,
    keyGenerateParams: config.litellmSettings.keyGenerateParams,
  });
  const router = routerSettingsOf(config);
  // One model catalog for the gateway, the router and usage; one price table for usage and /v1/models.
  const prices = PriceTable.fromFile(process.env["SWITCHBOARD_PRICE_FILE"]);
  const catalog = catalogOf(config.deployments, router, prices);
  const usage = await openUsageModule({
    prices,
    database: keys.database,
    deployments: config.deployments,
    catalog,
    dataDir: config.dataDir,
    redisUrl: config.redisUrl,
    logger,
    proxyBudget: config.litellmSettings.proxyBudget,
  });
  keys.attachSpend(usage.reader);
  const app = await startApp({
    deployments: config.deployments,
    host: config.server.host,
    port: config.server.port,
    ...(config.server.tls ? { tls: config.server.tls } : {}),
    maxBodyBytes: config.server.maxRequestBodyBytes,
    connectionLimits: config.server.connectionLimits,
    masterKey,
    dropParams: config.dropParams,
    router,
    catalog,
    logger,
    authenticator: keys.authenticator,
    extraRestRoutes: [...keys.restRoutes, ...usage.restRoutes],
    extraConnectRoutes: (router) => {
      keys.connectRoutes(router);
      usage.connectRoutes(router);
    },
    metering: usage.meter,
    // Built before the server starts: a guardrail that cannot be built stops the start (docs/guardrails.md).
    ...(config.guardrails.length > 0 ? { guardrails: await createGuardrails(config.guardrails) } : {}),
    ...(config.cache !== undefined ? { cache: config.cache } : {}),
    // Stored responses (previous_response_id) live in the gateway's database, shared by every replica and worker.
    responses: { store: new SqlResponseStore(keys.database.db) },
    secrets,
    observability: {
      metrics: config.server.metrics.enabled
        ? { auth: config.server.metrics.auth, litellmNames: config.server.metrics.litellmNames }
        : false,
      readiness: {
        database: databaseProbe(keys.database.db),
        ...(config.redisUrl !== undefined
          ? {
              redis: {
                ...redisProbe(config.redisUrl),
                required: process.env["SWITCHBOARD_LIMITS_ON_REDIS_FAILURE"] === "fail_closed",
              },
            }
          : {}),
        journalDepth: () => usage.ledger.backlog(),
        version: packageVersion(),
      },
      followers,
    },
    // In-flight requests have finished (and settled) before this runs: drain the ledger, then close the database.
    onClose: async () => {
      await usage.close();
      await keys.close();
    },
  });
  // Signal handlers first, then the banner: whoever reads the URL may signal at once.
  const stopped = closeOnSignal(app, { graceMs: config.server.shutdownGraceMs, logger });
  // A worker whose primary is gone drains the same way as on SIGTERM.
  onPrimaryGone(() => process.kill(process.pid, "SIGTERM"));
  if (isClusterWorker()) announceListening(app.url);
  else process.stderr.write(`${banner(app.url, config, masterKey.generated)}\n`);
  logger.info({ url: app.url, deployments: config.deployments.length }, "listening");
  await stopped;
  logger.info({}, "stopped");
  logger.flush();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    leaveCluster();
  },
  (error: unknown) => {
    process.stderr.write(
      `switchboard failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
    leaveCluster();
    // Whatever the failed start had opened (database, Redis, timers) must not keep a process that serves nothing.
    setTimeout(() => process.exit(1), 200);
  },
);

/** Where relative paths in the config (custom callback modules) are resolved: the config file's folder. */
function configFolder(config: GatewayConfig): string {
  return config.source.kind === "file" ? dirname(resolve(config.source.path)) : process.cwd();
}
