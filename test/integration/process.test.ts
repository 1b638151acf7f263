import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `switchboard` as a real process (through tsx, so no build is needed) and waits for its URL. */
async function startProcess(args: string[], env: Record<string, string>): Promise<Running> {
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

describe("the switchboard process", () => {
  it("runs the embedded default with a generated master key shown once and stored only as a hash", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "switchboard-"));
    const first = await startProcess(["--port", "0"], { SWITCHBOARD_DATA_DIR: dataDir });
    try {
      const key = /\n\s+(sk-sb-master-\S+)\n/.exec(first.stderr())?.[1];
      assert.ok(key, "the generated key is printed once");
      assert.match(first.stderr(), /curl .*\/v1\/chat\/completions/);
      const stored = readdirSync(dataDir, { recursive: true, encoding: "utf8" })
        .filter((name) => statSync(join(dataDir, name)).isFile())
        .map((name) => readFileSync(join(dataDir, name), "utf8"))
        .join("\n");
      assert.ok(!stored.includes(key), "only the hash is stored");
      const response = await fetch(`${first.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      assert.match(body.choices[0]?.message.content ?? "", /mock provider/);
      first.child.kill("SIGTERM");
      assert.equal(await first.exited, 0);
      // One JSON log line per request, with the facts and never the key.
      const lines = first
        .stdout()
        .split("\n")
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const chat = lines.find((line) => line["route"] === "/v1/chat/completions");
      assert.ok(chat, "the chat request was logged");
      assert.equal(chat["status"], 200);
      assert.equal(chat["model"], "mock-gpt");
      assert.equal(typeof chat["latency_ms"], "number");
      assert.equal(typeof chat["request_id"], "string");
      assert.ok(
        !first.stdout().includes(key) && !first.stdout().includes(key.slice(-12)),
        "the key never reaches the logs",
      );

      const second = await startProcess(["--port", "0"], { SWITCHBOARD_DATA_DIR: dataDir });
      assert.ok(!/sk-sb-master-/.test(second.stderr()), "a second start does not print a key again");
      const again = await fetch(`${second.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(again.status, 200);
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    } finally {
      first.child.kill("SIGKILL");
    }
  });

  it("drains an in-flight stream on SIGTERM before exiting", async () => {
    const key = "sk-process-test-9c2b7d1e5f3a8046b1d2";
    const running = await startProcess(["--port", "0"], {
      SWITCHBOARD_MASTER_KEY: key,
      SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "switchboard-")),
    });
    try {
      const response = await fetch(`${running.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "mock/slow-stream-100",
          stream: true,
          messages: [{ role: "user", content: "x" }],
        }),
      });
      assert.equal(response.status, 200);
      running.child.kill("SIGTERM");
      const text = await response.text();
      assert.match(text, /" ten"/, "the stream finished");
      assert.match(text, /data: \[DONE\]/);
      assert.equal(await running.exited, 0);
      const refused = await fetch(`${running.url}/health/liveliness`).then(
        () => "answered",
        () => "refused",
      );
      assert.equal(refused, "refused", "the listener is closed after shutdown");
    } finally {
      running.child.kill("SIGKILL");
    }
  });

  it("refuses to start with a weak master key when strict_master_key is set", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", "0"], {
      cwd: ROOT,
      env: {
        PATH: process.env["PATH"] ?? "",
        SWITCHBOARD_MASTER_KEY: "sk-1234",
        SWITCHBOARD_STRICT_MASTER_KEY: "true",
        SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), "sb-")),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 1);
    assert.match(err, /master key is too weak/);
    assert.ok(!err.includes("sk-1234"));
  });

  it("`switchboard check` validates a LiteLLM config and prints deployments without secrets", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-check-"));
    const file = join(dir, "config.yaml");
    writeFileSync(
      file,
      [
        "model_list:",
        "  - model_name: gpt-4o",
        "    litellm_params:",
        "      model: openai/gpt-4o",
        "      api_key: os.environ/CANARY_KEY",
        "general_settings:",
        "  master_key: sk-check-master-51f0c2a9d8e7b6a5f4e3",
      ].join("\n"),
    );
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "check", "--config", file], {
      cwd: ROOT,
      env: { PATH: process.env["PATH"] ?? "", CANARY_KEY: "sk-canary-secret-value-0000111122223333" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 0);
    assert.match(out, /gpt-4o/);
    assert.ok(!out.includes("sk-canary-secret-value-0000111122223333"));
    assert.ok(!out.includes("sk-check-master-51f0c2a9d8e7b6a5f4e3"));

    writeFileSync(
      file,
      "model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/x\n      api_bse: http://x\n",
    );
    const bad = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "check", "--config", file], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    bad.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    assert.equal(await new Promise<number | null>((resolve) => bad.once("exit", resolve)), 1);
    assert.match(err, /model_list\[0\]\.litellm_params\.api_bse/);
  });
});
