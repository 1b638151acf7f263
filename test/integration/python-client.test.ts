import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { databaseTargets, type KeysGateway, MASTER_KEY, startKeysGateway } from "../helpers/keys-gateway.js";

/**
 * The generated Python client (clients/python) against a real gateway: chat unary and streaming over gRPC,
 * create and revoke a key. Needs Debian's python3 with python3-grpcio and python3-protobuf; skipped with a
 * message when they are missing, except under CI=true.
 */
const PYTHON = process.env["PYTHON"] ?? "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../clients/python/tests/check_client.py", import.meta.url));

function skipReason(): string | false {
  const probe = existsSync(PYTHON)
    ? spawnSync(PYTHON, ["-c", "import grpc, google.protobuf"], { encoding: "utf8" })
    : undefined;
  if (probe?.status === 0) return false;
  const why = `${PYTHON} with grpc and protobuf is missing (apt-get install python3-grpcio python3-protobuf)`;
  if (process.env["CI"] === "true") throw new Error(`${why} (CI=true)`);
  return `${why}; Python client test skipped`;
}

describe("Python client against a running gateway", { skip: skipReason() }, () => {
  let gateway: KeysGateway;
  before(async () => {
    const target = (await databaseTargets()).find((candidate) => candidate.name === "sqlite")!;
    gateway = await startKeysGateway(target);
  });
  after(async () => gateway?.close());

  it("chat unary and stream, create a key, use it, revoke it", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(PYTHON, [SCRIPT, gateway.url], {
      env: { PATH: process.env["PATH"] ?? "", SWITCHBOARD_API_KEY: MASTER_KEY, PYTHONDONTWRITEBYTECODE: "1" },
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, out);
    assert.match(out, /complete ok/);
    assert.match(out, /stream ok/);
    assert.match(out, /revoke_key ok/);
    assert.match(out, /ALL OK/);
    assert.ok(!out.includes(MASTER_KEY), "the admin key was printed");
  });
});
