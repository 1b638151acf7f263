// `switchboard --workers N`: real processes (a node:cluster primary and its workers) sharing PostgreSQL (one schema)
// and Redis. Rate limits and revocations hold across workers, the first-run master key is printed once, a worker
// that crashes is replaced, SIGTERM drains every worker, and the embedded default refuses N > 1.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { connectKeysClient } from "../helpers/keys-client.js";
import { POSTGRES_URL, postgresSkip, REDIS_URL, redisSkip, uniqueSchema } from "../helpers/keys-gateway.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const skip = (await postgresSkip()) || (await redisSkip());

interface Cluster {
  child: ChildProcess;
  url: string;
  port: number;
  masterKey: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnGateway(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  // "close", not "exit": every byte the workers and the primary wrote to stdout has been read by then.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

async function startCluster(args: string[], env: Record<string, string>): Promise<Cluster> {
  const started = spawnGateway(args, env);
  const url = await new Promise<string>((resolve, reject) => {
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no banner after 120 s: ${started.stderr()}\n${started.stdout().slice(-2000)}`));
    }, 120_000);
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(started.stderr());
      if (match?.[1]) {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve(match[1]);
      }
    }, 50);
    void started.exited.then((code) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      reject(new Error(`gateway exited ${code}: ${started.stderr()}`));
    });
  });
  const generated = /^\s+(sk-sb-master-\S+)$/m.exec(started.stderr());
  return {
    ...started,
    url,
    port: Number(new URL(url).port),
    masterKey: generated?.[1] ?? "",
  };
}

/** One request on its own connection (no keep-alive), so that node:cluster spreads them over the workers. */
function chat(port: number, token: string, requestId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/v1/chat/completions",
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-request-id": requestId,
          connection: "close",
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("error", reject);
    request.setTimeout(20_000, () => request.destroy(new Error(`${requestId}: no answer in 20 s`)));
    request.end(JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "Hi" }] }));
  });
}

/** Access lines (JSON) whose request id starts with `prefix`: which worker answered, with which status. */
function accessLines(stdout: string, prefix: string): { worker: number; status: number }[] {
  return stdout
    .split("\n")
    .filter((line) => line.includes(`"request_id":"${prefix}`))
    .map((line) => JSON.parse(line) as { worker: number; status: number });
}

function workerPids(primary: number): number[] {
  return execFileSync("pgrep", ["-P", String(primary)])
    .toString()
    .trim()
    .split("\n")
    .filter((line) => line.length > 0)
    .map(Number);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("--workers on the embedded default (SQLite, in-process limits)", () => {
  it("refuses N > 1 with the reason, before writing anything", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-workers-refused-"));
    const run = spawnGateway(["--workers", "2", "--port", "0"], { SWITCHBOARD_DATA_DIR: dataDir });
    assert.equal(await run.exited, 1);
    assert.match(run.stderr(), /--workers 2 needs state shared between the workers/);
    assert.match(run.stderr(), /Redis \(REDIS_URL\)/);
    assert.match(run.stderr(), /PostgreSQL \(DATABASE_URL\).*SQLite/);
    assert.doesNotMatch(run.stderr(), /listening on/);
    // No master key was generated and stored unseen, no database was created.
    assert.deepEqual(existsSync(dataDir) ? readdirSync(dataDir) : [], []);
  });

  it("refuses a bad worker count, and two spellings at once", async () => {
    for (const args of [
      ["--workers", "0"],
      ["--num_workers", "two"],
      ["--workers", "2", "--num_workers", "2"],
    ]) {
      const run = spawnGateway([...args, "--port", "0"], {
        SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "sb-workers-bad-")),
      });
      assert.equal(await run.exited, 2, args.join(" "));
      assert.match(run.stderr(), /workers/);
    }
  });
});

describe("two workers sharing PostgreSQL and Redis", { skip }, () => {
  const schema = uniqueSchema("workers");
  let cluster: Cluster;

  before(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    // The schema name is generated by the test (letters, digits, _), not user input.
    await client.query(`create schema "${schema}"`);
    await client.end();
    // No master key configured: the first run generates one, which must be printed once (by the primary).
    cluster = await startCluster(["--num_workers", "2", "--port", "0"], {
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      REDIS_URL,
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "sb-workers-")),
      SWITCHBOARD_LOG_LEVEL: "info",
    });
  });

  after(async () => {
    if (cluster !== undefined && cluster.child.exitCode === null) {
      cluster.child.kill("SIGKILL");
      for (const pid of workerPids(cluster.child.pid ?? 0)) process.kill(pid, "SIGKILL");
    }
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it("prints the banner and the generated master key once, and runs two workers", async () => {
    assert.equal(cluster.stderr().match(/listening on http/g)?.length, 1);
    assert.equal(cluster.stderr().match(/one was generated/g)?.length, 1);
    assert.ok(cluster.masterKey.startsWith("sk-sb-master-"));
    assert.equal(workerPids(cluster.child.pid ?? 0).length, 2);
  });

  it("admits exactly the rpm limit across workers: limit 20, 60 concurrent requests → 20", async () => {
    const admin = connectKeysClient(cluster.url, cluster.masterKey);
    const { secret } = await admin.createKey({
      key: { displayName: "rpm-across-workers", limits: { rpmLimit: 20n } },
    });
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, index) => chat(cluster.port, secret, `rpm-${index}`)),
    );
    assert.equal(statuses.filter((status) => status === 200).length, 20);
    assert.equal(statuses.filter((status) => status === 429).length, 40);
  });

  it("refuses on every worker a key revoked through one of them", async () => {
    const admin = connectKeysClient(cluster.url, cluster.masterKey);
    const { key, secret } = await admin.createKey({ key: { displayName: "revoked-across-workers" } });
    // Both workers look the key up and cache it.
    const before = await Promise.all(
      Array.from({ length: 10 }, (_, index) => chat(cluster.port, secret, `cached-${index}`)),
    );
    assert.deepEqual(new Set(before), new Set([200]));
    await admin.revokeKey({ keyId: key?.keyId ?? "" });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the propagation window (GUARDS: 1 s)
    const afterRevoke = await Promise.all(
      Array.from({ length: 20 }, (_, index) => chat(cluster.port, secret, `revoked-${index}`)),
    );
    assert.deepEqual(new Set(afterRevoke), new Set([401]));
  });

  it("SIGTERM to the primary drains every worker, then the primary exits 0", async () => {
    const primary = cluster.child.pid ?? 0;
    const workers = workerPids(primary);
    cluster.child.kill("SIGTERM");
    assert.equal(await cluster.exited, 0);
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), "a worker outlived the primary");
    const stdout = cluster.stdout();
    // Workers flush their logs on exit: now every access line is there, with the worker that wrote it.
    assert.ok((stdout.match(/"msg":"stopped"/g)?.length ?? 0) >= 2, "workers did not drain");
    const limited = accessLines(stdout, "rpm-");
    assert.equal(limited.length, 60);
    assert.equal(new Set(limited.map((line) => line.worker)).size, 2, "one worker served every request");
    assert.equal(limited.filter((line) => line.status === 200).length, 20);
    const revoked = accessLines(stdout, "revoked-");
    assert.equal(new Set(revoked.map((line) => line.worker)).size, 2, "only one worker saw the revoked key");
    assert.ok(revoked.every((line) => line.status === 401));
  });
});

describe("a worker that crashes", { skip }, () => {
  const schema = uniqueSchema("workers_crash");
  let cluster: Cluster;

  before(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`create schema "${schema}"`);
    await client.end();
    cluster = await startCluster(["--workers", "2", "--port", "0"], {
      DATABASE_URL: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      REDIS_URL,
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "sb-workers-crash-")),
      SWITCHBOARD_MASTER_KEY: "sk-workers-crash-0123456789abcdefABCDEF",
      SWITCHBOARD_LOG_LEVEL: "info",
    });
    cluster.masterKey = "sk-workers-crash-0123456789abcdefABCDEF";
  });

  after(async () => {
    if (cluster !== undefined && cluster.child.exitCode === null) {
      for (const pid of workerPids(cluster.child.pid ?? 0)) process.kill(pid, "SIGKILL");
      cluster.child.kill("SIGKILL");
    }
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it("is replaced (and logged) while the other keeps serving", { timeout: 120_000 }, async () => {
    const primary = cluster.child.pid ?? 0;
    const [victim] = workerPids(primary);
    process.kill(victim ?? 0, "SIGKILL");
    await until(() => {
      const pids = workerPids(primary);
      return pids.length === 2 && !pids.includes(victim ?? 0);
    }, 60_000);
    // A connection handed to the worker in the instant it dies is lost with it (node:cluster), so the calls
    // start once the primary has seen the exit; they are served by the survivor or the replacement.
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, index) => chat(cluster.port, cluster.masterKey, `after-crash-${index}`)),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    cluster.child.kill("SIGTERM");
    const code = await Promise.race([
      cluster.exited,
      new Promise((resolve) => setTimeout(resolve, 60_000, "hung")),
    ]);
    assert.equal(
      code,
      0,
      `primary did not exit: ${execFileSync("ps", ["-ef"])
        .toString()
        .split("\n")
        .filter((line) => line.includes("main.ts"))
        .join("\n")}\n${cluster.stdout().slice(-3000)}`,
    );
    assert.match(cluster.stdout(), /"signal":"SIGKILL","msg":"worker exited"/);
    assert.match(cluster.stdout(), /"msg":"restarting the worker"/);
  });
});
