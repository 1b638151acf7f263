#!/usr/bin/env node
// Entry point of the `switchboard` command: runs the compiled gateway (built by `npm ci` / `npm run build`).
// Operator commands (`switchboard keys list`, …) go straight to the CLI, without loading the gateway.
import { existsSync } from "node:fs";

// The nouns of src/cli/index.ts (a test keeps the two lists equal).
const OPERATOR_NOUNS = ["keys", "teams", "members", "usage", "models", "config"];
const operator = OPERATOR_NOUNS.includes(process.argv[2] ?? "");
const entry = new URL(operator ? "../dist/src/cli/main.js" : "../dist/src/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("switchboard: dist/ is missing; run `npm run build` (npm ci does it for you).\n");
  process.exit(1);
}
const module = await import(entry.href);
if (operator) await module.main(process.argv.slice(2));
