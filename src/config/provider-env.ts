import type { Deployment } from "../core/types/deployment.js";
import { ENV_PROVIDERS } from "./embedded-default.js";
import { isHttpUrl } from "./is-http-url.js";

/**
 * Credentials and bases from the standard environment variables (LiteLLM's names: OPENAI_API_KEY,
 * ANTHROPIC_API_KEY, GEMINI_API_KEY, `<PROVIDER>_API_BASE`, …) for deployments that name none, in config files and
 * library calls alike. A key from the environment only goes to the provider's own host or to the base its own
 * environment variable names: a deployment with its own `api_base` (a self-hosted OpenAI-compatible server) never
 * receives OPENAI_API_KEY by accident. Azure, Bedrock and the OpenAI-compatible families also read their variables
 * when a request is built (providers/*), so this only makes the deployment complete for `check` and for providers
 * that read no environment themselves.
 */
export function withEnvironmentCredentials(
  deployments: readonly Deployment[],
  env: Record<string, string | undefined>,
  problems: string[] = [],
): Deployment[] {
  return deployments.map((deployment) => {
    const entry = ENV_PROVIDERS.find((candidate) => candidate.provider === deployment.provider);
    if (entry === undefined) return deployment;
    const params = { ...deployment.params };
    let changed = false;
    if (params.apiBase === undefined) {
      const variable = entry.apiBase.find((name) => nonEmpty(env[name]) !== undefined);
      if (variable !== undefined) {
        const base = env[variable] as string;
        if (!isHttpUrl(base)) problems.push(`${variable}: must be an absolute http:// or https:// URL`);
        else {
          params.apiBase = base;
          changed = true;
        }
      }
    }
    const ownBase = deployment.params.apiBase === undefined;
    const apiKey = nonEmpty(env[entry.apiKey]);
    if (params.apiKey === undefined && ownBase && apiKey !== undefined) {
      params.apiKey = apiKey;
      changed = true;
    }
    return changed ? { ...deployment, params } : deployment;
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
