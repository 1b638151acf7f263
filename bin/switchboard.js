#!/usr/bin/env node
// Entry point of the `switchboard` command: runs the compiled gateway (built by `npm ci` / `npm run build`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("switchboard: dist/ is missing; run `npm run build` (npm ci does it for you).\n");
  process.exit(1);
}
await import(entry.href);
