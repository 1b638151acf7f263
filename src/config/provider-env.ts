import type { Deployment } from "../core/types/deployment.js";
import { providerDeclaration } from "../providers/registry.js";
import { firstSet } from "./embedded-default.js";
import { isHttpUrl } from "./is-http-url.js";

/**
 * Credentials and bases from the standard environment variables (LiteLLM's names: OPENAI_API_KEY,
 * ANTHROPIC_API_KEY, GEMINI_API_KEY, `<PROVIDER>_API_BASE`, …) for deployments that name none, in config files and
 * library calls alike. A key from the environment only goes to the provider's own host or to the base its own
 * environment variable names: a deployment with its own `api_base` (a self-hosted OpenAI-compatible server) never
 * receives OPENAI_API_KEY by accident. Azure, Bedrock and the OpenAI-compatible families also read their variables
 * when a request is built (providers/*), so this only makes the deployment complete for `check` and for providers
 * that read no environment themselves. The variables are each provider's own declaration (`environment` in its
 * index.ts), read through the registry.
 */
export function withEnvironmentCredentials(
  deployments: readonly Deployment[],
  env: Record<string, string | undefined>,
  problems: string[] = [],
): Deployment[] {
  return deployments.map((deployment) => {
    const entry = providerDeclaration(deployment.provider)?.environment;
    if (entry === undefined) return deployment;
    const params = { ...deployment.params };
    let changed = false;
    if (params.apiBase === undefined) {
      const base = firstSet(env, entry.apiBase);
      if (base !== undefined) {
        if (!isHttpUrl(base.value))
          problems.push(`${base.name}: must be an absolute http:// or https:// URL`);
        else {
          params.apiBase = base.value;
          changed = true;
        }
      }
    }
    const ownBase = deployment.params.apiBase === undefined;
    const apiKey = firstSet(env, entry.apiKey);
    if (params.apiKey === undefined && ownBase && apiKey !== undefined) {
      params.apiKey = apiKey.value;
      changed = true;
    }
    return changed ? { ...deployment, params } : deployment;
  });
}
