import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { listProviders, providerDeclarations } from "../../src/providers/registry.js";

/**
 * "A provider is one folder" (STYLE; docs/adding-a-provider.md): outside src/providers/, no source file spells a
 * provider id as a string or an environment variable a provider declares. The few places that legitimately do are
 * listed here with their reason; a new one fails this test until it reads the registry instead (or is argued for
 * here).
 */
const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** file (relative to src/) → the provider ids or variables it may spell, and why. */
const ALLOWED: Record<string, { names: readonly string[]; why: string }> = {
  "config/embedded-default.ts": { names: ["mock"], why: "the embedded default's demo models" },
  // The core cannot import providers/; provider-inference.test.ts holds this list equal to the registry.
  "core/catalog/provider-inference.ts": {
    names: listProviders(),
    why: "bare-name inference in the core (held equal to the registry by a test)",
  },
  "core/catalog/known-models.ts": {
    names: listProviders(),
    why: "our ids → @pydantic/genai-prices provider ids (not yet declared by the providers)",
  },
  "usage/price-table.ts": { names: ["bedrock"], why: "Bedrock model-id spellings in price lookups" },
  // Examples in user-facing text, not behaviour.
  "cli.ts": { names: ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"], why: "an example in --help" },
  "config/build-deployments.ts": { names: ["openai"], why: "an example in a config error message" },
  "keys/key-validation.ts": { names: ["openai"], why: "an example in a key error message" },
  "rest/anthropic-messages/from-anthropic-messages.ts": {
    names: ["anthropic"],
    why: "the Messages edge's provider-options namespace",
  },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Source text without comments, so that prose may still name providers. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

const ids = listProviders();
const variables = [
  ...new Set(
    providerDeclarations().flatMap((p) => {
      const env = p.environment;
      return env === undefined
        ? []
        : [...env.apiKey, ...env.apiBase, ...(env.apiVersion ?? []), ...(env.other ?? [])];
    }),
  ),
];

describe("provider knowledge lives in src/providers/ (read elsewhere through the registry)", () => {
  it("the scan has something to look for", () => {
    assert.ok(ids.length >= 20, ids.join(","));
    for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AZURE_API_BASE"])
      assert.ok(variables.includes(name), name);
    assert.ok(variables.includes("AWS_ACCESS_KEY_ID") && variables.includes("MISTRAL_API_KEY"));
  });

  for (const file of files(SRC)) {
    const rel = relative(SRC, file);
    if (rel.startsWith("providers/")) continue;
    it(`${rel} spells no provider id or provider variable`, () => {
      const text = code(readFileSync(file, "utf8"));
      const allowed = new Set(ALLOWED[rel]?.names ?? []);
      const found: string[] = [];
      for (const id of ids) {
        if (allowed.has(id)) continue;
        if (new RegExp(`["'\`]${id}(?:/[^"'\`]*)?["'\`]`).test(text)) found.push(`id ${id}`);
      }
      for (const name of variables) {
        if (allowed.has(name)) continue;
        if (new RegExp(`\\b${name}\\b`).test(text)) found.push(`variable ${name}`);
      }
      assert.deepEqual(found, [], `${rel}: read these through src/providers/registry.ts`);
    });
  }

  it("every allow-list entry is still needed (no stale exceptions)", () => {
    for (const [rel, entry] of Object.entries(ALLOWED)) {
      const text = code(readFileSync(join(SRC, rel), "utf8"));
      assert.ok(
        entry.names.some((name) => text.includes(name)),
        `${rel} no longer spells ${entry.names.join("/")} (${entry.why}): remove it from ALLOWED`,
      );
    }
  });

  it("price families name registered providers", () => {
    for (const provider of providerDeclarations()) {
      for (const family of provider.priceFamily ?? [])
        assert.ok(ids.includes(family), `${provider.id} → ${family}`);
    }
  });
});
