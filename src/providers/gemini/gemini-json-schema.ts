import { isPlainObject } from "../shared/provider-options.js";

/**
 * Down-levels a JSON Schema (what OpenAI callers send for tool parameters and response formats) to the OpenAPI
 * 3.0 subset that Gemini's `Schema` accepts: local `$ref`s are inlined (recursion is cut), type unions and
 * `{type:"null"}` branches become `nullable`, `oneOf` becomes `anyOf`, `const` becomes a one-value enum, and
 * keywords Gemini rejects (`additionalProperties`, `$schema`, `default`, `examples`, exclusive bounds,
 * unsupported `format`s, …) are dropped. Nesting deeper than Gemini's limit keeps only the node's type.
 */

/** Gemini rejects deeply nested schemas; deeper nodes keep their type and description only. */
export const GEMINI_MAX_SCHEMA_DEPTH = 24;

const STRING_FORMATS = new Set(["enum", "date-time"]);
const NUMBER_FORMATS = new Set(["float", "double", "int32", "int64"]);
const COPIED_KEYWORDS = [
  "title",
  "description",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "minProperties",
  "maxProperties",
  "propertyOrdering",
] as const;

type Schema = Record<string, unknown>;

export function toGeminiSchema(schema: unknown): Schema {
  const root = isPlainObject(schema) ? schema : {};
  return convert(root, root, 0, new Set());
}

function convert(node: Schema, root: Schema, depth: number, resolving: Set<string>): Schema {
  const ref = node["$ref"];
  if (typeof ref === "string") {
    const target = resolveRef(ref, root);
    if (target === undefined || resolving.has(ref)) {
      // Unresolvable or recursive: Gemini cannot express recursion, so the branch is an open object.
      return withDescription({ type: "object" }, node);
    }
    const next = new Set(resolving).add(ref);
    const { $ref: _ref, ...siblings } = node;
    return convert({ ...target, ...siblings }, root, depth, next);
  }

  const out: Schema = {};
  let nullable = node["nullable"] === true;

  // Type unions: ["string", "null"] → string + nullable; several non-null types → anyOf.
  const type = node["type"];
  let types: string[] = [];
  if (typeof type === "string") types = [type];
  else if (Array.isArray(type)) types = type.filter((entry): entry is string => typeof entry === "string");
  if (types.includes("null")) {
    nullable = true;
    types = types.filter((entry) => entry !== "null");
  }

  // anyOf / oneOf: a null branch becomes nullable; one remaining branch is merged in.
  const unionKey = Array.isArray(node["anyOf"])
    ? "anyOf"
    : Array.isArray(node["oneOf"])
      ? "oneOf"
      : undefined;
  if (unionKey !== undefined) {
    const branches = (node[unionKey] as unknown[]).filter(isPlainObject);
    const nonNull = branches.filter((branch) => branch["type"] !== "null");
    if (nonNull.length < branches.length) nullable = true;
    if (nonNull.length === 1) {
      const { [unionKey]: _union, ...rest } = node;
      const merged = convert({ ...rest, ...nonNull[0] }, root, depth, resolving);
      if (nullable) merged["nullable"] = true;
      return merged;
    }
    if (nonNull.length > 1) {
      if (depth >= GEMINI_MAX_SCHEMA_DEPTH) return truncated(node, nullable);
      out["anyOf"] = nonNull.map((branch) => convert(branch, root, depth + 1, resolving));
    }
  }

  // allOf: merged shallowly (properties and required are unioned).
  if (Array.isArray(node["allOf"])) {
    const { allOf, ...rest } = node;
    const merged: Schema = { ...rest };
    for (const branch of (allOf as unknown[]).filter(isPlainObject)) {
      const resolved = typeof branch["$ref"] === "string" ? (resolveRef(branch["$ref"], root) ?? {}) : branch;
      for (const [key, value] of Object.entries(resolved)) {
        if (key === "properties" && isPlainObject(merged["properties"]) && isPlainObject(value)) {
          merged["properties"] = { ...merged["properties"], ...value };
        } else if (key === "required" && Array.isArray(merged["required"]) && Array.isArray(value)) {
          merged["required"] = [...new Set([...(merged["required"] as unknown[]), ...value])];
        } else if (merged[key] === undefined) {
          merged[key] = value;
        }
      }
    }
    return convert(merged, root, depth, resolving);
  }

  if (types.length > 1) {
    const { type: _type, ...rest } = node;
    const result: Schema = {
      anyOf: types.map((entry) => convert({ ...rest, type: entry }, root, depth + 1, resolving)),
    };
    if (nullable) result["nullable"] = true;
    return result;
  }
  const single = types[0];
  if (single !== undefined) out["type"] = single;

  if (depth >= GEMINI_MAX_SCHEMA_DEPTH) return truncated(node, nullable, single);

  for (const keyword of COPIED_KEYWORDS) {
    if (node[keyword] !== undefined) out[keyword] = node[keyword];
  }

  const format = node["format"];
  if (typeof format === "string") {
    if (
      (single === "string" && STRING_FORMATS.has(format)) ||
      ((single === "number" || single === "integer") && NUMBER_FORMATS.has(format))
    ) {
      out["format"] = format;
    }
  }

  if ("const" in node && typeof node["const"] === "string") {
    out["type"] = "string";
    out["enum"] = [node["const"]];
  }
  if (Array.isArray(node["enum"])) {
    const values = node["enum"].filter((value) => value !== null);
    if (node["enum"].includes(null)) nullable = true;
    // Gemini enums are string-only.
    if (values.every((value) => typeof value === "string")) {
      out["enum"] = values;
      if (out["type"] === undefined) out["type"] = "string";
    }
  }

  if (isPlainObject(node["properties"])) {
    const properties: Schema = {};
    for (const [name, value] of Object.entries(node["properties"])) {
      properties[name] = convert(isPlainObject(value) ? value : {}, root, depth + 1, resolving);
    }
    out["properties"] = properties;
    if (out["type"] === undefined) out["type"] = "object";
    if (Array.isArray(node["required"])) {
      const required = node["required"].filter(
        (name): name is string => typeof name === "string" && Object.hasOwn(properties, name),
      );
      if (required.length > 0) out["required"] = required;
    }
  }

  if (node["items"] !== undefined) {
    const items = Array.isArray(node["items"]) ? node["items"][0] : node["items"];
    out["items"] = convert(isPlainObject(items) ? items : {}, root, depth + 1, resolving);
    if (out["type"] === undefined) out["type"] = "array";
  } else if (single === "array") {
    out["items"] = { type: "string" };
  }

  if (nullable) out["nullable"] = true;
  return out;
}

function truncated(node: Schema, nullable: boolean, type?: string): Schema {
  const out: Schema = { type: type ?? "object" };
  if (typeof node["description"] === "string") out["description"] = node["description"];
  if (nullable) out["nullable"] = true;
  return out;
}

function withDescription(out: Schema, node: Schema): Schema {
  if (typeof node["description"] === "string") out["description"] = node["description"];
  return out;
}

/** Resolves `#/$defs/X`, `#/definitions/X` and other local JSON pointers against the root schema. */
function resolveRef(ref: string, root: Schema): Schema | undefined {
  if (!ref.startsWith("#")) return undefined;
  if (ref === "#") return root;
  let current: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return isPlainObject(current) ? current : undefined;
}
