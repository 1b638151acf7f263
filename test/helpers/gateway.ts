import { type App, type AppOptions, startApp } from "../../src/app.js";
import { hashSecret } from "../../src/auth/authenticator.js";
import type { Deployment } from "../../src/core/types/deployment.js";
import { createLogger } from "../../src/logging/logger.js";

export const MASTER_KEY = "sk-test-master-7f3c9a1b2d4e6f8091a2b3c4d5e6f708";

export function deployment(
  modelName: string,
  provider: string,
  model: string,
  params: Partial<Deployment["params"]> = {},
  id = `${modelName}#${provider}`,
): Deployment {
  return { id, modelName, provider, model, params: { extra: {}, ...params }, info: { extra: {} } };
}

/** Starts a real gateway on 127.0.0.1:0 with the master key above and logs silenced. */
export async function startTestGateway(
  deployments: Deployment[],
  options: Partial<AppOptions> = {},
): Promise<App & { headers: Record<string, string> }> {
  const app = await startApp({
    deployments,
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 10 * 1024 * 1024,
    masterKey: { hash: hashSecret(MASTER_KEY), display: "sk-tes…f708" },
    logger: createLogger("silent"),
    // Edge tests replay the same scripted upstream errors many times; cooldowns would turn the later ones into
    // 503s. Router tests pass their own router options (test/integration/router/).
    router: { retryBackoffMs: 1, disableCooldowns: true },
    ...options,
  });
  return Object.assign(app, {
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
  });
}

/** The mock models and a fixture-replaying OpenAI-compatible upstream behind `fixture/*`. */
export function standardDeployments(upstreamBaseUrl: string): Deployment[] {
  return [
    deployment("mock-gpt", "mock", "fixed"),
    deployment("mock/*", "mock", "*"),
    deployment("fixture/*", "openai", "*", { apiBase: upstreamBaseUrl, apiKey: "sk-upstream-canary-123456" }),
  ];
}
