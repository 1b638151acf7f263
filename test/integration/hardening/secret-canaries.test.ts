import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { Redis } from "ioredis";
import { type EchoUpstream, startEchoUpstream, vertexAccessToken } from "./secret-echo-upstream.js";

/**
 * Secret canaries (GUARDS 5, issue 11): every secret the gateway holds is set to a recognisable canary, a hostile
 * upstream echoes every request header and URL into its errors, stream error events and success metadata, and a
 * broad set of requests runs against the real process. Then every sink — stdout and stderr, every response body
 * and header, every ledger row, every file in the data directory (SQLite, WAL, journal), and every Redis key and
 * value — is searched for every canary. Hashes of secrets may appear; raw values may not.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const REDIS_URL = "redis://127.0.0.1:6379";
const TAG = randomBytes(4).toString("hex");

/** Canaries that look like nothing in particular: only registration (not shape matching) can catch them. */
const CANARY = {
  openai: `canaryOpenAIkey${TAG}zq`,
  anthropic: `canaryAnthropicKey${TAG}zq`,
  gemini: `canaryGeminiKey${TAG}zq`,
  azure: `canaryAzureKey${TAG}zq`,
  mistral: `canaryMistralEnvKey${TAG}zq`,
  cohere: `canaryCohereKey${TAG}zq`,
  awsSecret: `canaryAwsSecretAccessKey${TAG}zq`,
  awsKeyId: `AKIA${TAG.toUpperCase()}CNRY2345`,
  extraHeader: `canaryExtraHeader${TAG}zq`,
  master: `canary-master-key-${TAG}-7f3e9a1c5b`,
};

interface Sink {
  name: string;
  text: string;
}

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function startGateway(configPath: string, dataDir: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/main.ts", "--config", configPath, "--port", "0"],
    {
      cwd: ROOT,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "",
        SWITCHBOARD_MASTER_KEY: CANARY.master,
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_LOG_LEVEL: "debug",
        MISTRAL_API_KEY: CANARY.mistral,
        GEMINI_CANARY_KEY: CANARY.gemini,
        REDIS_URL,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

function configText(upstream: string, privateKeyPem: string): string {
  const vertexCredentials = JSON.stringify({
    type: "service_account",
    project_id: "canary-project",
    private_key_id: "kid1",
    private_key: privateKeyPem,
    client_email: "canary@canary-project.iam.gserviceaccount.com",
    token_uri: `${upstream}/token`,
  });
  const deployments = [
    `  - model_name: "oa/*"
    litellm_params: { model: "openai/*", api_base: "${upstream}/openai/v1", api_key: "${CANARY.openai}", extra_headers: { x-canary: "${CANARY.extraHeader}" } }`,
    `  - model_name: "an/*"
    litellm_params: { model: "anthropic/*", api_base: "${upstream}/anthropic", api_key: "${CANARY.anthropic}" }`,
    `  - model_name: "ge/*"
    litellm_params: { model: "gemini/*", api_base: "${upstream}/gemini", api_key: "os.environ/GEMINI_CANARY_KEY" }`,
    `  - model_name: "az/*"
    litellm_params: { model: "azure/*", api_base: "${upstream}/azure", api_key: "${CANARY.azure}", api_version: "2024-10-21" }`,
    `  - model_name: "mi/*"
    litellm_params: { model: "mistral/*", api_base: "${upstream}/mistral/v1" }`,
    `  - model_name: "co/*"
    litellm_params: { model: "cohere/*", api_base: "${upstream}/cohere", api_key: "${CANARY.cohere}" }`,
    `  - model_name: "br/*"
    litellm_params: { model: "bedrock/*", api_base: "${upstream}/bedrock", aws_access_key_id: "${CANARY.awsKeyId}", aws_secret_access_key: "${CANARY.awsSecret}", aws_region_name: "us-east-1" }`,
    `  - model_name: "vx/*"
    litellm_params:
      model: "vertex_ai/*"
      api_base: "${upstream}/vertex"
      vertex_project: canary-project
      vertex_location: us-central1
      vertex_credentials: '${vertexCredentials.replaceAll("'", "''")}'`,
  ];
  return `model_list:\n${deployments.join("\n")}\nrouter_settings:\n  num_retries: 1\n  retry_after: 0\n`;
}

describe("secret canaries: no configured or client secret reaches any sink", () => {
  let upstream: EchoUpstream;
  let gateway: Running;
  let dataDir: string;
  let pemBodyLines: string[];
  const sinks: Sink[] = [];
  const clientSecrets: string[] = [];

  before(async () => {
    upstream = await startEchoUpstream(TAG);
    dataDir = mkdtempSync(join(tmpdir(), "switchboard-canary-"));
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    pemBodyLines = pem.split("\n").filter((line) => line.length > 32 && !line.startsWith("-----"));
    const configPath = join(dataDir, "..", `canary-config-${TAG}.yaml`);
    writeFileSync(configPath, configText(upstream.url, pem));
    gateway = await startGateway(configPath, dataDir);
  });

  after(async () => {
    gateway?.child.kill("SIGKILL");
    await upstream?.close();
  });

  async function call(
    name: string,
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<{ status: number; text: string }> {
    const response = await fetch(`${gateway.url}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: { "content-type": "application/json", ...init.headers },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    sinks.push({ name: `${name}: body`, text });
    sinks.push({ name: `${name}: headers`, text: JSON.stringify([...response.headers.entries()]) });
    return { status: response.status, text };
  }

  it("drives successes, upstream errors, streams, admin routes and bad auth through the real process", async () => {
    const admin = { authorization: `Bearer ${CANARY.master}` };
    const created = await call("key/generate", "/key/generate", {
      headers: admin,
      body: { key_alias: "canary-user", models: [] },
    });
    assert.equal(created.status, 200, created.text);
    const { key, key_id: keyId } = JSON.parse(created.text) as { key: string; key_id: string };
    clientSecrets.push(key);
    const second = await call("key/generate 2", "/key/generate", {
      headers: admin,
      body: { key_alias: "canary-2" },
    });
    clientSecrets.push((JSON.parse(second.text) as { key: string }).key);
    const user = { authorization: `Bearer ${key}` };

    const statuses: Record<string, number> = {};
    const chat = async (model: string, stream = false) => {
      const result = await call(`chat ${model}${stream ? " stream" : ""}`, "/v1/chat/completions", {
        headers: user,
        body: { model, stream, messages: [{ role: "user", content: "hi" }] },
      });
      statuses[`${model}${stream ? " (stream)" : ""}`] = result.status;
      return result;
    };
    for (const prefix of ["oa", "an", "ge", "az", "mi", "vx"]) {
      assert.equal((await chat(`${prefix}/mode-ok`)).status, 200, `${prefix} success`);
      await chat(`${prefix}/mode-ok`, true);
      await chat(`${prefix}/mode-stream-error`, true);
    }
    for (const prefix of ["oa", "an", "ge", "az", "mi", "co", "br", "vx"]) {
      for (const status of ["400", "401", "429", "500"]) {
        const result = await chat(`${prefix}/mode-${status}`);
        assert.ok(result.status >= 400, `${prefix}/mode-${status} is an error (${result.status})`);
      }
      await chat(`${prefix}/mode-500`, true);
    }
    // The upstream did receive the canaries: the sweep below is not vacuous.
    const seen = upstream.seen.join("\n");
    for (const secret of [CANARY.openai, CANARY.anthropic, CANARY.gemini, CANARY.azure, CANARY.mistral]) {
      assert.ok(seen.includes(secret), "the upstream saw the provider key");
    }
    assert.ok(seen.includes(CANARY.awsKeyId) && seen.includes(CANARY.extraHeader));
    assert.ok(seen.includes(vertexAccessToken(TAG)));

    // Connect: unary success and an upstream error.
    await call("connect complete ok", "/switchboard.v1.ChatService/Complete", {
      headers: user,
      body: { model: "oa/mode-ok", messages: [{ role: "ROLE_USER", content: [{ text: "hi" }] }] },
    });
    await call("connect complete 400", "/switchboard.v1.ChatService/Complete", {
      headers: user,
      body: { model: "an/mode-400", messages: [{ role: "ROLE_USER", content: [{ text: "hi" }] }] },
    });

    // Admin and read routes.
    await call("key/info", `/key/info?key=${encodeURIComponent(keyId)}`, { headers: admin });
    await call("key/list", "/key/list", { headers: admin });
    await call("spend/logs", "/spend/logs", { headers: admin });
    await call("spend/logs as user", "/spend/logs", { headers: user });
    await call("global spend report", "/global/spend/report?group_by=model", { headers: admin });
    await call("models", "/v1/models", { headers: user });
    await call("health", "/health/readiness");
    await call("keys rpc", "/switchboard.v1.KeysService/ListKeys", { headers: admin, body: {} });
    await call("usage rpc", "/switchboard.v1.UsageService/QueryUsage", { headers: admin, body: {} });

    // Secrets where they do not belong: wrong headers, wrong schemes, query strings, forged keys.
    const wrong: Record<string, string>[] = [
      { "x-api-key": `${CANARY.master}x` },
      { authorization: CANARY.master.slice(0, -1) },
      { authorization: `Basic ${Buffer.from(`user:${CANARY.master}`).toString("base64")}` },
      { authorization: `Bearer ${CANARY.openai}` },
      { authorization: `Bearer ${key}-tampered` },
      { cookie: `token=${key}` },
      { "api-key": CANARY.anthropic },
    ];
    for (const [index, headers] of wrong.entries()) {
      const result = await call(`bad auth ${index}`, "/v1/chat/completions", {
        headers,
        body: { model: "oa/mode-ok", messages: [{ role: "user", content: "hi" }] },
      });
      assert.equal(result.status, 401, `bad auth ${index}`);
      await call(`bad auth rpc ${index}`, "/switchboard.v1.KeysService/ListKeys", { headers, body: {} });
    }
    await call("secret in query", `/spend/logs?api_key=${encodeURIComponent(key)}`, { headers: user });
    await call("master in query", `/v1/models?key=${encodeURIComponent(CANARY.master)}`, { headers: user });
    assert.ok(Object.keys(statuses).length >= 40, "a broad set of requests ran");
  });

  it("after shutdown, the canaries are in no log line, response, ledger row, data file or Redis value", async () => {
    gateway.child.kill("SIGTERM");
    assert.equal(await gateway.exited, 0);
    sinks.push({ name: "stdout", text: gateway.stdout() });
    sinks.push({ name: "stderr", text: gateway.stderr() });
    assert.ok(gateway.stdout().includes('"msg":"request"'), "the debug log was captured");

    // Every file the gateway wrote (SQLite, its WAL, the usage journal, the master-key hash).
    const files = readdirSync(dataDir, { recursive: true, encoding: "utf8" }).filter((name) =>
      statSync(join(dataDir, name)).isFile(),
    );
    for (const name of files)
      sinks.push({ name: `file ${name}`, text: readFileSync(join(dataDir, name)).toString("latin1") });
    assert.ok(files.some((name) => name.endsWith("switchboard.sqlite")));

    // Ledger rows and every other table, as the database returns them.
    const database = new BetterSqlite3(join(dataDir, "switchboard.sqlite"), { readonly: true });
    let ledgerRows = 0;
    try {
      const tables = database.prepare("select name from sqlite_master where type = 'table'").all() as {
        name: string;
      }[];
      for (const { name } of tables) {
        const rows = database.prepare(`select * from "${name}"`).all();
        if (name === "sb_usage") ledgerRows = rows.length;
        sinks.push({ name: `table ${name}`, text: JSON.stringify(rows) });
      }
    } finally {
      database.close();
    }
    assert.ok(ledgerRows >= 40, `the ledger holds the attempts (${ledgerRows})`);

    // Redis: every key and value (the canaries are unique to this run, so other tests' keys cannot match).
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    let redisKeys = 0;
    try {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "COUNT", 1000);
        cursor = next;
        for (const name of keys) {
          redisKeys += 1;
          const type = await redis.type(name);
          let value: unknown = null;
          if (type === "string") value = (await redis.getBuffer(name))?.toString("latin1");
          else if (type === "hash") value = await redis.hgetall(name);
          else if (type === "zset") value = await redis.zrange(name, "0", "-1", "WITHSCORES");
          else if (type === "list") value = await redis.lrange(name, 0, -1);
          else if (type === "set") value = await redis.smembers(name);
          else if (type === "stream") value = await redis.xrange(name, "-", "+");
          sinks.push({ name: `redis ${name}`, text: `${name} ${JSON.stringify(value)}` });
        }
      } while (cursor !== "0");
    } finally {
      redis.disconnect();
    }

    const canaries: [string, string][] = [
      ...Object.entries(CANARY),
      ...clientSecrets.map((secret, index): [string, string] => [`virtual key ${index}`, secret]),
      ["vertex access token", vertexAccessToken(TAG)],
      ...pemBodyLines.map((line, index): [string, string] => [`vertex private key line ${index}`, line]),
    ];
    const hits: string[] = [];
    for (const sink of sinks) {
      for (const [label, value] of canaries) {
        // The one designed exit: a created key's secret in its own creation answer, once.
        if (
          sink.name.startsWith("key/generate") &&
          sink.name.endsWith(": body") &&
          clientSecrets.includes(value)
        )
          continue;
        for (const form of new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])) {
          if (sink.text.includes(form)) hits.push(`${label} in ${sink.name}`);
        }
      }
    }
    process.stdout.write(
      `# secret canaries: ${canaries.length} canaries, ${sinks.length} sinks checked (${ledgerRows} ledger rows, ${redisKeys} redis keys, ${files.length} files), ${hits.length} hits\n`,
    );
    assert.deepEqual(hits, [], "no canary in any sink");
  });
});
