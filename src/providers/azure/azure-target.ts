import { GatewayError } from "../../core/errors/gateway-error.js";
import type { Deployment } from "../../core/types/deployment.js";
import { type Environment, fromEnv, settingText } from "../shared/api-key.js";
import { modelPathSegment } from "../shared/model-path-segment.js";
import { AZURE_DEFAULT_API_VERSION } from "./azure-api.js";

/** Environment variables read by the Azure provider, by role (declared in index.ts for config). */
export const AZURE_ENV_VARS = {
  apiKey: ["AZURE_API_KEY", "AZURE_OPENAI_API_KEY"],
  apiBase: ["AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"],
  apiVersion: ["AZURE_API_VERSION", "OPENAI_API_VERSION"],
  adToken: ["AZURE_AD_TOKEN"],
} as const;

const text = settingText;

/**
 * Where one Azure OpenAI operation goes and how it authenticates, for chat and embeddings alike. Two URL surfaces:
 * the deployment surface `{api_base}/openai/deployments/{deployment}/{operation}?api-version=…` (the default), and
 * the v1 surface `{api_base}/openai/v1/{operation}` (when api_base already ends in `/openai/v1` or api_version is
 * "v1"/"latest"), where the deployment goes in the body's `model`. Auth is the `api-key` header, or an Entra ID
 * bearer token (`azure_ad_token`) when no key is set. The deployment name is one encoded path segment.
 */
export function azureTarget(
  deployment: Deployment,
  operation: "chat/completions" | "embeddings",
  env: Environment = process.env,
): { url: string; auth: Record<string, string> } {
  const params = deployment.params;
  const base = (text(params.apiBase) ?? fromEnv(env, AZURE_ENV_VARS.apiBase))?.replace(/\/+$/, "");
  if (base === undefined) {
    throw new GatewayError(
      "internal",
      `Deployment '${deployment.id}' (azure) needs api_base (or AZURE_API_BASE): the Azure OpenAI resource endpoint.`,
      { provider: "azure", reason: "missing_api_base" },
    );
  }
  const apiVersion =
    text(params.apiVersion) ?? fromEnv(env, AZURE_ENV_VARS.apiVersion) ?? AZURE_DEFAULT_API_VERSION;
  const v1 = /\/openai\/v1$/.test(base) || apiVersion === "v1" || apiVersion === "latest";
  const url = v1
    ? `${/\/openai\/v1$/.test(base) ? base : `${base}/openai/v1`}/${operation}`
    : `${base}/openai/deployments/${modelPathSegment(deployment.model, "azure")}/${operation}?api-version=${encodeURIComponent(apiVersion)}`;
  const key = text(params.apiKey) ?? fromEnv(env, AZURE_ENV_VARS.apiKey);
  const adToken = text(params.extra["azure_ad_token"]) ?? fromEnv(env, AZURE_ENV_VARS.adToken);
  if (key !== undefined) return { url, auth: { "api-key": key } };
  if (adToken !== undefined) return { url, auth: { authorization: `Bearer ${adToken}` } };
  throw new GatewayError(
    "upstream_auth",
    `No credentials for deployment '${deployment.id}' (azure): set api_key (AZURE_API_KEY) or azure_ad_token (AZURE_AD_TOKEN).`,
    { provider: "azure", reason: "missing_credentials" },
  );
}
