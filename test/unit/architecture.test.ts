import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Top-level room of a path under src/ ("core", "router", "providers", "rest", …; files at the root are "app"). */
function room(path: string): string {
  const rel = relative(SRC, path);
  if (rel.startsWith("..")) return rel.includes("gen/") ? "gen" : "outside";
  const [first, second] = rel.split("/");
  return second === undefined ? "app" : (first ?? "app");
}

/** What each room may import (besides itself, node: and npm packages). "app" is the wiring: it may import all. */
const ALLOWED: Record<string, string[]> = {
  // Generic helpers (STYLE: "Generic helpers live in src/shared/"): a leaf that every room may import.
  shared: [],
  core: [],
  router: ["core"],
  providers: ["core"],
  // config and usage read what providers declare (environment variables, price families) through the registry.
  config: ["core", "providers"],
  auth: ["core"],
  logging: [],
  store: [],
  // keys reads per-window usage limits from key metadata through limits/ (which depends on core only).
  keys: ["core", "auth", "store", "limits"],
  // The edges render the domain modules' admin surfaces (keys, usage).
  rest: ["core", "auth", "logging", "keys", "usage", "responses"],
  connect: ["core", "auth", "logging", "gen", "keys", "usage"],
  usage: ["core", "keys", "limits", "store", "logging", "providers"],
  limits: ["core", "keys"],
  // Metrics, readiness, traces, callbacks, alerts: fed by the core's RequestObserver port; nothing but app.ts and
  // main.ts imports them. observability-config.ts reads the config's settings type (config depends on core only).
  observability: ["core", "config"],
  // Stored OpenAI Responses (conversation state) over the gateway's database.
  responses: ["store"],
  // Guardrails implement the core's Guardrails port from the config's typed guardrail list.
  guardrails: ["core", "config"],
  // The response cache: implements the core's ResponseCache port; only app.ts imports it.
  cache: ["core"],
};

describe("dependencies point one way (STYLE: core <- router, providers; edges over core)", () => {
  for (const file of files(SRC)) {
    const from = room(file);
    const allowed = ALLOWED[from];
    if (allowed === undefined) continue;
    it(`${relative(SRC, file)} imports only what ${from}/ may`, () => {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/from\s+"(\.[^"]+)"/g)) {
        const target = room(resolve(dirname(file), match[1] ?? ""));
        if (target === from || target === "shared") continue;
        if (target === "providers") {
          // A provider is one folder: other rooms see providers only through the registry's declarations.
          assert.equal(
            relative(SRC, resolve(dirname(file), match[1] ?? "")).replace(/\.js$/, ".ts"),
            "providers/registry.ts",
            `${relative(SRC, file)} imports ${match[1]}; outside providers/ read providers through providers/registry.ts`,
          );
        }
        assert.ok(
          allowed.includes(target),
          `${relative(SRC, file)} imports ${match[1]} (${target}/), which ${from}/ may not`,
        );
      }
    });
  }
});
