// Installs what the benchmark needs on a fresh machine: wrk and h2load from Debian, Portkey's gateway from npm into
// bench/portkey/ (its own package.json and lock; never a dependency of Switchboard).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PORTKEY_DIR = fileURLToPath(new URL("../portkey/", import.meta.url));
const PORTKEY_ENTRY = `${PORTKEY_DIR}node_modules/@portkey-ai/gateway/build/start-server.js`;
const HONO_SERVER_PACKAGE = `${PORTKEY_DIR}node_modules/@hono/node-server/package.json`;

function onPath(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Makes sure wrk, h2load and taskset exist, installing the Debian packages when we may (root with apt-get). */
export function ensureLoadGenerators(log) {
  const missing = [
    ["wrk", "wrk"],
    ["h2load", "nghttp2-client"],
    ["taskset", "util-linux"],
  ].filter(([command]) => !onPath(command));
  if (missing.length === 0) return;
  const packages = missing.map(([, debianPackage]) => debianPackage);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !onPath("apt-get")) {
    throw new Error(
      `missing ${missing.map(([command]) => command).join(", ")}; install: apt-get install ${packages.join(" ")}`,
    );
  }
  log(`installing ${packages.join(" ")} with apt-get`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...packages], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

/** Installs Portkey 1.15.2 (with @hono/node-server pinned to 1.13.8) unless present; returns its entry script. */
export function ensurePortkey(log) {
  const pinned = () =>
    existsSync(PORTKEY_ENTRY) &&
    existsSync(HONO_SERVER_PACKAGE) &&
    JSON.parse(readFileSync(HONO_SERVER_PACKAGE, "utf8")).version === "1.13.8";
  if (!pinned()) {
    log("installing @portkey-ai/gateway@1.15.2 into bench/portkey (benchmark only)");
    execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: PORTKEY_DIR,
      stdio: "inherit",
    });
    if (!pinned()) throw new Error("Portkey install did not produce @hono/node-server 1.13.8");
  }
  return PORTKEY_ENTRY;
}
