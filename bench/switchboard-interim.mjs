#!/usr/bin/env node
// Interim launcher for the Switchboard arm while bin/switchboard.js (config loading, main) does not exist yet:
// starts the gateway through the same startApp() that main will use, from the compiled dist/, with the two
// deployments of the benchmark config (bench → openai, bench-anthropic → anthropic when that provider is
// registered). The benchmark uses bin/switchboard.js as soon as it exists; delete this file then.
// Usage: node bench/switchboard-interim.mjs --upstream-port=N --port=M --master-key=KEY
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const DIST = fileURLToPath(new URL("../dist/src/", import.meta.url));
const { values: flags } = parseArgs({
  options: {
    "upstream-port": { type: "string" },
    port: { type: "string" },
    "master-key": { type: "string" },
  },
});
const load = (path) => import(pathToFileURL(`${DIST}${path}`).href);

const { startApp } = await load("app.js");
const { hashSecret, displaySecret } = await load("auth/authenticator.js");
const { getProvider } = await load("providers/registry.js");

const upstream = `http://127.0.0.1:${Number(flags["upstream-port"])}`;
const deployment = (id, modelName, provider, model, apiBase) => ({
  id,
  modelName,
  provider,
  model,
  params: { apiBase, apiKey: "sk-fake", extra: {} },
  info: { extra: {} },
});
const deployments = [deployment("bench-openai", "bench", "openai", "bench", `${upstream}/v1`)];
if (getProvider("anthropic") !== undefined) {
  deployments.push(deployment("bench-anthropic", "bench-anthropic", "anthropic", "claude-bench", upstream));
}
const masterKey = flags["master-key"] ?? "";
const app = await startApp({
  deployments,
  host: "127.0.0.1",
  port: Number(flags.port),
  maxBodyBytes: 4 * 1024 * 1024,
  masterKey: { hash: hashSecret(masterKey), display: displaySecret(masterKey) },
});
process.stderr.write(
  `switchboard-interim: ${app.url} (${deployments.map((entry) => entry.modelName).join(", ")}; ` +
    `dist ${existsSync(DIST) ? "present" : "missing"})\n`,
);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    app.close(1000).finally(() => process.exit(0));
  });
}
