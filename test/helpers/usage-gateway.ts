import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App, AppOptions } from "../../src/app.js";
import { hashSecret } from "../../src/auth/authenticator.js";
import type { Deployment } from "../../src/core/types/deployment.js";
import { type KeysModule, openKeysModule } from "../../src/keys-module.js";
import { createLogger } from "../../src/logging/logger.js";
import { openUsageModule, type UsageModule, type UsageModuleOptions } from "../../src/usage-module.js";
import { deployment, MASTER_KEY, startTestGateway } from "./gateway.js";
import { dropSchema, POSTGRES_URL, REDIS_URL } from "./keys-gateway.js";

export { MASTER_KEY, POSTGRES_URL, REDIS_URL };

export interface UsageGatewayOptions {
  database: "sqlite" | "postgres";
  /** Shared PostgreSQL schema (two gateways on one database); a fresh one when absent. */
  postgresSchema?: string;
  /** SQLite file (two gateways on one file); in a temporary directory when absent. */
  sqlitePath?: string;
  redis?: boolean;
  redisPrefix?: string;
  dataDir?: string;
  deployments?: Deployment[];
  usage?: Partial<UsageModuleOptions>;
  app?: Partial<AppOptions>;
  /** Drop the schema on close (the gateway that created it). */
  ownsSchema?: boolean;
}

export interface UsageGateway {
  app: App & { headers: Record<string, string> };
  keys: KeysModule;
  usage: UsageModule;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export function uniqueName(label: string): string {
  return `test_${label}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** The mock models (priced in the shipped table: $1/M input, $2/M output) behind every usage test. */
export function mockDeployments(): Deployment[] {
  return [deployment("mock-gpt", "mock", "fixed"), deployment("mock/*", "mock", "*")];
}

/** A real gateway on 127.0.0.1:0 with virtual keys, metering and the ledger, as main.ts wires them. */
export async function startUsageGateway(options: UsageGatewayOptions): Promise<UsageGateway> {
  const logger = createLogger("silent");
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "switchboard-usage-"));
  const schema =
    options.database === "postgres" ? (options.postgresSchema ?? uniqueName("usage")) : undefined;
  const keys = await openKeysModule({
    ...(options.database === "postgres"
      ? { databaseUrl: POSTGRES_URL, postgresSchema: schema }
      : { sqlitePath: options.sqlitePath ?? join(dataDir, "switchboard.sqlite") }),
    ...(options.redis ? { redisUrl: REDIS_URL } : {}),
    masterKey: { hash: hashSecret(MASTER_KEY), display: "sk-tes…f708" },
    logger,
  });
  const deployments = options.deployments ?? mockDeployments();
  const usage = await openUsageModule({
    database: keys.database,
    deployments,
    dataDir,
    ...(options.redis
      ? { redisUrl: REDIS_URL, redisPrefix: options.redisPrefix ?? `${uniqueName("lim")}:` }
      : {}),
    fsync: "never",
    flushIntervalMs: 50,
    redisCommandTimeoutMs: 5_000,
    logger,
    ...options.usage,
  });
  keys.attachSpend(usage.reader);
  const app = await startTestGateway(deployments, {
    authenticator: keys.authenticator,
    extraRestRoutes: [...keys.restRoutes, ...usage.restRoutes],
    extraConnectRoutes: (router) => {
      keys.connectRoutes(router);
      usage.connectRoutes(router);
    },
    metering: usage.meter,
    logger,
    onClose: async () => {
      await usage.close();
    },
    ...options.app,
  });
  return {
    app,
    keys,
    usage,
    url: app.url,
    dataDir,
    async close() {
      await app.close(2_000);
      if (options.ownsSchema !== false) await dropSchema(keys, schema);
      await keys.close();
    },
  };
}

/** Creates a virtual key through the LiteLLM-compatible admin route; returns its secret and id. */
export async function createKey(
  url: string,
  body: Record<string, unknown>,
): Promise<{ key: string; keyId: string }> {
  const response = await fetch(`${url}/key/generate`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`key/generate ${response.status}: ${text}`);
  const parsed = JSON.parse(text) as { key: string; key_id?: string; token?: string };
  return { key: parsed.key, keyId: parsed.key_id ?? parsed.token ?? "" };
}

/** One chat completion; returns status, headers and body text (never throws on HTTP errors). */
export async function chat(
  url: string,
  key: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
