import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { readConformance } from "./conformance.js";

type Validate = ((data: unknown) => boolean) & { errors?: unknown };

let compiled: { response: Validate; chunk: Validate } | undefined;

/**
 * Validators for OpenAI's own schemas (`CreateChatCompletionResponse`, `CreateChatCompletionStreamResponse`)
 * from test/fixtures/conformance/openai/openapi.yaml: every response and chunk we send must pass them.
 */
export function openAISchemas(): { response: Validate; chunk: Validate } {
  if (compiled !== undefined) return compiled;
  const document = parse(readConformance("openai/openapi.yaml"), { maxAliasCount: -1 }) as {
    components: { schemas: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  ajv.addKeyword({ keyword: "x-oaiTypeLabel" });
  ajv.addSchema({ $id: "openai", components: upgradeNullable(document.components) });
  const get = (name: string) => ajv.compile({ $ref: `openai#/components/schemas/${name}` }) as Validate;
  compiled = {
    response: get("CreateChatCompletionResponse"),
    chunk: get("CreateChatCompletionStreamResponse"),
  };
  return compiled;
}

interface ResponsesValidators {
  response: Validate;
  /** One validator per stream event type (the member of `ResponseStreamEvent` whose `type` enum names it). */
  event: (type: string) => Validate;
  inputTokens: Validate;
}

let responses: ResponsesValidators | undefined;

/** Validators for the Responses API schemas (`Response`, `ResponseStreamEvent` members) from the same document. */
export function openAIResponsesSchemas(): ResponsesValidators {
  if (responses !== undefined) return responses;
  const document = parse(readConformance("openai/openapi.yaml"), { maxAliasCount: -1 }) as {
    components: { schemas: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  ajv.addKeyword({ keyword: "x-oaiTypeLabel" });
  ajv.addKeyword({ keyword: "x-stainless-const" });
  ajv.addSchema({ $id: "openai", components: upgradeNullable(document.components) });
  const get = (name: string) => ajv.compile({ $ref: `openai#/components/schemas/${name}` }) as Validate;
  const members = new Map<string, string>();
  const union = document.components.schemas["ResponseStreamEvent"] as { anyOf: { $ref: string }[] };
  for (const member of union.anyOf) {
    const name = member.$ref.split("/").pop() as string;
    const schema = document.components.schemas[name] as { properties?: { type?: { enum?: string[] } } };
    for (const type of schema.properties?.type?.enum ?? []) members.set(type, name);
  }
  const events = new Map<string, Validate>();
  const event = (type: string): Validate => {
    const name = members.get(type);
    if (name === undefined) throw new Error(`No ResponseStreamEvent member has type '${type}'.`);
    let validate = events.get(name);
    if (validate === undefined) {
      validate = get(name);
      events.set(name, validate);
    }
    return validate;
  };
  const built: ResponsesValidators = {
    response: get("Response"),
    event,
    inputTokens: get("TokenCountsResource"),
  };
  responses = built;
  return built;
}

export function assertValid(validate: Validate, data: unknown, what: string): void {
  if (!validate(data)) {
    throw new Error(
      `${what} does not match OpenAI's schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(data)}`,
    );
  }
}

/** The document mixes OpenAPI 3.0's `nullable: true` into 3.1 schemas; express it in JSON Schema terms. */
function upgradeNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(upgradeNullable);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = upgradeNullable(value);
  if (out["nullable"] !== true) return out;
  delete out["nullable"];
  const type = out["type"];
  if (typeof type === "string") {
    out["type"] = [type, "null"];
    if (Array.isArray(out["enum"])) out["enum"] = [...(out["enum"] as unknown[]), null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}
