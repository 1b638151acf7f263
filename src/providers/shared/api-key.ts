import { GatewayError } from "../../core/errors/gateway-error.js";
import type { Deployment } from "../../core/types/deployment.js";

export type Environment = Record<string, string | undefined>;

/**
 * The deployment's `api_key`, else the first set environment variable among the provider's standard names.
 * Missing credentials are our configuration problem (`upstream_auth`), reported without any secret.
 */
export function resolveApiKey(
  deployment: Deployment,
  provider: string,
  envNames: readonly string[],
  env: Environment = process.env,
): string {
  const key = optionalApiKey(deployment, envNames, env);
  if (key !== undefined) return key;
  throw new GatewayError(
    "upstream_auth",
    `No API key for deployment '${deployment.id}': set api_key${envNames.length > 0 ? ` or ${envNames.join(" / ")}` : ""}.`,
    { provider, reason: "missing_credentials" },
  );
}

/** Like resolveApiKey, for providers where a key is optional (local servers). */
export function optionalApiKey(
  deployment: Deployment,
  envNames: readonly string[],
  env: Environment = process.env,
): string | undefined {
  const configured = deployment.params.apiKey;
  if (typeof configured === "string" && configured.trim() !== "") return configured;
  for (const name of envNames) {
    const value = env[name];
    if (typeof value === "string" && value.trim() !== "") return value;
  }
  return undefined;
}

/** `api_base` without trailing slashes, else the provider default. */
export function baseUrl(deployment: Deployment, fallback: string): string {
  const configured = deployment.params.apiBase;
  return (typeof configured === "string" && configured.trim() !== "" ? configured : fallback).replace(
    /\/+$/,
    "",
  );
}

/** A setting's text, trimmed; undefined when it is not a string or is blank. */
export function settingText(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** The first of the named environment variables that is set and not blank, trimmed. */
export function fromEnv(env: Environment, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = settingText(env[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}
