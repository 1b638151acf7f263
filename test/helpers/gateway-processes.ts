import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { MASTER_KEY } from "./gateway.js";
import type { GatewayProcessSetup } from "./gateway-process.js";

export interface GatewayProcess {
  url: string;
  headers: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./gateway-process.ts", import.meta.url));

/** Spawns one gateway process (`node --import tsx`) and waits until it listens. */
export async function spawnGateway(setup: GatewayProcessSetup): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, SWITCHBOARD_TEST_GATEWAY: JSON.stringify(setup) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  return {
    url,
    child,
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
