import type { Deployment, DeploymentParams } from "../core/types/deployment.js";
import { providerDeclarations } from "../providers/registry.js";
import { deriveDeploymentId } from "./deployment-id.js";
import { isHttpUrl } from "./is-http-url.js";

/**
 * The configuration used when there is no config file: the mock models (so that `npm start` serves something with no
 * keys, no Redis and no database), plus one wildcard deployment per provider whose credential is in the environment,
 * so that `openai/gpt-4o-mini` works as soon as its key is set (each provider declares its variables and whether
 * they alone serve `<id>/*` in its own index.ts: `environment`, read here through the registry). A wildcard deployment's group is the pattern
 * itself (`openai/*`); the router matches request models against it and sends the part after the prefix upstream.
 */

/** The mock models: group name → mock model id (the mock provider picks its behaviour by model id). */
export const MOCK_MODELS: readonly { modelName: string; model: string }[] = [
  { modelName: "mock-gpt", model: "mock-gpt" },
  { modelName: "mock-echo", model: "mock-echo" },
  { modelName: "mock-slow-stream", model: "mock-slow-stream" },
  { modelName: "mock/*", model: "*" },
];

export interface EmbeddedDeployments {
  deployments: Deployment[];
  /** Providers found in the environment, in the registry's order. */
  discoveredProviders: string[];
  warnings: string[];
  /** Problems that stop startup (an invalid base URL in the environment). */
  problems: string[];
}

/** Builds the embedded default from the environment. */
export function buildEmbeddedDeployments(env: NodeJS.ProcessEnv): EmbeddedDeployments {
  const deployments: Deployment[] = MOCK_MODELS.map(({ modelName, model }) =>
    withId({ modelName, provider: "mock", model, params: { extra: {} }, info: { extra: {} } }),
  );
  const discoveredProviders: string[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];

  // Every provider says in its own folder which variables it reads and whether they alone serve `<id>/*`.
  for (const provider of providerDeclarations()) {
    const environment = provider.environment;
    const discovery = environment?.discovery;
    if (environment === undefined || discovery === undefined) continue;
    if (typeof discovery === "function") {
      const found = discovery(env);
      if (found === undefined) continue;
      if ("warning" in found) warnings.push(found.warning);
      else {
        deployments.push(wildcard(provider.id, found.params));
        discoveredProviders.push(provider.id);
      }
      continue;
    }
    const apiKey = firstSet(env, environment.apiKey);
    if (apiKey === undefined) continue;
    const params: DeploymentParams = { apiKey: apiKey.value, extra: {} };
    const base = firstSet(env, environment.apiBase);
    if (base !== undefined) {
      if (!isHttpUrl(base.value)) {
        problems.push(`${base.name}: must be an absolute http:// or https:// URL`);
        continue;
      }
      params.apiBase = base.value;
    }
    deployments.push(wildcard(provider.id, params));
    discoveredProviders.push(provider.id);
  }
  return { deployments, discoveredProviders, warnings, problems };
}

function wildcard(provider: string, params: DeploymentParams): Deployment {
  return withId({ modelName: `${provider}/*`, provider, model: "*", params, info: { extra: {} } });
}

function withId(deployment: Omit<Deployment, "id">): Deployment {
  return { id: deriveDeploymentId(deployment), ...deployment };
}

/** The first of the named variables that is set and not empty, with its name (for problems). */
export function firstSet(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") return { name, value };
  }
  return undefined;
}
