import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

// A provider's published LiteLLM config: a short master key and a LiteLLM key Switchboard ignores (issue #15).
const PUBLISHED_CONFIG = [
  "model_list:",
  "  - model_name: mock-gpt",
  "    litellm_params:",
  "      model: mock/mock-gpt",
  "router_settings:",
  "  enable_tag_filtering: true",
  "general_settings:",
  "  master_key: sk-my-master-key",
].join("\n");

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { out: "", err: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    output.out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output.err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output, exited };
}

async function waitFor(output: { err: string }, pattern: RegExp, exited: Promise<unknown>): Promise<string> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  for (;;) {
    const match = pattern.exec(output.err);
    if (match) return match[1] ?? match[0];
    if (done) throw new Error(`exited before ${pattern}: ${output.err}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

describe("config parity: check and start agree (issue #15)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-parity-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, PUBLISHED_CONFIG);

  it("a weak master key from a config file passes check with a warning, and starts with the same warning", async () => {
    const check = run(["check", "--config", file], { SWITCHBOARD_DATA_DIR: dir });
    assert.equal(await check.exited, 0, check.output.err);
    assert.match(check.output.out, /WARNING: general_settings\.master_key is weak/);
    assert.match(check.output.out, /Database: SQLite \(/, "check names the database the gateway will use");
    assert.ok(!check.output.out.includes("sk-my-master-key"), "the key itself is never printed");

    const started = run(["--config", file, "--port", "0"], { SWITCHBOARD_DATA_DIR: dir });
    try {
      const url = await waitFor(started.output, /listening on (http:\/\/\S+)/, started.exited);
      // The warnings are on the banner, at once — not when the buffered JSON logger flushes at shutdown.
      const banner = await waitFor(started.output, /Config warnings \(\d+\):[\s\S]*?Try it:/, started.exited);
      assert.match(banner, /WARNING: general_settings\.master_key is weak/);
      assert.match(banner, /enable_tag_filtering/);
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-my-master-key", "content-type": "application/json" },
        body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(response.status, 200, await response.text());
    } finally {
      await stop(started.child);
    }
    assert.ok(
      !started.output.err.includes("sk-my-master-key") && !started.output.out.includes("sk-my-master-key"),
    );
  });

  it("strict_master_key refuses the weak key in check and in start alike", async () => {
    const strictFile = join(dir, "strict.yaml");
    writeFileSync(strictFile, `${PUBLISHED_CONFIG}\n  strict_master_key: true\n`);
    const check = run(["check", "--config", strictFile], { SWITCHBOARD_DATA_DIR: dir });
    assert.equal(await check.exited, 1);
    assert.match(check.output.err, /master key is too weak/);
    const started = run(["--config", strictFile, "--port", "0"], { SWITCHBOARD_DATA_DIR: dir });
    assert.equal(await started.exited, 1);
    assert.match(started.output.err, /master key is too weak/);
    assert.ok(!`${check.output.err}${started.output.err}`.includes("sk-my-master-key"));
  });
  it("a logging callback without its credentials fails check and start alike, and the start exits", async () => {
    const callbackFile = join(dir, "callback.yaml");
    writeFileSync(
      callbackFile,
      "model_list:\n  - model_name: mock-gpt\n    litellm_params:\n      model: mock/mock-gpt\nlitellm_settings:\n  success_callback: ['langfuse']\n",
    );
    const check = run(["check", "--config", callbackFile], { SWITCHBOARD_DATA_DIR: dir });
    assert.equal(await check.exited, 1);
    assert.match(check.output.err, /langfuse is configured but LANGFUSE_PUBLIC_KEY is not set/);
    const started = run(["--config", callbackFile, "--port", "0"], { SWITCHBOARD_DATA_DIR: dir });
    assert.equal(await started.exited, 1, "a start that cannot serve exits instead of hanging");
    assert.match(started.output.err, /LANGFUSE_PUBLIC_KEY is not set/);
  });

  it("a proxy-wide budget and key generate params from the config hold on the running gateway", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-parity-budget-"));
    const budgetFile = join(dataDir, "budget.yaml");
    const master = "sk-parity-master-8c1d4f7a2b9e6d3c0f5a";
    writeFileSync(
      budgetFile,
      [
        "model_list:",
        "  - model_name: mock-slow",
        "    litellm_params:",
        "      model: mock/slow-500",
        "litellm_settings:",
        "  default_key_generate_params:",
        "    models: [mock-slow]",
        "  upperbound_key_generate_params:",
        "    max_budget: 5",
        "general_settings:",
        `  master_key: ${master}`,
        // $1/M in, $2/M out: a "hi" request with max_tokens 100 reserves about $0.00023 while it runs (mock/slow-500
        // answers in seconds, so all 20 overlap); the proxy budget fits 4 such reservations at once.
        "  max_budget: 0.001",
        "  budget_duration: 30d",
      ].join("\n"),
    );
    const started = run(["--config", budgetFile, "--port", "0"], { SWITCHBOARD_DATA_DIR: dataDir });
    try {
      const url = await waitFor(started.output, /listening on (http:\/\/\S+)/, started.exited);
      const post = async (path: string, body: unknown, bearer = master) => {
        const response = await fetch(`${url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: response.status, json: (await response.json()) as Record<string, unknown> };
      };
      const above = await post("/key/generate", { max_budget: 50 });
      assert.equal(above.status, 400);
      assert.equal((above.json["error"] as { param: string }).param, "max_budget");
      const bounded = await post("/key/generate", {});
      assert.equal(bounded.status, 200);
      assert.equal(bounded.json["max_budget"], 5, "an absent bounded field gets the bound");
      assert.deepEqual(bounded.json["models"], ["mock-slow"], "the default applies");
      const second = await post("/key/generate", {});
      const keys = [bounded.json["key"] as string, second.json["key"] as string];
      const request = { model: "mock-slow", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => post("/v1/chat/completions", request, keys[index % 2])),
      );
      const admitted = results.filter((result) => result.status === 200).length;
      const refused = results.filter((result) => result.status === 429);
      assert.equal(admitted + refused.length, 20);
      assert.ok(admitted >= 1 && admitted <= 4, `admitted ${admitted}: the proxy budget fits at most 4`);
      for (const result of refused) assert.match(JSON.stringify(result.json), /proxy max_budget/);
    } finally {
      await stop(started.child);
    }
  });
});
