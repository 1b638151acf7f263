import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GEMINI_MAX_SCHEMA_DEPTH, toGeminiSchema } from "../../../src/providers/gemini/gemini-json-schema.js";
import { readRecording } from "../../helpers/provider-fixtures.js";

const FORBIDDEN = [
  "additionalProperties",
  "$schema",
  "$ref",
  "$defs",
  "definitions",
  "default",
  "const",
  "oneOf",
  "examples",
];

function keysDeep(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const entry of value) keysDeep(entry, out);
  else if (typeof value === "object" && value !== null) {
    for (const [key, entry] of Object.entries(value)) {
      out.add(key);
      // Property names are data, not keywords.
      if (key === "properties") for (const child of Object.values(entry as object)) keysDeep(child, out);
      else keysDeep(entry, out);
    }
  }
  return out;
}

describe("gemini JSON-schema down-leveller", () => {
  it("down-levels the js-genai JSON schema recording (recording-response-json-schema)", () => {
    const [interaction] = readRecording("gemini/recording-response-json-schema.json");
    const schema = (
      interaction!.request.bodySegments[0] as {
        generationConfig: { responseJsonSchema: Record<string, unknown> };
      }
    ).generationConfig.responseJsonSchema;
    const converted = toGeminiSchema(schema);
    for (const key of keysDeep(converted)) assert.ok(!FORBIDDEN.includes(key), `${key} removed`);
    const properties = converted["properties"] as Record<string, Record<string, unknown>>;
    assert.deepEqual(properties["nullableField"], { type: "string", nullable: true });
    assert.deepEqual(properties["nullableArrayField"], {
      type: "array",
      items: { type: "string" },
      nullable: true,
    });
    assert.equal(properties["nullableObjectField"]?.["nullable"], true);
    assert.equal(properties["nullableObjectField"]?.["type"], "object");
    assert.deepEqual(properties["unionField"], { anyOf: [{ type: "string" }, { type: "number" }] });
    assert.deepEqual(properties["stringDatatime"], { type: "string", format: "date-time" });
    assert.deepEqual(properties["stringWithEnum"], {
      type: "string",
      enum: ["enumvalue1", "enumvalue2", "enumvalue3"],
    });
    assert.deepEqual(properties["numberWithMinMax"], { type: "number", minimum: 1, maximum: 10 });
    assert.deepEqual(converted["required"], schema["required"]);
  });

  it("inlines $ref and cuts recursion", () => {
    const converted = toGeminiSchema({
      type: "object",
      $defs: {
        address: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false },
        node: { type: "object", properties: { child: { $ref: "#/$defs/node" } } },
      },
      properties: { home: { $ref: "#/$defs/address" }, tree: { $ref: "#/$defs/node" } },
    });
    assert.deepEqual(converted, {
      type: "object",
      properties: {
        home: { type: "object", properties: { city: { type: "string" } } },
        tree: { type: "object", properties: { child: { type: "object" } } },
      },
    });
  });

  it("turns const into an enum, oneOf into anyOf, drops unsupported formats and non-string enums", () => {
    assert.deepEqual(toGeminiSchema({ const: "fixed" }), { type: "string", enum: ["fixed"] });
    assert.deepEqual(toGeminiSchema({ oneOf: [{ type: "string" }, { type: "integer" }] }), {
      anyOf: [{ type: "string" }, { type: "integer" }],
    });
    assert.deepEqual(toGeminiSchema({ type: "string", format: "uri" }), { type: "string" });
    assert.deepEqual(toGeminiSchema({ type: "integer", enum: [1, 2] }), { type: "integer" });
    assert.deepEqual(
      toGeminiSchema({ type: "object", properties: { a: { type: "string" } }, required: ["a", "missing"] }),
      {
        type: "object",
        properties: { a: { type: "string" } },
        required: ["a"],
      },
    );
  });

  it("keeps nesting within the limit", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let level = 0; level < GEMINI_MAX_SCHEMA_DEPTH + 10; level++) {
      schema = { type: "object", properties: { next: schema } };
    }
    let depth = 0;
    let node: Record<string, unknown> | undefined = toGeminiSchema(schema);
    while (node !== undefined) {
      depth++;
      node = (node["properties"] as Record<string, Record<string, unknown>> | undefined)?.["next"];
    }
    assert.ok(depth <= GEMINI_MAX_SCHEMA_DEPTH + 1, `depth ${depth}`);
  });
});
