import { readFileSync } from "node:fs";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ServiceAccountCredentials } from "./oauth-token.js";

/**
 * Reads Google service-account credentials as LiteLLM configs give them (`vertex_credentials`): a parsed
 * object, a JSON string, or a path to the key file. Files are read once per path and kept, since the
 * credential does not change while the process runs. Errors never echo the value (it is a secret).
 */
const fileCache = new Map<string, ServiceAccountCredentials>();

export function loadServiceAccountCredentials(value: unknown, provider: string): ServiceAccountCredentials {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.startsWith("{")) return fromJsonText(trimmed, provider);
    const cached = fileCache.get(trimmed);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      text = readFileSync(trimmed, "utf8");
    } catch (error) {
      throw new GatewayError("upstream_auth", "The deployment's service-account key file cannot be read.", {
        provider,
        reason: "credentials_unreadable",
        cause: error,
      });
    }
    const credentials = fromJsonText(text, provider);
    fileCache.set(trimmed, credentials);
    return credentials;
  }
  return fromObject(value, provider);
}

function fromJsonText(text: string, provider: string): ServiceAccountCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(provider);
  }
  return fromObject(value, provider);
}

function fromObject(value: unknown, provider: string): ServiceAccountCredentials {
  if (typeof value !== "object" || value === null) throw invalid(provider);
  const record = value as Record<string, unknown>;
  const clientEmail = record["client_email"];
  const privateKey = record["private_key"];
  if (typeof clientEmail !== "string" || typeof privateKey !== "string") throw invalid(provider);
  const credentials: ServiceAccountCredentials = { clientEmail, privateKey };
  if (typeof record["private_key_id"] === "string") credentials.privateKeyId = record["private_key_id"];
  if (typeof record["project_id"] === "string") credentials.projectId = record["project_id"];
  if (typeof record["token_uri"] === "string") credentials.tokenUri = record["token_uri"];
  return credentials;
}

function invalid(provider: string): GatewayError {
  return new GatewayError(
    "upstream_auth",
    "The deployment's service-account credentials are not a valid key (client_email and private_key are required).",
    { provider, reason: "credentials_invalid" },
  );
}
