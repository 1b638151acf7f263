import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../src/app.js";
import { CONSOLE_CSP, consoleFilePath } from "../../../src/rest/console-routes.js";
import { deployment, startTestGateway } from "../../helpers/gateway.js";

/** A raw GET whose path is sent as written (fetch and URL would normalise "..", "%2e%2e" and backslashes). */
function rawGet(
  url: string,
  path: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path, method: "GET" }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    request.on("error", reject);
    request.end();
  });
}

describe("console static files at /ui", () => {
  let app: App;
  let bare: App;
  const SECRET = "outside-the-console-folder-canary";
  before(async () => {
    const root = mkdtempSync(join(tmpdir(), "switchboard-console-"));
    const dir = join(root, "console");
    mkdirSync(join(dir, "assets"), { recursive: true });
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>console</title>");
    writeFileSync(join(dir, "assets", "app-1234.js"), "console.log('app')");
    writeFileSync(join(dir, "assets", "app-1234.css"), "body{}");
    writeFileSync(join(dir, "assets", "tool.exe"), "MZ");
    writeFileSync(join(dir, ".env.js"), SECRET);
    // Siblings of the console folder that a traversal would reach.
    writeFileSync(join(root, "secret.json"), JSON.stringify({ SECRET }));
    writeFileSync(join(root, "secret.js"), SECRET);
    const deployments = [deployment("mock-gpt", "mock", "fixed")];
    app = await startTestGateway(deployments, { console: { dir } });
    bare = await startTestGateway(deployments, {
      console: { dir: mkdtempSync(join(tmpdir(), "switchboard-unbuilt-")) },
    });
  });
  after(async () => {
    await app?.close(100);
    await bare?.close(100);
  });

  it("serves the page and assets with their content types, the CSP and caching", async () => {
    for (const path of ["/ui", "/ui/", "/ui/keys"]) {
      const page = await rawGet(app.url, path);
      assert.equal(page.status, 200, path);
      assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
      assert.equal(page.headers["content-security-policy"], CONSOLE_CSP);
      assert.equal(page.headers["x-content-type-options"], "nosniff");
      assert.equal(page.headers["x-frame-options"], "DENY");
      assert.equal(page.headers["cache-control"], "no-cache");
      assert.match(page.body, /<title>console<\/title>/);
    }
    const script = await rawGet(app.url, "/ui/assets/app-1234.js");
    assert.equal(script.status, 200);
    assert.equal(script.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(script.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(script.body, "console.log('app')");
    const style = await rawGet(app.url, "/ui/assets/app-1234.css");
    assert.equal(style.headers["content-type"], "text/css; charset=utf-8");
    assert.match(CONSOLE_CSP, /script-src 'self'/);
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|https?:/);
  });

  it("never leaves the folder: dot-dot in every spelling, backslashes, NUL, dot-files, unknown types", async () => {
    const attempts = [
      "/ui/../secret.json",
      "/ui/assets/../../secret.json",
      "/ui/%2e%2e/secret.json",
      "/ui/%2E%2E%2Fsecret.json",
      "/ui/..%2fsecret.js",
      "/ui/assets%2f..%2f..%2fsecret.js",
      "/ui/..%5csecret.js",
      "/ui/assets/..%5c..%5csecret.js",
      "/ui/%00/../secret.js",
      "/ui/assets/app-1234.js%00.css",
      "/ui/.env.js",
      "/ui/assets//app-1234.js",
      "/ui/assets/tool.exe",
      "/ui/assets/missing.js",
      "/ui//etc/passwd.txt",
      `/ui/${encodeURIComponent("/etc/hostname.txt")}`,
    ];
    for (const path of attempts) {
      const response = await rawGet(app.url, path);
      assert.ok(response.status === 404 || response.status === 400, `${path}: ${response.status}`);
      assert.ok(!response.body.includes(SECRET), `${path} leaked a file outside the console folder`);
      assert.doesNotMatch(response.body, /at .*\.ts:\d+/, `${path}: a stack trace`);
    }
  });

  it("consoleFilePath keeps every path inside the folder", () => {
    const root = "/srv/console";
    assert.equal(consoleFilePath(root, "assets/app.js"), "/srv/console/assets/app.js");
    for (const bad of [
      "../x.js",
      "assets/../../x.js",
      "/etc/passwd",
      "a\\..\\b.js",
      "a\0.js",
      ".env",
      "a//b.js",
      "",
    ]) {
      assert.equal(consoleFilePath(root, bad), undefined, bad);
    }
  });

  it("only GET: other methods are 404 like any unknown route", async () => {
    const response = await fetch(`${app.url}/ui/assets/app-1234.js`, { method: "POST", body: "{}" });
    assert.equal(response.status, 404);
  });

  it("without a built console, /ui says how to build it", async () => {
    const response = await rawGet(bare.url, "/ui");
    assert.equal(response.status, 200);
    assert.match(response.body, /npm run build/);
    assert.equal(response.headers["content-security-policy"], CONSOLE_CSP);
    const asset = await rawGet(bare.url, "/ui/assets/app.js");
    assert.equal(asset.status, 200);
    assert.match(asset.body, /not built/);
  });
});
