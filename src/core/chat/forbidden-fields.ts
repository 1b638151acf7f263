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

/**
 * Body fields the gateway decides and meters, in every spelling a provider uses: the model, the prompt, the
 * token limit, streaming, the number of choices, tools, routing and the caller's identity (GUARDS 8b). None of
 * them may come from `provider_options` or a pass-through field; each provider's allow-list
 * (providers/<id>/<id>-options.ts) holds none of them, and the edges refuse them early, before anything is
 * reserved or routed.
 */
export const GATEWAY_DECIDED_FIELDS: ReadonlySet<string> = new Set([
  // the model and where it runs
  "model",
  "model_id",
  "modelid",
  "models",
  "route",
  "provider",
  "deployment",
  "deployment_id",
  // the prompt
  "messages",
  "contents",
  "input",
  "prompt",
  "system",
  "systeminstruction",
  "system_instruction",
  "documents",
  "template",
  "raw",
  // the token limit and the number of answers
  "max_tokens",
  "max_completion_tokens",
  "maxtokens",
  "max_output_tokens",
  "maxoutputtokens",
  "max_new_tokens",
  "num_predict",
  "inferenceconfig",
  "n",
  "candidatecount",
  "best_of",
  "use_beam_search",
  // streaming
  "stream",
  "stream_options",
  "streamoptions",
  // tools
  "tools",
  "tool_choice",
  "toolchoice",
  "toolconfig",
  "functions",
  "function_call",
  // price and identity
  "service_tier",
  "servicetier",
  "user",
  "extra_body",
]);

function gatewayDecided(key: string): boolean {
  return GATEWAY_DECIDED_FIELDS.has(key.toLowerCase().replace(/-/g, "_"));
}

function refuseDecided(name: string): never {
  throw invalidRequest(
    `'${name}' cannot be set by callers: the gateway decides the model, prompt, token limit, streaming, tools ` +
      "and identity of every upstream request. Use the request's own field.",
    name,
  );
}

/**
 * Refuses `provider_options` keys that would replace what the gateway decided: at the top level
 * (`provider_options.model`) and one level down (`provider_options.openai.max_tokens`,
 * `provider_options.generationConfig.maxOutputTokens`). Deeper values belong to a knob the provider's own
 * allow-list checks. Throws a 400 naming the path.
 */
export function assertOptionsOnlyAdd(options: Record<string, unknown>, path: string): void {
  for (const [key, value] of Object.entries(options)) {
    const name = `${path}.${key}`;
    if (gatewayDecided(key)) refuseDecided(name);
    if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
    for (const inner of Object.keys(value)) if (gatewayDecided(inner)) refuseDecided(`${name}.${inner}`);
  }
}

/** Refuses top-level pass-through fields that spell a gateway-decided field differently (`maxTokens`, `extra_body`). */
export function assertPassthroughOnlyAdds(passthrough: Record<string, unknown>): void {
  for (const key of Object.keys(passthrough)) {
    if (key === "extra_body") {
      // The OpenAI SDKs merge `extra_body` into the body before sending; a literal one is not unwrapped.
      throw invalidRequest(
        "'extra_body' is a client-SDK option: send its fields at the top level of the body.",
        key,
      );
    }
    if (gatewayDecided(key)) refuseDecided(key);
  }
}
