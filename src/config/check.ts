import { join } from "node:path";
import { catalogVersion } from "../core/catalog/known-models.js";
import type { Deployment } from "../core/types/deployment.js";
import { EXTRA_LITELLM_PARAM_KEYS, isSecretParamKey } from "./deployment-param-keys.js";
import type { FallbackMap, GatewayConfig } from "./gateway-config.js";
import { redactSecret, redactUrl } from "./redact.js";

const SCALAR_KINDS = new Set([
  "string",
  "httpUrl",
  "number",
  "nonNegative",
  "count",
  "positiveCount",
  "boolean",
]);

/**
 * What `switchboard check --config FILE` prints: the resolved configuration as the gateway will run it — every
 * deployment with its group, provider, upstream model, api_base, id and limits — and the warnings. Every secret is
 * redacted (keys as prefix…last4 at most, URL passwords and query values hidden, header values and free-form values
 * never shown), so the report can be pasted into an issue.
 */
export function formatCheckReport(config: GatewayConfig): string {
  const lines: string[] = [];
  if (config.source.kind === "file") {
    lines.push(`Configuration: ${config.source.path}`);
  } else {
    const found = config.source.discoveredProviders;
    lines.push(
      `Configuration: embedded default (no config file); providers from the environment: ${found.length > 0 ? found.join(", ") : "none"}`,
    );
  }

  const { server } = config;
  const scheme = server.tls === undefined ? "http" : "https";
  lines.push(`Server: ${scheme}://${formatHost(server.host)}:${server.port}`);
  if (server.tls !== undefined) lines.push(`  TLS: cert ${server.tls.certFile}, key ${server.tls.keyFile}`);
  lines.push(
    `  max request body: ${server.maxRequestBodyBytes} bytes; shutdown grace: ${server.shutdownGraceMs} ms`,
  );
  lines.push(
    `Master key: ${config.masterKey === undefined ? "not set (one is generated on first start)" : redactSecret(config.masterKey)}`,
  );
  // Without database_url, keys and usage live in SQLite under the data directory (store/database.ts).
  lines.push(
    `Database: ${config.databaseUrl === undefined ? `SQLite (${join(config.dataDir, "switchboard.sqlite")})` : redactUrl(config.databaseUrl)}`,
  );
  lines.push(`Redis: ${config.redisUrl === undefined ? "none" : redactUrl(config.redisUrl)}`);
  lines.push(`Data directory: ${config.dataDir}`);
  lines.push(`drop_params: ${config.dropParams}`);
  const { proxyBudget, keyGenerateParams } = config.litellmSettings;
  if (proxyBudget !== undefined) {
    lines.push(
      `Proxy budget: $${proxyBudget.maxBudget}${proxyBudget.budgetDuration === undefined ? " (never resets)" : ` per ${proxyBudget.budgetDuration}`}`,
    );
  }
  if (keyGenerateParams !== undefined) {
    const defaults = Object.keys(keyGenerateParams.defaults);
    const bounds = Object.entries(keyGenerateParams.upperBounds).map(
      ([field, bound]) => `${field} ≤ ${bound}`,
    );
    lines.push(
      `Key generation: defaults ${defaults.length > 0 ? defaults.join(", ") : "none"}; upper bounds ${bounds.length > 0 ? bounds.join(", ") : "none"}`,
    );
  }
  lines.push(`Model catalog: ${catalogVersion()} (prices, limits, provider of bare model names)`);

  const { router } = config;
  const routerParts = [`strategy ${router.routingStrategy}`];
  if (router.numRetries !== undefined) routerParts.push(`retries ${router.numRetries}`);
  if (router.timeoutMs !== undefined) routerParts.push(`timeout ${router.timeoutMs} ms`);
  if (router.streamTimeoutMs !== undefined) routerParts.push(`stream timeout ${router.streamTimeoutMs} ms`);
  if (router.allowedFails !== undefined) routerParts.push(`allowed fails ${router.allowedFails}`);
  if (router.cooldownTimeMs !== undefined) routerParts.push(`cooldown ${router.cooldownTimeMs} ms`);
  if (router.disableCooldowns) routerParts.push("cooldowns off");
  routerParts.push(`max fallbacks ${router.maxFallbacks}`);
  lines.push(`Router: ${routerParts.join("; ")}`);
  pushFallbacks(lines, "fallbacks", router.fallbacks);
  pushFallbacks(lines, "context window fallbacks", router.contextWindowFallbacks);
  pushFallbacks(lines, "content policy fallbacks", router.contentPolicyFallbacks);
  if (router.defaultFallbacks.length > 0)
    lines.push(`  default fallbacks: ${router.defaultFallbacks.join(", ")}`);
  for (const [alias, target] of Object.entries(router.modelGroupAlias)) {
    lines.push(`  alias ${alias} → ${target.model}${target.hidden ? " (hidden)" : ""}`);
  }

  lines.push("", `Deployments (${config.deployments.length}):`);
  for (const deployment of config.deployments) lines.push(...formatDeployment(deployment));

  lines.push("", config.warnings.length === 0 ? "Warnings: none" : `Warnings (${config.warnings.length}):`);
  for (const warning of config.warnings) lines.push(`  - ${warning}`);
  return `${lines.join("\n")}\n`;
}

function formatDeployment(deployment: Deployment): string[] {
  const { params, info } = deployment;
  const lines = [`  ${deployment.modelName}`];
  lines.push(`    provider ${deployment.provider}; model ${deployment.model}; id ${deployment.id}`);
  if (params.apiBase !== undefined) lines.push(`    api_base ${redactUrl(params.apiBase)}`);
  if (params.apiVersion !== undefined) lines.push(`    api_version ${params.apiVersion}`);
  if (params.organization !== undefined) lines.push(`    organization ${params.organization}`);

  const limits: string[] = [];
  if (params.rpm !== undefined) limits.push(`rpm ${params.rpm}`);
  if (params.tpm !== undefined) limits.push(`tpm ${params.tpm}`);
  if (params.maxParallelRequests !== undefined) limits.push(`parallel ${params.maxParallelRequests}`);
  if (params.timeoutMs !== undefined) limits.push(`timeout ${params.timeoutMs} ms`);
  if (params.streamTimeoutMs !== undefined) limits.push(`stream timeout ${params.streamTimeoutMs} ms`);
  if (params.maxRetries !== undefined) limits.push(`max retries ${params.maxRetries}`);
  if (params.weight !== undefined) limits.push(`weight ${params.weight}`);
  if (params.order !== undefined) limits.push(`order ${params.order}`);
  if (info.maxInputTokens !== undefined) limits.push(`max input tokens ${info.maxInputTokens}`);
  if (info.maxOutputTokens !== undefined) limits.push(`max output tokens ${info.maxOutputTokens}`);
  if (info.maxTokens !== undefined) limits.push(`max tokens ${info.maxTokens}`);
  lines.push(`    limits: ${limits.length > 0 ? limits.join("; ") : "none"}`);

  const prices: string[] = [];
  if (info.inputCostPerToken !== undefined) prices.push(`input ${info.inputCostPerToken}/token`);
  if (info.outputCostPerToken !== undefined) prices.push(`output ${info.outputCostPerToken}/token`);
  if (prices.length > 0) lines.push(`    prices: ${prices.join("; ")}`);

  const credentials: string[] = [];
  if (params.apiKey !== undefined) credentials.push(`api_key ${redactSecret(params.apiKey)}`);
  const settings: string[] = [];
  for (const [key, value] of Object.entries(params.extra)) {
    if (isSecretParamKey(key)) {
      credentials.push(`${key} ${typeof value === "string" ? redactSecret(value) : "****"}`);
    } else if (SCALAR_KINDS.has(EXTRA_LITELLM_PARAM_KEYS[key]?.kind ?? "") && isScalar(value)) {
      settings.push(`${key}=${String(value)}`);
    } else {
      settings.push(`${key}=(set)`);
    }
  }
  lines.push(`    credentials: ${credentials.length > 0 ? credentials.join("; ") : "none"}`);
  if (settings.length > 0) lines.push(`    settings: ${settings.join("; ")}`);
  const headerNames = Object.keys(params.extraHeaders ?? {});
  if (headerNames.length > 0) lines.push(`    extra headers (values hidden): ${headerNames.join(", ")}`);
  return lines;
}

function pushFallbacks(lines: string[], label: string, map: FallbackMap): void {
  for (const [group, targets] of Object.entries(map))
    lines.push(`  ${label}: ${group} → ${targets.join(", ")}`);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
