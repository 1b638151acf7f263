/**
 * The package as an application gets it: build, `npm pack`, install the tarball into an empty folder without dev
 * dependencies (and without install scripts: the library needs no native module), import it by name from an ESM
 * script that calls a fake upstream, and type-check an example against the emitted `.d.ts`.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = join(ROOT, "test/fixtures/library-package");
const work = mkdtempSync(join(tmpdir(), "switchboard-pack-"));
const app = join(work, "app");
let installed = false;

before(async () => {
  await run("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, timeout: 300_000 });
  await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: ROOT, timeout: 120_000 });
  const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
  assert.ok(tarball !== undefined, "npm pack made a tarball");
  cpSync(FIXTURE, app, { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", type: "module", private: true }));
  await run(
    "npm",
    [
      "install",
      "--omit=dev",
      "--prefer-offline",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      join(work, tarball),
    ],
    { cwd: app, timeout: 240_000 },
  );
  installed = true;
});

after(() => rmSync(work, { recursive: true, force: true }));

test("the installed package runs from an ESM script: completion(), costOf(), typed errors", async () => {
  assert.ok(installed);
  const recorded = join(ROOT, "test/fixtures/conformance/openai/chat-basic.json");
  const { stdout } = await run("node", ["smoke.mjs", recorded], { cwd: app, timeout: 60_000 });
  const result = JSON.parse(stdout) as { object: string; content: string; cost: number; typed: boolean };
  assert.equal(result.object, "chat.completion");
  assert.match(result.content, /Galaxy Day/);
  assert.ok(result.cost > 0, "gpt-4o is priced from the catalog");
  assert.equal(result.typed, true, "bad input is a BadRequestError naming 'messages'");
});

test("no dev dependency is installed or needed", () => {
  const present = new Set(readdirSync(join(app, "node_modules")));
  for (const dev of ["typescript", "tsx", "openai", "@biomejs", "fast-check"]) {
    assert.ok(!present.has(dev), `${dev} must not be installed`);
  }
});

test("an example using the public types passes tsc --noEmit (library .d.ts checked, not skipped)", async () => {
  const tsc = join(ROOT, "node_modules/.bin/tsc");
  await run(tsc, ["-p", "tsconfig.json", "--typeRoots", join(ROOT, "node_modules/@types")], {
    cwd: app,
    timeout: 120_000,
  }).catch((error: { stdout?: string }) => {
    assert.fail(`tsc failed:\n${error.stdout ?? String(error)}`);
  });
});
