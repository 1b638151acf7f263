import { invalidRequest } from "../errors/gateway-error.js";

/**
 * Fields that would let a caller choose where we send traffic or with which credential. Rejected at any depth
 * of the caller's free-form fields (GUARDS 6: no client-chosen egress).
 */
const FORBIDDEN = new Set([
  "api_base",
  "base_url",
  "apibase",
  "baseurl",
  "api_key",
  "apikey",
  "custom_host",
  "endpoint",
  "aws_bedrock_runtime_endpoint",
  "vertex_credentials",
  "aws_secret_access_key",
  "aws_access_key_id",
  "azure_ad_token",
  "api_version",
  "organization",
]);

const MAX_DEPTH = 32;

/** Throws a 400 naming the path of the first forbidden field found in `value`. */
export function assertNoEgressFields(value: unknown, path: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw invalidRequest(`'${path}' is nested too deeply.`, path);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++)
      assertNoEgressFields(value[index], `${path}[${index}]`, depth + 1);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const key of Object.keys(value)) {
    const name = path.length === 0 ? key : `${path}.${key}`;
    if (FORBIDDEN.has(key.toLowerCase().replace(/-/g, "_"))) {
      throw invalidRequest(`'${name}' is not allowed: the gateway decides where requests go.`, name);
    }
    assertNoEgressFields((value as Record<string, unknown>)[key], name, depth + 1);
  }
}
