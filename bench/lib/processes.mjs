// Child processes of the benchmark: every one is tracked by PID and stopped by PID (SIGTERM, then SIGKILL) when
// the run ends, fails or is interrupted. Nothing is ever killed by name.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { request as httpRequest } from "node:http";

const running = new Map();

/** Stops one tracked child by PID and resolves when it has exited (SIGKILL after `graceMs`). */
export function stopChild(child, graceMs = 1500) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(child.pid);
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      running.delete(child.pid);
      resolve();
    });
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      clearTimeout(timer);
      running.delete(child.pid);
      resolve();
    }
  });
}

/** Stops every child still running (used on exit, Ctrl-C and errors). */
export async function stopAll() {
  await Promise.all([...running.values()].map((child) => stopChild(child)));
}

function killAllNow() {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}

let handlersInstalled = false;
/** Makes sure children die with the harness, whatever way it ends. */
export function installCleanupHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping ${running.size} child process(es)\n`);
      stopAll().finally(() => process.exit(130));
    });
  }
}

/**
 * Spawns a long-lived child, logging its output to `logFile`. With `portFromStdout`, resolves once the child has
 * printed a `{"port":N}` line (our own helper processes do); the port is returned.
 */
export function startChild({ command, args, env, logFile, portFromStdout = false, timeoutMs = 30_000 }) {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  running.set(child.pid, child);
  const log = createWriteStream(logFile, { flags: "a" });
  child.stderr.pipe(log);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`${command} ${args.join(" ")} did not start within ${timeoutMs} ms (log: ${logFile})`),
      );
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited early (code ${code}, signal ${signal}); see ${logFile}`));
    });
    if (!portFromStdout) {
      child.stdout.pipe(log);
      clearTimeout(timer);
      resolve({ child, pid: child.pid, port: undefined });
      return;
    }
    let buffered = "";
    const onData = (data) => {
      buffered += data.toString();
      const line = buffered.split("\n").find((candidate) => candidate.startsWith('{"port":'));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.stdout.pipe(log);
      resolve({ child, pid: child.pid, port: JSON.parse(line).port });
    };
    child.stdout.on("data", onData);
  });
}

/** Runs a short-lived command (a load generator) to completion, tracked like the others, with a hard timeout. */
export function runCommand(command, args, { timeoutMs, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    running.set(child.pid, child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => {
      stdout += data.toString();
    });
    child.stderr.on("data", (data) => {
      stderr += data.toString();
    });
    const timer = setTimeout(() => {
      stopChild(child, 500);
    }, timeoutMs ?? 60_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      running.delete(child.pid);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      running.delete(child.pid);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One small HTTP request to 127.0.0.1 (health checks, upstream control); resolves with status and body text. */
export function httpCall({ port, method = "GET", path, headers = {}, body, timeoutMs = 5000 }) {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    const outgoing = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent: false,
        headers: payload
          ? { "content-type": "application/json", "content-length": payload.length, ...headers }
          : headers,
        timeout: timeoutMs,
      },
      (incoming) => {
        const parts = [];
        incoming.on("data", (part) => parts.push(part));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode, text: Buffer.concat(parts).toString() }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`timeout ${method} ${path}`)));
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

/** Polls `path` on 127.0.0.1:`port` until it answers 2xx. */
export async function waitForHttp(port, path, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const result = await httpCall({ port, path, timeoutMs: 1000 });
      if (result.status >= 200 && result.status < 300) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port}${path} not healthy within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
