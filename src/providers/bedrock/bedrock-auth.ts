import { GatewayError } from "../../core/errors/gateway-error.js";
import type { Deployment } from "../../core/types/deployment.js";
import type { EnvironmentDiscovery, UpstreamRequest } from "../../core/types/provider.js";
import { type AwsCredentials, signSigV4 } from "../shared/sigv4.js";

/** Environment variables read by the Bedrock provider (documented in the README's provider table). */
export const BEDROCK_ENV_VARS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION_NAME",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_BEARER_TOKEN_BEDROCK",
] as const;

/** Region variables for the embedded default's `bedrock/*`, first set wins (LiteLLM's name first). */
const DISCOVERY_REGION_VARIABLES = ["AWS_REGION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION"] as const;

/**
 * The embedded default's `bedrock/*` (no config file): an AWS key pair and a region in the environment make it;
 * a key pair without a region is a warning, never a guess.
 */
export function discoverBedrock(env: Readonly<Environment>): EnvironmentDiscovery | undefined {
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  const region = DISCOVERY_REGION_VARIABLES.map((name) => nonEmpty(env[name])).find(
    (value) => value !== undefined,
  );
  if (region === undefined) {
    return {
      warning: `AWS credentials found but no region (${DISCOVERY_REGION_VARIABLES.join(", ")}); bedrock/* is not enabled`,
    };
  }
  const extra: Record<string, unknown> = {
    aws_access_key_id: accessKeyId,
    aws_secret_access_key: secretAccessKey,
    aws_region_name: region,
  };
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  if (sessionToken !== undefined) extra.aws_session_token = sessionToken;
  return { params: { extra } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** LiteLLM's default when neither the deployment nor the environment names a region. */
const DEFAULT_REGION = "us-west-2";

export type BedrockAuth =
  | { type: "sigv4"; credentials: AwsCredentials; region: string }
  | { type: "bearer"; token: string; region: string };

export type Environment = Record<string, string | undefined>;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * Resolves how to authenticate one Bedrock call. Deployment settings (`litellm_params`: `aws_access_key_id`,
 * `aws_secret_access_key`, `aws_session_token`, `aws_region_name`, or `api_key` as a Bedrock API key) win over the
 * standard AWS environment variables; a key pair beats a bearer token at the same level. Profiles, role assumption
 * and instance metadata are not supported: a deployment that asks for them fails loudly instead of silently
 * using other credentials.
 */
export function resolveBedrockAuth(deployment: Deployment, env: Environment = process.env): BedrockAuth {
  const extra = deployment.params.extra;
  for (const unsupported of ["aws_profile_name", "aws_role_name", "aws_web_identity_token"]) {
    if (text(extra[unsupported]) !== undefined) {
      throw new GatewayError(
        "upstream_auth",
        `Deployment '${deployment.id}' sets ${unsupported}, which the bedrock provider does not support; use aws_access_key_id/aws_secret_access_key or a Bedrock API key.`,
        { provider: "bedrock", reason: "unsupported_credentials" },
      );
    }
  }
  const region =
    text(extra.aws_region_name) ??
    text(extra.region_name) ??
    text(env.AWS_REGION) ??
    text(env.AWS_DEFAULT_REGION) ??
    DEFAULT_REGION;
  const accessKeyId = text(extra.aws_access_key_id);
  const secretAccessKey = text(extra.aws_secret_access_key);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const sessionToken = text(extra.aws_session_token);
    return {
      type: "sigv4",
      region,
      credentials:
        sessionToken === undefined
          ? { accessKeyId, secretAccessKey }
          : { accessKeyId, secretAccessKey, sessionToken },
    };
  }
  const apiKey = text(deployment.params.apiKey);
  if (apiKey !== undefined) return { type: "bearer", token: apiKey, region };
  const envKeyId = text(env.AWS_ACCESS_KEY_ID);
  const envSecret = text(env.AWS_SECRET_ACCESS_KEY);
  if (envKeyId !== undefined && envSecret !== undefined) {
    const sessionToken = text(env.AWS_SESSION_TOKEN);
    return {
      type: "sigv4",
      region,
      credentials:
        sessionToken === undefined
          ? { accessKeyId: envKeyId, secretAccessKey: envSecret }
          : { accessKeyId: envKeyId, secretAccessKey: envSecret, sessionToken },
    };
  }
  const envBearer = text(env.AWS_BEARER_TOKEN_BEDROCK);
  if (envBearer !== undefined) return { type: "bearer", token: envBearer, region };
  throw new GatewayError(
    "upstream_auth",
    `No AWS credentials for deployment '${deployment.id}': set aws_access_key_id/aws_secret_access_key (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or a Bedrock API key.`,
    { provider: "bedrock", reason: "missing_credentials" },
  );
}

/**
 * The Bedrock Runtime base URL: `api_base` or `aws_bedrock_runtime_endpoint` when set (VPC endpoints, proxies,
 * test fakes), else the regional public endpoint.
 */
export function bedrockBaseUrl(deployment: Deployment, region: string): string {
  const configured =
    text(deployment.params.apiBase) ?? text(deployment.params.extra.aws_bedrock_runtime_endpoint);
  return (configured ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(/\/+$/, "");
}

/**
 * One authenticated Bedrock Runtime POST, for every action (Converse, ConverseStream, InvokeModel): SigV4-signed
 * over the final headers, or a Bedrock API key as a bearer token.
 */
export async function authorizeBedrockRequest(
  auth: BedrockAuth,
  url: string,
  headers: Record<string, string>,
  body: string,
  signingDate?: Date,
): Promise<UpstreamRequest> {
  if (auth.type === "bearer") {
    return { url, method: "POST", headers: { ...headers, authorization: `Bearer ${auth.token}` }, body };
  }
  const signed = await signSigV4({
    method: "POST",
    url,
    headers,
    body,
    region: auth.region,
    service: "bedrock",
    credentials: auth.credentials,
    ...(signingDate === undefined ? {} : { signingDate }),
  });
  return { url, method: "POST", headers: signed, body };
}
