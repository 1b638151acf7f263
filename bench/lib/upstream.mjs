// Starts the fake upstream (bench/fake-upstream.mjs) in its own process and wraps its control endpoints.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { httpCall, startChild } from "./processes.mjs";

const UPSTREAM_SCRIPT = fileURLToPath(new URL("../fake-upstream.mjs", import.meta.url));

/** The upstream's settings at the start of every scenario; a scenario's patch goes on top. */
export const UPSTREAM_DEFAULTS = {
  delayMs: 0,
  chunks: 23,
  intervalMs: 0,
  contentBytes: 400,
  errorEvery: 0,
  errorStatus: 500,
  failAfterChunks: 0,
};

/** Starts the fake upstream on 127.0.0.1 (any free port); returns its pid, port, `configure(patch)` and `stats()`. */
export async function startUpstream(runDir) {
  const started = await startChild({
    command: process.execPath,
    args: [UPSTREAM_SCRIPT, "--port=0"],
    env: { PATH: process.env.PATH, NODE_ENV: "production" },
    logFile: join(runDir, "upstream.log"),
    portFromStdout: true,
  });
  const port = started.port;
  return {
    pid: started.pid,
    port,
    async configure(patch) {
      const body = { ...UPSTREAM_DEFAULTS, ...patch };
      const result = await httpCall({ port, method: "PUT", path: "/__bench/config", body });
      if (result.status !== 200) throw new Error(`upstream config rejected: ${result.text}`);
    },
    async stats() {
      const result = await httpCall({ port, path: "/__bench/stats" });
      return JSON.parse(result.text);
    },
  };
}
