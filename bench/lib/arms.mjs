// The arms of the benchmark: how each one is started and how a client addresses it. Every arm talks to the same
// fake upstream; "direct" is the client talking to the upstream itself.
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { httpCall, runCommand, startChild, waitForHttp } from "./processes.mjs";
import { ensurePortkey } from "./tools.mjs";

const BENCH_DIR = fileURLToPath(new URL("../", import.meta.url));
const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));
const LOOPBACK_PRELOAD = join(BENCH_DIR, "loopback-only.mjs");

/** The master key the benchmark's Switchboard config uses (a local, throwaway value). */
export const MASTER_KEY = "sk-bench-master-0123456789abcdef0123";
const UPSTREAM_KEY = "sk-fake";

function childEnv(profileDir) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" };
  return profileDir === undefined ? env : { ...env, BENCH_PROFILE_DIR: profileDir };
}

/**
 * The command and arguments that run node with `nodeArgs`, under `wrapWith` (e.g. valgrind and its flags) when
 * given; the wrapper execs node, so the measured PID is still the arm's.
 */
function wrapped(wrapWith, nodeArgs) {
  if (wrapWith.length === 0) return { command: process.execPath, args: nodeArgs };
  return { command: wrapWith[0], args: [...wrapWith.slice(1), process.execPath, ...nodeArgs] };
}

/** A free TCP port on 127.0.0.1 (for programs that need a port number up front). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function newestMtime(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether dist/ is missing or older than a source file (then the Switchboard arm builds it first). */
function distIsStale() {
  const built = join(REPO_DIR, "dist", "src", "app.js");
  if (!existsSync(built)) return true;
  const sources = ["src", "gen"].map((name) => join(REPO_DIR, name)).filter((path) => existsSync(path));
  return Math.max(...sources.map(newestMtime)) > statSync(built).mtimeMs;
}

function switchboardConfig(upstreamPort) {
  return [
    "model_list:",
    "  - model_name: bench",
    "    litellm_params:",
    "      model: openai/bench",
    `      api_base: "http://127.0.0.1:${upstreamPort}/v1"`,
    `      api_key: "${UPSTREAM_KEY}"`,
    "  - model_name: bench-anthropic",
    "    litellm_params:",
    "      model: anthropic/claude-bench",
    `      api_base: "http://127.0.0.1:${upstreamPort}"`,
    `      api_key: "${UPSTREAM_KEY}"`,
    "general_settings:",
    `  master_key: "${MASTER_KEY}"`,
    "",
  ].join("\n");
}

/** Starts the gateway from dist/ (rebuilt when stale) with the bench config; `extraArgs`/`env` for variants. */
export async function startSwitchboard({
  upstream,
  logFile,
  runDir,
  log,
  nodeArgs = [],
  profileDir,
  extraArgs = [],
  env = {},
  wrapWith = [],
}) {
  const bin = join(REPO_DIR, "bin", "switchboard.js");
  if (!existsSync(bin)) return { skipped: "bin/switchboard.js does not exist (gateway not merged)" };
  if (distIsStale()) {
    log("building dist/ for the Switchboard arm (npm run build)");
    const build = await runCommand("npm", ["run", "build"], { timeoutMs: 300_000, env: process.env });
    if (build.code !== 0)
      return { skipped: `npm run build failed: ${(build.stdout + build.stderr).slice(-500)}` };
  }
  const port = await freePort();
  const configFile = join(runDir, "switchboard.yaml");
  writeFileSync(configFile, switchboardConfig(upstream.port));
  const args = [bin, "--config", configFile, "--port", String(port), "--host", "127.0.0.1", ...extraArgs];
  const started = await startChild({
    ...wrapped(wrapWith, [...nodeArgs, "--import", LOOPBACK_PRELOAD, ...args]),
    // Each gateway its own data directory (SQLite, journal): arms never share a database.
    env: { ...childEnv(profileDir), SWITCHBOARD_DATA_DIR: join(runDir, `switchboard-data-${port}`), ...env },
    logFile,
  });
  await waitForHttp(port, "/health/liveliness", wrapWith.length > 0 ? 600_000 : 60_000);
  return { pid: started.pid, port, child: started.child };
}

/**
 * Arm definitions. `start({ upstream, logFile, runDir, log, nodeArgs, profileDir })` (nodeArgs: extra node flags
 * such as a profiling preload) returns `{ pid, port }` (pid = the process whose CPU and memory are measured) or
 * `{ skipped }` with a reason. `route(kind)` gives the path, headers and model for an OpenAI-shaped request that
 * ends at the upstream's OpenAI ("openai") or Anthropic ("anthropic") endpoint.
 */
export const ARMS = {
  direct: {
    label: "direct",
    async start({ upstream }) {
      return { pid: upstream.pid, port: upstream.port };
    },
    route(kind) {
      if (kind !== "openai") return undefined;
      return {
        path: "/v1/chat/completions",
        model: "bench",
        headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
      };
    },
  },
  bare: {
    label: "bare pipe",
    async start({ upstream, logFile, nodeArgs = [], profileDir, wrapWith = [] }) {
      const started = await startChild({
        ...wrapped(wrapWith, [
          ...nodeArgs,
          join(BENCH_DIR, "bare-proxy.mjs"),
          `--upstream=http://127.0.0.1:${upstream.port}`,
          "--port=0",
        ]),
        env: childEnv(profileDir),
        logFile,
        portFromStdout: true,
        timeoutMs: wrapWith.length > 0 ? 600_000 : 30_000,
      });
      return { pid: started.pid, port: started.port, child: started.child };
    },
    route(kind) {
      if (kind !== "openai") return undefined;
      return {
        path: "/v1/chat/completions",
        model: "bench",
        headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
      };
    },
  },
  switchboard: {
    label: "Switchboard",
    start: startSwitchboard,
    route(kind) {
      return {
        path: "/v1/chat/completions",
        model: kind === "anthropic" ? "bench-anthropic" : "bench",
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      };
    },
  },
  "switchboard-key": {
    label: "Switchboard, virtual key",
    /**
     * The tenant path: the same gateway, called with a virtual key that has a budget and an rpm limit (both far
     * above what the run spends), so every request is authenticated by key lookup, reserved against the budget,
     * counted against the rpm limit and settled.
     */
    async start(options) {
      const started = await startSwitchboard(options);
      if (started.skipped !== undefined) return started;
      const created = await httpCall({
        port: started.port,
        method: "POST",
        path: "/key/generate",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          key_alias: "bench-tenant",
          max_budget: 1_000_000,
          budget_duration: "30d",
          rpm_limit: 100_000_000,
        }),
      });
      const key = created.status === 200 ? JSON.parse(created.text).key : undefined;
      if (typeof key !== "string") {
        return { skipped: `POST /key/generate answered ${created.status}: ${created.text.slice(0, 200)}` };
      }
      return { ...started, virtualKey: key, note: "virtual key with budget + rpm limit" };
    },
    route(kind, started) {
      return {
        path: "/v1/chat/completions",
        model: kind === "anthropic" ? "bench-anthropic" : "bench",
        headers: { authorization: `Bearer ${started.virtualKey}` },
      };
    },
  },
  portkey: {
    label: "Portkey 1.15.2",
    async start({ upstream, logFile, log, nodeArgs = [], profileDir }) {
      const entry = ensurePortkey(log);
      const port = await freePort();
      const started = await startChild({
        command: process.execPath,
        args: [...nodeArgs, "--import", LOOPBACK_PRELOAD, entry, `--port=${port}`, "--headless"],
        env: childEnv(profileDir),
        logFile,
      });
      await waitForHttp(port, "/", 60_000);
      return { pid: started.pid, port, child: started.child, upstreamPort: upstream.port };
    },
    route(kind, started) {
      const host =
        kind === "anthropic"
          ? { provider: "anthropic", customHost: `http://127.0.0.1:${started.upstreamPort}/v1` }
          : { provider: "openai", customHost: `http://127.0.0.1:${started.upstreamPort}/v1` };
      return {
        path: "/v1/chat/completions",
        model: "bench",
        headers: {
          authorization: `Bearer ${UPSTREAM_KEY}`,
          "x-portkey-provider": host.provider,
          "x-portkey-custom-host": host.customHost,
        },
      };
    },
  },
};
