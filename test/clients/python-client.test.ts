/**
 * The generated Python client (clients/python) against a real gateway: chat unary and streamed, a key created,
 * used, refused outside its models and revoked, usage, embeddings, and errors naming the field. Runs Debian's
 * /usr/bin/python3 with python3-grpcio and python3-protobuf; without them it skips, except under CI=true.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { deployment } from "../helpers/gateway.js";
import { type KeysGateway, MASTER_KEY, startKeysGateway } from "../helpers/keys-gateway.js";
import {
  type FakeEmbeddingsUpstream,
  startFakeEmbeddingsUpstream,
} from "../integration/embeddings/fake-embeddings-upstream.js";

const PYTHON = "/usr/bin/python3";
const ROOT = new URL("../../", import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, {
      cwd: ROOT,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", (error) => resolve({ code: -1, output: String(error) }));
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

const probe = await run(["-c", "import grpc, google.protobuf"]);
const missing =
  probe.code === 0
    ? false
    : "Debian's python3 with python3-grpcio and python3-protobuf is needed (apt-get install python3-grpcio python3-protobuf)";
if (missing !== false && process.env["CI"] === "true") {
  throw new Error(`CI=true: ${missing}`);
}

let gateway: KeysGateway;
let upstream: FakeEmbeddingsUpstream;

before(async () => {
  if (missing !== false) return;
  upstream = await startFakeEmbeddingsUpstream();
  gateway = await startKeysGateway(
    { name: "sqlite", skip: false, options: () => ({ sqlitePath: ":memory:" }) },
    {},
    {
      deployments: [
        deployment("mock-gpt", "mock", "fixed"),
        deployment("mock/*", "mock", "*"),
        deployment("embedder", "openai", "text-embedding-3-small", {
          apiBase: `${upstream.url}/v1`,
          apiKey: "sk-upstream-python-canary",
        }),
      ],
    },
  );
});

after(async () => {
  if (missing !== false) return;
  await gateway.close();
  await upstream.close();
});

test("the Python client's unittest suite passes against the gateway over gRPC", {
  skip: missing,
}, async () => {
  const result = await run(["-m", "unittest", "discover", "-v", "-s", "clients/python/tests"], {
    SWITCHBOARD_URL: gateway.url,
    SWITCHBOARD_API_KEY: MASTER_KEY,
    SWITCHBOARD_EMBED_MODEL: "embedder",
  });
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /Ran 9 tests/);
  assert.doesNotMatch(result.output, /skipped/);
  assert.ok(!result.output.includes("sk-upstream-python-canary"), "no upstream credential in any output");
});
