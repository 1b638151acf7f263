import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { Deployment } from "../../core/types/deployment.js";
import { createOpenAIEmbeddings } from "../openai/openai-embeddings.js";
import type { Environment } from "../shared/api-key.js";
import { AZURE_DEFAULT_API_VERSION } from "./azure-api.js";

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function fromEnv(env: Environment, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = text(env[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Same variables as the chat builder (index.ts AZURE_ENV_VARS; not imported, to keep index.ts → this one-way). */
const ENV = {
  apiKey: ["AZURE_API_KEY", "AZURE_OPENAI_API_KEY"],
  apiBase: ["AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"],
  apiVersion: ["AZURE_API_VERSION", "OPENAI_API_VERSION"],
  adToken: ["AZURE_AD_TOKEN"],
} as const;

/**
 * Azure OpenAI's embeddings URL and credentials, on the same two surfaces as chat: the deployment surface
 * `{api_base}/openai/deployments/{deployment}/embeddings?api-version=…`, or the v1 surface
 * `{api_base}/openai/v1/embeddings` with the deployment in the body's `model`. `api-key` header, else an Entra ID
 * bearer token.
 */
export function azureEmbeddingsTarget(
  deployment: Deployment,
  env: Environment = process.env,
): { url: string; headers: Record<string, string>; model: string } {
  const params = deployment.params;
  const base = (text(params.apiBase) ?? fromEnv(env, ENV.apiBase))?.replace(/\/+$/, "");
  if (base === undefined) {
    throw new GatewayError(
      "internal",
      `Deployment '${deployment.id}' (azure) needs api_base (or AZURE_API_BASE): the Azure OpenAI resource endpoint.`,
      { provider: "azure", reason: "missing_api_base" },
    );
  }
  const apiVersion = text(params.apiVersion) ?? fromEnv(env, ENV.apiVersion) ?? AZURE_DEFAULT_API_VERSION;
  const v1 = /\/openai\/v1$/.test(base) || apiVersion === "v1" || apiVersion === "latest";
  const url = v1
    ? `${/\/openai\/v1$/.test(base) ? base : `${base}/openai/v1`}/embeddings`
    : `${base}/openai/deployments/${encodeURIComponent(deployment.model)}/embeddings?api-version=${encodeURIComponent(apiVersion)}`;
  const key = text(params.apiKey) ?? fromEnv(env, ENV.apiKey);
  const adToken = text(params.extra["azure_ad_token"]) ?? fromEnv(env, ENV.adToken);
  let auth: Record<string, string>;
  if (key !== undefined) auth = { "api-key": key };
  else if (adToken !== undefined) auth = { authorization: `Bearer ${adToken}` };
  else {
    throw new GatewayError(
      "upstream_auth",
      `No credentials for deployment '${deployment.id}' (azure): set api_key (AZURE_API_KEY) or azure_ad_token (AZURE_AD_TOKEN).`,
      { provider: "azure", reason: "missing_credentials" },
    );
  }
  return { url, headers: { ...params.extraHeaders, ...auth }, model: deployment.model };
}

/** Azure OpenAI embeddings: OpenAI's wire (base64 passes through, token ids accepted, 2,048 a call). */
export const azureEmbeddings: EmbeddingAdapter = createOpenAIEmbeddings({
  provider: "azure",
  passEncoding: true,
  sendUser: true,
  maxInputsPerCall: 2048,
  acceptsTokens: true,
  target: (deployment) => azureEmbeddingsTarget(deployment),
});
