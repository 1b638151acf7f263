import type { Deployment, DeploymentParams } from "../core/types/deployment.js";
import { deriveDeploymentId } from "./deployment-id.js";
import { isHttpUrl } from "./is-http-url.js";

/**
 * The configuration used when there is no config file: the mock models (so that `npm start` serves something with no
 * keys, no Redis and no database), plus one wildcard deployment per provider whose credential is in the environment,
 * so that `openai/gpt-4o-mini` works as soon as OPENAI_API_KEY is set. A wildcard deployment's group is the pattern
 * itself (`openai/*`); the router matches request models against it and sends the part after the prefix upstream.
 */

/** The mock models: group name → mock model id (the mock provider picks its behaviour by model id). */
export const MOCK_MODELS: readonly { modelName: string; model: string }[] = [
  { modelName: "mock-gpt", model: "mock-gpt" },
  { modelName: "mock-echo", model: "mock-echo" },
  { modelName: "mock-slow-stream", model: "mock-slow-stream" },
  { modelName: "mock/*", model: "*" },
];

export interface EnvProvider {
  provider: string;
  /** The variable holding the API key. */
  apiKey: string;
  /** Variables that override the provider's default base URL, first set wins (LiteLLM's names, then the SDK's). */
  apiBase: readonly string[];
}

/** Provider credentials discovered from the environment, with LiteLLM's variable and provider names. */
export const ENV_PROVIDERS: readonly EnvProvider[] = [
  { provider: "openai", apiKey: "OPENAI_API_KEY", apiBase: ["OPENAI_BASE_URL", "OPENAI_API_BASE"] },
  {
    provider: "anthropic",
    apiKey: "ANTHROPIC_API_KEY",
    apiBase: ["ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"],
  },
  { provider: "gemini", apiKey: "GEMINI_API_KEY", apiBase: ["GEMINI_API_BASE"] },
  { provider: "mistral", apiKey: "MISTRAL_API_KEY", apiBase: ["MISTRAL_API_BASE"] },
  { provider: "cohere", apiKey: "COHERE_API_KEY", apiBase: ["COHERE_API_BASE"] },
  { provider: "groq", apiKey: "GROQ_API_KEY", apiBase: ["GROQ_API_BASE"] },
  { provider: "deepseek", apiKey: "DEEPSEEK_API_KEY", apiBase: ["DEEPSEEK_API_BASE"] },
  { provider: "xai", apiKey: "XAI_API_KEY", apiBase: ["XAI_API_BASE"] },
  { provider: "openrouter", apiKey: "OPENROUTER_API_KEY", apiBase: ["OPENROUTER_API_BASE"] },
  { provider: "together_ai", apiKey: "TOGETHERAI_API_KEY", apiBase: [] },
  { provider: "fireworks_ai", apiKey: "FIREWORKS_AI_API_KEY", apiBase: [] },
  { provider: "perplexity", apiKey: "PERPLEXITYAI_API_KEY", apiBase: [] },
];

/** AWS credentials make `bedrock/*`; the region comes from the first of these that is set. */
const AWS_REGION_VARIABLES = ["AWS_REGION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION"] as const;

export interface EmbeddedDeployments {
  deployments: Deployment[];
  /** Providers found in the environment, in table order. */
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

  for (const entry of ENV_PROVIDERS) {
    const apiKey = nonEmpty(env[entry.apiKey]);
    if (apiKey === undefined) continue;
    const params: DeploymentParams = { apiKey, extra: {} };
    const baseVariable = entry.apiBase.find((name) => nonEmpty(env[name]) !== undefined);
    if (baseVariable !== undefined) {
      const apiBase = env[baseVariable] as string;
      if (!isHttpUrl(apiBase)) {
        problems.push(`${baseVariable}: must be an absolute http:// or https:// URL`);
        continue;
      }
      params.apiBase = apiBase;
    }
    deployments.push(wildcard(entry.provider, params));
    discoveredProviders.push(entry.provider);
  }

  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const region = AWS_REGION_VARIABLES.map((name) => nonEmpty(env[name])).find(
      (value) => value !== undefined,
    );
    if (region === undefined) {
      warnings.push(
        `AWS credentials found but no region (${AWS_REGION_VARIABLES.join(", ")}); bedrock/* is not enabled`,
      );
    } else {
      const extra: Record<string, unknown> = {
        aws_access_key_id: accessKeyId,
        aws_secret_access_key: secretAccessKey,
        aws_region_name: region,
      };
      const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
      if (sessionToken !== undefined) extra.aws_session_token = sessionToken;
      deployments.push(wildcard("bedrock", { extra }));
      discoveredProviders.push("bedrock");
    }
  }
  return { deployments, discoveredProviders, warnings, problems };
}

function wildcard(provider: string, params: DeploymentParams): Deployment {
  return withId({ modelName: `${provider}/*`, provider, model: "*", params, info: { extra: {} } });
}

function withId(deployment: Omit<Deployment, "id">): Deployment {
  return { id: deriveDeploymentId(deployment), ...deployment };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
