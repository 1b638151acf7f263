import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { LRUCache } from "lru-cache";
import type { GuardrailConfig } from "../config/guardrail-config.js";
import { guardrailViolation } from "../core/chat/guardrail-port.js";
import type { ChatRequest } from "../core/types/chat.js";

/**
 * JSON-schema validation of structured output (post_call): every choice's text must parse as JSON and satisfy the
 * configured schema, or, without one, the request's own `response_format` JSON schema (a request without one
 * passes). Validators are compiled once per distinct schema and kept in a bounded cache; ajv fetches nothing
 * (no `loadSchema`), so a `$ref` cannot reach the network.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: false, validateSchema: true }));
const compiled = new LRUCache<string, ValidateFunction | false>({ max: 256 });

function validatorFor(schema: Record<string, unknown>): ValidateFunction | false {
  const key = JSON.stringify(schema);
  let validator = compiled.get(key);
  if (validator === undefined) {
    try {
      validator = ajv.compile(schema);
    } catch {
      validator = false;
    }
    compiled.set(key, validator);
  }
  return validator;
}

/** Checked at startup: a configured schema that does not compile is a config error (app composition). */
export function compileConfiguredSchema(config: GuardrailConfig): void {
  if (config.jsonSchema !== undefined && validatorFor(config.jsonSchema) === false) {
    throw new Error(`guardrails: '${config.name}': json_schema is not a valid JSON schema`);
  }
}

/** Throws a violation when a choice's text is not JSON satisfying the schema that applies. */
export function checkStructuredOutput(
  config: GuardrailConfig,
  request: ChatRequest,
  texts: readonly (string | null)[],
): void {
  const format = request.responseFormat;
  const schema = config.jsonSchema ?? (format?.type === "json_schema" ? format.schema : undefined);
  if (schema === undefined) return;
  const validate = validatorFor(schema);
  if (validate === false) throw guardrailViolation(config.name, "the response schema does not compile");
  for (const text of texts) {
    if (text === null) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw guardrailViolation(config.name, "the answer is not valid JSON");
    }
    if (!validate(value)) {
      const first = validate.errors?.[0];
      const where =
        first?.instancePath === undefined || first.instancePath === "" ? "(root)" : first.instancePath;
      // The path and the keyword, never the value.
      throw guardrailViolation(
        config.name,
        `the answer does not match the JSON schema at ${where} (${first?.keyword ?? "schema"})`,
      );
    }
  }
}
