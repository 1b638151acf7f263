import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { KeyRole } from "../../../gen/switchboard/v1/keys_service_pb.js";
import { connectKeysClient } from "../../helpers/keys-client.js";
import {
  databaseTargets,
  type KeysGateway,
  MASTER_KEY,
  startKeysGateway,
} from "../../helpers/keys-gateway.js";

/**
 * The admin console end to end in a real headless Chromium (Debian's package): sign in, create a key with a
 * budget, rotate it, revoke it, a usage chart after a few chat requests, a live usage row over WatchUsage,
 * and a team admin who cannot see another team's keys. Screenshots go to $CONSOLE_SCREENSHOTS (docs/images/).
 */
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CONSOLE_DIR = join(ROOT, "dist", "console");
const SCREENSHOTS = process.env["CONSOLE_SCREENSHOTS"];

function skipReason(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env["CI"] === "true")
    throw new Error(`${CHROMIUM} is missing (CI=true): apt-get install chromium`);
  return `${CHROMIUM} is missing (apt-get install chromium); console browser test skipped`;
}
const skip = skipReason();

/** The newest modification time under a folder (or of a file). */
function newest(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds dist/console when it is missing or older than the console's sources (so the test never runs a stale build). */
async function buildConsoleIfStale(): Promise<void> {
  const index = join(CONSOLE_DIR, "index.html");
  const sources = [join(ROOT, "console"), join(ROOT, "clients", "typescript", "src"), join(ROOT, "gen")];
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newest))) return;
  const { build } = await import("vite");
  await build({ configFile: join(ROOT, "console", "vite.config.ts"), logLevel: "warn" });
}

async function chat(url: string, secret: string): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hello console" }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe("admin console in headless Chromium", { skip }, () => {
  let gateway: KeysGateway;
  let browser: Browser;
  const pageErrors: string[] = [];
  let otherTeamKeyId = "";
  let teamAdminSecret = "";
  let userSecret = "";

  before(async () => {
    await buildConsoleIfStale();
    const target = (await databaseTargets()).find((candidate) => candidate.name === "sqlite")!;
    gateway = await startKeysGateway(target, {}, { console: { dir: CONSOLE_DIR } });
    const admin = connectKeysClient(gateway.url, MASTER_KEY);
    await admin.createTeam({ team: { teamId: "alpha", displayName: "Alpha", models: ["mock-gpt"] } });
    await admin.createTeam({ team: { teamId: "beta", displayName: "Beta" } });
    await admin.addTeamMember({ teamId: "alpha", member: { userId: "ada@example.com" } });
    teamAdminSecret = (await admin.createKey({ key: { role: KeyRole.TEAM_ADMIN, teamId: "alpha" } })).secret;
    const other = await admin.createKey({ key: { displayName: "beta-secret-key", teamId: "beta" } });
    otherTeamKeyId = other.key!.keyId;
    userSecret = (await admin.createKey({ key: { role: KeyRole.USER, teamId: "alpha" } })).secret;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    if (SCREENSHOTS !== undefined) mkdirSync(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
  });

  async function open(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    // Offline: every request that is not to the gateway fails (no CDN may be needed).
    await context.route(
      (url) => !url.href.startsWith(gateway.url),
      (route) => route.abort(),
    );
    return { context, page };
  }

  async function signIn(page: Page, secret: string): Promise<void> {
    await page.goto(`${gateway.url}/ui`);
    await page.fill("input[name=api-key]", secret);
    await page.click("button[type=submit]");
    await page.waitForSelector("[data-testid=who]");
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (SCREENSHOTS !== undefined)
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  it("admin: create a key with a budget, see it listed, rotate, chart, live feed, revoke", async () => {
    const { context, page } = await open();
    await signIn(page, MASTER_KEY);
    assert.match((await page.textContent("[data-testid=who]")) ?? "", /admin/);
    // The key never reaches a URL.
    assert.ok(!page.url().includes(MASTER_KEY));

    await page.click("text=Create key");
    const form = page.locator("[data-testid=create-key]");
    await form.locator("input[name=name]").fill("console-e2e");
    await form.locator("input[name=team]").fill("alpha");
    await form.locator("input[name=maxBudget]").fill("5");
    await form.locator("input[name=budgetDuration]").fill("30d");
    await form.locator("input[name=rpm]").fill("100");
    await form.locator("input[name=ttl]").fill("90d");
    await form.locator("button[type=submit]").click();
    const secret = await page.locator("[data-testid=secret-value]").inputValue();
    assert.match(secret, /^sk-/);
    const row = page.locator("[data-testid=key-row]", { hasText: "console-e2e" });
    await row.waitFor();
    assert.match((await row.textContent()) ?? "", /\$0\.00 \/ \$5\.00/);
    assert.match((await row.textContent()) ?? "", /per 30d/);
    // The list shows the display form, never the secret.
    assert.ok(!((await page.locator("[data-testid=keys-table]").textContent()) ?? "").includes(secret));
    await page.fill("input[type=search]", "console-e2e");
    assert.equal(await page.locator("[data-testid=key-row]").count(), 1);
    await shot(page, "console-keys");
    await page.click("text=Done");
    assert.equal(await page.locator("[data-testid=secret-once]").count(), 0);

    // Rotate with a one-hour grace: a new secret, shown once; the old one keeps working.
    await row.locator("select[aria-label='Grace period']").selectOption("3600");
    await row.locator("button", { hasText: "Rotate" }).click();
    const rotated = await page.locator("[data-testid=secret-value]").inputValue();
    assert.match(rotated, /^sk-/);
    assert.notEqual(rotated, secret);
    await page.click("text=Done");
    await row.locator("text=old secret until").waitFor();
    assert.equal(await chat(gateway.url, secret), 200);

    // Usage: the live feed confirms its subscription, then shows the next request as a row.
    await page.click("a[href='#/usage']");
    await page.locator("[data-testid=live-status]", { hasText: "live" }).waitFor();
    for (let index = 0; index < 3; index++) assert.equal(await chat(gateway.url, rotated), 200);
    const keyId = await row.getAttribute("data-key-id").catch(() => null);
    await page.locator("[data-testid=live-row]").first().waitFor();
    assert.ok((await page.locator("[data-testid=live-row]").count()) >= 1);
    // The chart: the ledger is written in batches, so refresh until the spend shows.
    let series = "0";
    for (let attempt = 0; attempt < 40 && series === "0"; attempt++) {
      await page.click("text=Refresh");
      await page.waitForTimeout(250);
      series = (await page.locator("[data-testid=usage-chart]").getAttribute("data-series")) ?? "0";
    }
    assert.ok(Number(series) >= 1, "a usage series after the chat requests");
    const topKeys = (await page.locator("[data-testid=top-keys]").textContent()) ?? "";
    assert.ok(keyId === null || topKeys.includes(keyId) || topKeys.length > 0);
    // A canvas that was drawn on (not blank).
    // (Browser-side code as text: this file is type-checked against Node's globals, not the DOM's.)
    const painted = Number(
      await page.evaluate(`(() => {
        const canvas = document.querySelector("[data-testid=usage-chart] canvas");
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let coloured = 0;
        for (let index = 3; index < data.length; index += 4) if (data[index] > 0) coloured++;
        return coloured;
      })()`),
    );
    assert.ok(painted > 100, `the chart drew ${painted} pixels`);
    await shot(page, "console-usage");

    await page.click("a[href='#/models']");
    await page.locator("[data-testid=deployment-row]").first().waitFor();
    assert.match((await page.locator("[data-testid=deployments-table]").textContent()) ?? "", /healthy/);
    await shot(page, "console-models");

    await page.click("a[href='#/teams']");
    await page.locator("[data-testid=teams-table] strong >> text=Beta").waitFor();
    await page.locator("[data-testid=teams-table] strong", { hasText: "Alpha" }).click();
    await page.locator("[data-testid=members] >> text=ada@example.com").waitFor();
    await shot(page, "console-teams");

    // Revoke (two clicks): the state turns revoked and the gateway refuses both secrets.
    await page.click("a[href='#/keys']");
    const again = page.locator("[data-testid=key-row]", { hasText: "console-e2e" });
    await again.locator("button", { hasText: "Revoke" }).click();
    await again.locator("button", { hasText: "Confirm revoke" }).click();
    await again.locator("[data-testid=key-state]", { hasText: "revoked" }).waitFor();
    assert.equal(await chat(gateway.url, rotated), 401);
    assert.equal(await chat(gateway.url, secret), 401);

    // The key stayed out of URLs and out of localStorage; sessionStorage holds it for this tab only.
    const stored = (await page.evaluate("({ local: JSON.stringify(localStorage), url: location.href })")) as {
      local: string;
      url: string;
    };
    assert.ok(!stored.local.includes(MASTER_KEY));
    assert.ok(!stored.url.includes(MASTER_KEY));
    await page.click("text=Sign out");
    await page.waitForSelector("input[name=api-key]");
    assert.equal(await page.evaluate("sessionStorage.length"), 0);
    await context.close();
  });

  it("a team admin sees its own team's keys only; a user key cannot sign in", async () => {
    const { context, page } = await open();
    await signIn(page, teamAdminSecret);
    assert.match((await page.textContent("[data-testid=who]")) ?? "", /team admin · team alpha/);
    await page.locator("[data-testid=key-row]").first().waitFor();
    const ids = await page
      .locator("[data-testid=key-row]")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-key-id")));
    assert.ok(ids.length >= 1);
    assert.ok(!ids.includes(otherTeamKeyId), "a key of another team is listed");
    assert.ok(!(await page.content()).includes("beta-secret-key"));
    // Its Teams page lists its own team only.
    await page.click("a[href='#/teams']");
    await page.locator("[data-testid=teams-table] strong >> text=Alpha").waitFor();
    assert.ok(!((await page.locator("[data-testid=teams-table]").textContent()) ?? "").includes("Beta"));
    await page.click("text=Sign out");

    await page.fill("input[name=api-key]", userSecret);
    await page.click("button[type=submit]");
    await page.locator("[role=alert]", { hasText: "admin or team-admin key" }).waitFor();
    await page.fill("input[name=api-key]", "sk-not-a-real-key-000000000000000000000");
    await page.click("button[type=submit]");
    await page.locator("[role=alert]", { hasText: "refused" }).waitFor();
    await context.close();
  });

  it("ran with no script error and no Content-Security-Policy violation", () => {
    // The failed sign-in RPCs above log "Failed to load resource" (401/403): expected, nothing else is.
    const unexpected = pageErrors.filter((text) => !/Failed to load resource.*(401|403)/.test(text));
    assert.deepEqual(unexpected, []);
  });
});
