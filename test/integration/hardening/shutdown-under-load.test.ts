import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { Client } from "undici";
import { startSlowUpstream } from "../../helpers/slow-upstream.js";
import { createKey, MASTER_KEY } from "../../helpers/usage-gateway.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLIENTS = 20;
const GRACE_MS = 10_000;

interface Outcome {
  stream: boolean;
  /** performance.now() when the request was sent and when its outcome was known. */
  sentAt: number;
  doneAt: number;
  status?: number;
  connection?: string;
  body?: string;
  /** A transport error: its code. */
  error?: string;
}

/** Starts `src/main.ts` (the real process entry, its real shutdown path) and waits for its URL. */
async function startMain(config: string, dataDir: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "src/main.ts", "--config", config, "--port", "0"],
    {
      cwd: ROOT,
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "",
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let err = "";
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, at: performance.now() })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(err);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(({ code }) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, url, exited, stderr: () => err };
}

/** The whole body, or the transport error's code when the connection failed or broke mid-body. */
async function send(client: Client, key: string, stream: boolean): Promise<Outcome> {
  const sentAt = performance.now();
  try {
    const response = await client.request({
      path: "/v1/chat/completions",
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "slow-chat", stream, messages: [{ role: "user", content: "hi" }] }),
    });
    const body = await response.body.text();
    const connection = response.headers["connection"];
    return {
      stream,
      sentAt,
      doneAt: performance.now(),
      status: response.statusCode,
      connection: typeof connection === "string" ? connection.toLowerCase() : "",
      body,
    };
  } catch (error) {
    const code =
      (error as { code?: string; cause?: { code?: string } }).cause?.code ??
      (error as { code?: string }).code;
    return { stream, sentAt, doneAt: performance.now(), error: code ?? String(error) };
  }
}

function complete(outcome: Outcome): boolean {
  if (outcome.status !== 200 || outcome.body === undefined) return false;
  if (outcome.stream) return /data: \[DONE\]\s*$/.test(outcome.body) && !outcome.body.includes('"error"');
  try {
    const parsed = JSON.parse(outcome.body) as { choices?: { message?: { content?: string } }[] };
    return parsed.choices?.[0]?.message?.content === "slow answer";
  } catch {
    return false;
  }
}

function refusedCleanly(outcome: Outcome): boolean {
  if (outcome.error === "ECONNREFUSED") return true;
  if (outcome.status !== 503 || outcome.connection !== "close") return false;
  const body = JSON.parse(outcome.body ?? "{}") as { error?: { type?: string; code?: string } };
  return body.error?.type === "service_unavailable_error" && typeof body.error.code === "string";
}

describe("SIGTERM under keep-alive load (src/main.ts)", () => {
  it("cuts nothing in flight, refuses the rest with 503 + Connection: close, exits before the grace limit, ledger = answers", async () => {
    const upstream = await startSlowUpstream(300, 800);
    const dir = mkdtempSync(join(tmpdir(), "sb-shutdown-load-"));
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      [
        "model_list:",
        "  - model_name: slow-chat",
        "    litellm_params:",
        "      model: openai/slow",
        `      api_base: ${upstream.baseUrl}`,
        "      api_key: sk-upstream-shutdown-0001",
        "general_settings:",
        `  master_key: ${MASTER_KEY}`,
        `  shutdown_grace_ms: ${GRACE_MS}`,
      ].join("\n"),
    );
    const dataDir = join(dir, "data");
    const gateway = await startMain(config, dataDir);
    const clients: Client[] = [];
    try {
      const { key } = await createKey(gateway.url, { max_budget: 1_000, rpm_limit: 100_000 });
      const outcomes: Outcome[] = [];
      let sigtermAt = Number.POSITIVE_INFINITY;
      const stopBy = performance.now() + 30_000;
      // 20 clients, one keep-alive connection each, looping unary and streaming requests.
      const loops = Array.from({ length: CLIENTS }, async (_, index) => {
        const client = new Client(gateway.url, { pipelining: 1, keepAliveTimeout: 60_000 });
        clients.push(client);
        for (let turn = 0; performance.now() < stopBy; turn++) {
          const outcome = await send(client, key, (index + turn) % 2 === 0);
          outcomes.push(outcome);
          if (outcome.error !== undefined) break; // refused (listener closed) or cut: either way, stop
        }
      });
      await delay(2_500);
      const before = outcomes.length;
      sigtermAt = performance.now();
      gateway.child.kill("SIGTERM");
      await Promise.all(loops);
      const exit = await gateway.exited;

      const admittedBefore = outcomes.filter((outcome) => outcome.sentAt < sigtermAt - 100);
      const inFlight = admittedBefore.filter((outcome) => outcome.doneAt > sigtermAt);
      const answered = outcomes.filter(complete);
      const refused = outcomes.filter(refusedCleanly);
      const cut = outcomes.filter((outcome) => !complete(outcome) && !refusedCleanly(outcome));
      const refused503 = refused.filter((outcome) => outcome.status === 503).length;
      // The signal takes a moment to reach the gateway's event loop: a request sent in that moment may still be
      // admitted (and must then complete). Once any client has seen a 503, the drain has certainly begun.
      const drainSeenAt = Math.min(
        ...refused.filter((outcome) => outcome.status === 503).map((outcome) => outcome.doneAt),
      );
      const sentAfter = outcomes.filter((outcome) => outcome.sentAt >= sigtermAt);
      const sentAfterDrain = outcomes.filter((outcome) => outcome.sentAt >= drainSeenAt);
      const exitMs = Math.round(exit.at - sigtermAt);
      process.stdout.write(
        `# shutdown under load: ${before} requests done before SIGTERM, ${inFlight.length} in flight at SIGTERM, ` +
          `${answered.length} answered in all (${sentAfter.filter(complete).length} sent after kill() but before ` +
          `the gateway handled the signal), ${sentAfter.length} sent after kill(), refused ${refused.length} ` +
          `(${refused503} × 503 + Connection: close, ${refused.length - refused503} × connection refused), ` +
          `cut ${cut.length}; exit ${exit.code} after ${exitMs} ms (grace ${GRACE_MS} ms)\n`,
      );

      assert.ok(inFlight.length >= CLIENTS / 2, `requests were in flight at SIGTERM (${inFlight.length})`);
      assert.deepEqual(
        cut.map((outcome) => outcome.error ?? `${outcome.status} ${outcome.body?.slice(-80)}`),
        [],
        "no request was cut",
      );
      for (const outcome of inFlight)
        assert.ok(complete(outcome), "every request in flight at SIGTERM completed");
      for (const outcome of sentAfterDrain) {
        assert.ok(
          refusedCleanly(outcome),
          `a request sent once the drain began was refused (${outcome.status} ${outcome.error})`,
        );
      }
      assert.ok(refused503 > 0, "open keep-alive connections got 503 + Connection: close");
      // Unary answers written once the drain began tell the client to close the connection.
      for (const outcome of inFlight.filter((o) => !o.stream && o.doneAt > drainSeenAt)) {
        assert.equal(
          outcome.connection,
          "close",
          "an in-flight unary answer after SIGTERM closes its connection",
        );
      }
      assert.equal(exit.code, 0, gateway.stderr());
      assert.ok(exitMs < GRACE_MS, `exited after ${exitMs} ms, before the grace limit`);

      const db = new BetterSqlite3(join(dataDir, "switchboard.sqlite"), { readonly: true });
      try {
        const rows = (db.prepare("select count(*) as n from sb_usage").get() as { n: number }).n;
        assert.equal(rows, answered.length, "one ledger row per answered attempt");
      } finally {
        db.close();
      }
      assert.deepEqual(readdirSync(join(dataDir, "usage-journal")), [], "the journal was drained");
    } finally {
      await Promise.all(clients.map((client) => client.destroy().catch(() => undefined)));
      gateway.child.kill("SIGKILL");
      await upstream.close();
    }
  });
});
