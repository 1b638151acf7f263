import * as assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const CONFIG_DIRECTORY = fileURLToPath(new URL("../../../src/config/", import.meta.url));
const ALLOWED_PACKAGES = new Set(["zod", "yaml"]);

test("src/config imports only core/types, core/errors, core/catalog (the model catalog), the provider registry (what providers declare), shared/ helpers, its own files, node: builtins, zod and yaml", async () => {
  const offending: string[] = [];
  for (const name of await readdir(CONFIG_DIRECTORY)) {
    if (!name.endsWith(".ts")) continue;
    const text = await readFile(`${CONFIG_DIRECTORY}${name}`, "utf8");
    for (const match of text.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gms)) {
      const specifier = match[1] ?? "";
      const allowed =
        specifier.startsWith("node:") ||
        ALLOWED_PACKAGES.has(specifier) ||
        /^\.\/[a-z0-9-]+\.js$/.test(specifier) ||
        /^\.\.\/core\/(types|errors|catalog)\/[a-z0-9-]+\.js$/.test(specifier) ||
        // The request surfaces a cache setting names (`supported_call_types`) are the core observer's type.
        specifier === "../core/chat/request-observer.js" ||
        // Provider knowledge (environment variables) comes from the providers' own declarations, through the
        // registry only: never from a provider's folder.
        specifier === "../providers/registry.js" ||
        // Generic leaf helpers every room may import (STYLE: durations live in src/shared/).
        /^\.\.\/shared\/[a-z0-9-]+\.js$/.test(specifier);
      if (!allowed) offending.push(`${name}: ${specifier}`);
    }
  }
  assert.deepEqual(offending, []);
});
