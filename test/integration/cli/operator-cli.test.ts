import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { EXIT } from "../../../src/cli/exit-codes.js";
import { COMMANDS, commandHelp, NOUNS, nounHelp, operatorOverview } from "../../../src/cli/index.js";
import { colorAllowed, table } from "../../../src/cli/output.js";
import { type KeysGateway, MASTER_KEY, startKeysGateway } from "../../helpers/keys-gateway.js";

const ROOT = new URL("../../../", import.meta.url);
const ENTRY = new URL("src/cli/main.ts", ROOT).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every byte any CLI run printed, so that the last test can grep it for the master key. */
const transcript: string[] = [];

function launch(args: readonly string[], env: Record<string, string>, entry = ENTRY): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: ROOT,
    // A clean environment: no SWITCHBOARD_* leaking in from the developer's shell; NO_COLOR unset on purpose
    // (stdout is a pipe, so there must be no colour anyway).
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function collect(child: ChildProcess): Promise<Run> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      transcript.push(stdout, stderr);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

async function chat(gateway: KeysGateway, secret: string): Promise<number> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hi" }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe("switchboard operator CLI against a real gateway", () => {
  let gateway: KeysGateway;
  const cli = (args: readonly string[], key: string = MASTER_KEY, extra: Record<string, string> = {}) =>
    collect(launch(args, { SWITCHBOARD_URL: gateway.url, SWITCHBOARD_API_KEY: key, ...extra }));

  before(async () => {
    gateway = await startKeysGateway({
      name: "sqlite",
      skip: false,
      options: () => ({ sqlitePath: ":memory:" }),
    });
  });
  after(async () => {
    await gateway.close();
  });

  for (const protocol of ["connect", "grpc"] as const) {
    it(`keys: create → list → get → update → rotate → revoke over ${protocol}`, async () => {
      const p = ["--protocol", protocol];
      const created = await cli([
        "keys",
        "create",
        "--name",
        `ci-${protocol}`,
        "--models",
        "mock-gpt",
        "--rpm",
        "60",
        ...p,
      ]);
      assert.equal(created.code, EXIT.ok, created.stderr);
      const secret = /^\s+(sk-\S+)$/m.exec(created.stdout)?.[1];
      assert.ok(secret !== undefined, created.stdout);
      assert.match(created.stdout, /shown once/);
      const keyId = /^ID:\s+(\S+)$/m.exec(created.stdout)?.[1];
      assert.ok(keyId !== undefined, created.stdout);
      assert.equal(await chat(gateway, secret), 200);

      const listed = await cli(["keys", "list", ...p]);
      assert.equal(listed.code, EXIT.ok, listed.stderr);
      const header = listed.stdout.split("\n")[0] ?? "";
      assert.match(header, /^ID\s+NAME\s+ROLE\s+STATE\s+TEAM\s+USER\s+SECRET\s+SPEND\s+EXPIRES$/);
      const row = listed.stdout.split("\n").find((line) => line.startsWith(keyId));
      assert.ok(row !== undefined, listed.stdout);
      // Aligned: the SECRET column starts at the same offset in the header and the row.
      const secretColumn = header.indexOf("SECRET");
      assert.match(row.slice(secretColumn), /^sk-\S*…[A-Za-z0-9_-]{4}\s/);
      assert.ok(!listed.stdout.includes(secret), "list must not print the secret");
      assert.ok(!listed.stdout.includes("\u001b["), "no colours when stdout is not a TTY");

      const listedJson = await cli(["keys", "list", "--json", ...p]);
      assert.equal(listedJson.code, EXIT.ok, listedJson.stderr);
      const keys = JSON.parse(listedJson.stdout) as Array<Record<string, unknown>>;
      const mine = keys.find((key) => key["keyId"] === keyId);
      assert.ok(mine !== undefined);
      assert.equal(mine["secret"], undefined);
      assert.ok(!listedJson.stdout.includes(secret));

      const got = await cli(["keys", "get", keyId, "-o", "yaml", ...p]);
      assert.equal(got.code, EXIT.ok, got.stderr);
      const gotKey = parseYaml(got.stdout) as Record<string, unknown>;
      assert.equal(gotKey["displayName"], `ci-${protocol}`);
      assert.equal(gotKey["state"], "KEY_STATE_ACTIVE");
      assert.ok(!got.stdout.includes(secret));

      const updated = await cli([
        "keys",
        "update",
        keyId,
        "--name",
        `renamed-${protocol}`,
        "--tpm",
        "1000",
        "--json",
        ...p,
      ]);
      assert.equal(updated.code, EXIT.ok, updated.stderr);
      const updatedKey = JSON.parse(updated.stdout) as {
        displayName: string;
        limits: { rpmLimit: string; tpmLimit: string };
      };
      assert.equal(updatedKey.displayName, `renamed-${protocol}`);
      assert.equal(updatedKey.limits.tpmLimit, "1000");
      assert.equal(updatedKey.limits.rpmLimit, "60", "fields outside the mask are kept");

      const rotated = await cli(["keys", "rotate", keyId, "--json", ...p]);
      assert.equal(rotated.code, EXIT.ok, rotated.stderr);
      const rotation = JSON.parse(rotated.stdout) as { key: { keyId: string }; secret: string };
      assert.equal(rotation.key.keyId, keyId);
      assert.notEqual(rotation.secret, secret);
      assert.equal(
        rotated.stdout.split(rotation.secret).length - 1,
        1,
        "the new secret is printed exactly once",
      );
      assert.equal(await chat(gateway, secret), 401, "the old secret stops at once without --grace");
      assert.equal(await chat(gateway, rotation.secret), 200);

      const afterRotation = await cli(["keys", "get", keyId, ...p]);
      assert.ok(!afterRotation.stdout.includes(rotation.secret));

      const revoked = await cli(["keys", "revoke", keyId, ...p]);
      assert.equal(revoked.code, EXIT.ok, revoked.stderr);
      assert.match(revoked.stdout, /^Revoked key /);
      assert.match(revoked.stdout, /^State:\s+revoked$/m);
      assert.equal(await chat(gateway, rotation.secret), 401, "the gateway refuses the revoked key");

      const again = await cli(["keys", "unblock", keyId, ...p]);
      assert.equal(again.code, EXIT.refused, "a revoked key cannot be unblocked");
      assert.match(again.stderr, /^switchboard: error: failed_precondition: /);
    });
  }

  it("keys block and unblock; teams; members; a team admin sees only their team", async () => {
    const teamA = await cli([
      "teams",
      "create",
      "--id",
      "cli-a",
      "--name",
      "A",
      "--max-budget",
      "25",
      "--budget-duration",
      "30d",
    ]);
    assert.equal(teamA.code, EXIT.ok, teamA.stderr);
    assert.match(teamA.stdout, /^Limits:\s+budget \$25\/30d$/m);
    assert.equal((await cli(["teams", "create", "--id", "cli-b", "--name", "B"])).code, EXIT.ok);
    const member = await cli(["members", "add", "cli-a", "alice@example.com", "--role", "admin", "--json"]);
    assert.equal(member.code, EXIT.ok, member.stderr);
    assert.deepEqual((JSON.parse(member.stdout) as { members: unknown[] }).members, [
      { userId: "alice@example.com", role: "TEAM_ROLE_ADMIN" },
    ]);
    const teamUpdate = await cli(["teams", "update", "cli-a", "--name", "Team A", "--tag", "env:prod"]);
    assert.equal(teamUpdate.code, EXIT.ok, teamUpdate.stderr);
    const teams = await cli(["teams", "list"]);
    assert.match(teams.stdout, /^cli-a\s+Team A\s/m);
    assert.match(teams.stdout, /^cli-b\s+B\s/m);

    const admin = JSON.parse(
      (
        await cli([
          "keys",
          "create",
          "--team",
          "cli-a",
          "--role",
          "team-admin",
          "--name",
          "a-admin",
          "--json",
        ])
      ).stdout,
    ) as { key: { keyId: string }; secret: string };
    const other = JSON.parse(
      (await cli(["keys", "create", "--team", "cli-b", "--name", "b-user", "--json"])).stdout,
    ) as {
      key: { keyId: string };
      secret: string;
    };
    const blocked = await cli(["keys", "block", other.key.keyId]);
    assert.match(blocked.stdout, /^State:\s+blocked$/m);
    assert.equal(await chat(gateway, other.secret), 401);
    assert.equal((await cli(["keys", "unblock", other.key.keyId])).code, EXIT.ok);
    assert.equal(await chat(gateway, other.secret), 200);

    const seen = await cli(["keys", "list", "--json"], admin.secret);
    assert.equal(seen.code, EXIT.ok, seen.stderr);
    const seenKeys = JSON.parse(seen.stdout) as Array<{ keyId: string; teamId: string }>;
    assert.ok(seenKeys.length > 0);
    assert.ok(
      seenKeys.every((key) => key.teamId === "cli-a"),
      seen.stdout,
    );
    const otherTeam = await cli(["keys", "list", "--team", "cli-b"], admin.secret);
    assert.equal(otherTeam.code, EXIT.refused);
    assert.match(otherTeam.stderr, /^switchboard: error: permission_denied: .+$/m);
    assert.equal(otherTeam.stdout, "");
    const otherKey = await cli(["keys", "get", other.key.keyId], admin.secret);
    assert.equal(otherKey.code, EXIT.refused);
    assert.match(otherKey.stderr, /error: (permission_denied|not_found): /);
    const deleteTeam = await cli(["teams", "delete", "cli-b"], admin.secret);
    assert.equal(deleteTeam.code, EXIT.refused);

    const removed = await cli(["members", "remove", "cli-a", "alice@example.com"]);
    assert.equal(removed.code, EXIT.ok, removed.stderr);
    const deleted = await cli(["teams", "delete", "cli-b"]);
    assert.equal(deleted.code, EXIT.ok, deleted.stderr);
    assert.equal(await chat(gateway, other.secret), 401, "deleting a team revokes its keys");
  });

  it("usage summary, usage tail (live) and models list", async () => {
    const created = JSON.parse((await cli(["keys", "create", "--name", "usage", "--json"])).stdout) as {
      key: { keyId: string };
      secret: string;
    };
    const tail = launch(["usage", "tail", "--key-id", created.key.keyId, "--count", "1", "--json"], {
      SWITCHBOARD_URL: gateway.url,
      SWITCHBOARD_API_KEY: MASTER_KEY,
    });
    const tailed = collect(tail);
    // The first stream message confirms the subscription; only then is a record certain to reach the tail.
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      tail.stderr?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("Watching usage")) resolve();
      });
      tail.on("close", () => reject(new Error(`tail ended early: ${seen}`)));
    });
    assert.equal(await chat(gateway, created.secret), 200);
    const tailRun = await tailed;
    assert.equal(tailRun.code, EXIT.ok, tailRun.stderr);
    const record = JSON.parse(tailRun.stdout.trim()) as { keyId: string; modelGroup: string; status: string };
    assert.equal(record.keyId, created.key.keyId);
    assert.equal(record.modelGroup, "mock-gpt");
    assert.equal(record.status, "ok");

    const summary = await cli(["usage", "summary", "--by", "key", "--key-id", created.key.keyId, "--json"]);
    assert.equal(summary.code, EXIT.ok, summary.stderr);
    const rows = JSON.parse(summary.stdout) as Array<{ group: string; requests: string }>;
    assert.deepEqual(
      rows.map((row) => [row.group, row.requests]),
      [[created.key.keyId, "1"]],
    );
    const byModel = await cli(["usage", "summary", "--by", "model", "--since", "1h"]);
    assert.equal(byModel.code, EXIT.ok, byModel.stderr);
    assert.match(byModel.stdout, /^MODEL\s+SPEND\s+REQUESTS\s+ERRORS/);
    assert.match(byModel.stdout, /^mock-gpt\s+\$\S+\s+\d+\s/m);

    const models = await cli(["models", "list", "--json"], created.secret);
    assert.equal(models.code, EXIT.ok, models.stderr);
    assert.ok((JSON.parse(models.stdout) as Array<{ id: string }>).some((model) => model.id === "mock-gpt"));
    const table = await cli(["models", "list"]);
    assert.match(table.stdout, /^MODEL\s+PROVIDER\s+DEPLOYMENTS/);

    const deployments = await cli(["models", "deployments"]);
    assert.equal(deployments.code, EXIT.ok, deployments.stderr);
    assert.match(deployments.stdout, /^MODEL\s+DEPLOYMENT\s+PROVIDER\s+HEALTH/);
    assert.match(deployments.stdout, /^mock-gpt\s+\S+\s+mock\/\S+\s+healthy/m);
    const deploymentsJson = await cli(["models", "deployments", "--json"]);
    assert.ok(
      (JSON.parse(deploymentsJson.stdout) as Array<{ modelGroup: string }>).some(
        (deployment) => deployment.modelGroup === "mock-gpt",
      ),
    );
    // A user key may call models but not see the deployments behind them.
    const refused = await cli(["models", "deployments"], created.secret);
    assert.notEqual(refused.code, EXIT.ok);
  });

  it("bad input exits 1 naming the flag, before anything is sent", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["keys", "create", "--rpm", "lots"], /--rpm must be a whole number/],
      [["keys", "list", "--colour"], /Unknown option '--colour'/],
      [["keys", "create", "--role", "root"], /--role must be one of admin, team-admin, user, viewer/],
      [["keys", "create", "--metadata", "[1]"], /--metadata must be a JSON object/],
      [["keys", "rotate", "k", "--grace", "soon"], /--grace must be a duration/],
      [["keys", "get"], /Missing argument KEY_ID/],
      [["keys", "update", "k"], /Nothing to update/],
      [["keys", "frob"], /unknown command 'keys frob'/],
      [["usage", "summary", "--by", "colour"], /--by must be one of key, team, model/],
      [["usage", "summary", "--since", "yesterday"], /--since must be an RFC 3339 time/],
      [["keys", "list", "--protocol", "soap"], /--protocol must be one of connect, grpc/],
      [["keys", "list", "--output", "xml"], /--output must be one of table, json, yaml/],
      [["keys", "list", "--url", "ftp://example.com"], /--url must be an http/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    runs.forEach((run, index) => {
      const [args, pattern] = cases[index] ?? [[], /$/];
      assert.equal(run.code, EXIT.usage, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, pattern, args.join(" "));
      assert.equal(run.stdout, "", args.join(" "));
    });
  });

  it("server errors exit 2 with the code, message and field; unreachable exits 3", async () => {
    const wrongKey = await cli(["keys", "list"], "sk-sb-not-a-real-key-000000000000");
    assert.equal(wrongKey.code, EXIT.refused);
    assert.match(wrongKey.stderr, /^switchboard: error: unauthenticated: /);
    assert.ok(!wrongKey.stderr.includes("sk-sb-not-a-real-key-000000000000"));

    const missing = await cli(["keys", "get", "key_does_not_exist"]);
    assert.equal(missing.code, EXIT.refused);
    assert.match(missing.stderr, /^switchboard: error: not_found: .*\(field: key_id\)$/m);

    const badField = await cli([
      "keys",
      "create",
      "--budget-duration",
      "30d",
      "--max-budget",
      "1",
      "--expires",
      "2001-01-01T00:00:00Z",
    ]);
    assert.equal(badField.code, EXIT.refused, badField.stderr);
    assert.match(badField.stderr, /invalid_argument: .*\(field: expire_time\)/);

    const port = await freePort();
    for (const protocol of ["connect", "grpc"]) {
      const unreachable = await cli([
        "keys",
        "list",
        "--url",
        `http://127.0.0.1:${port}`,
        "--protocol",
        protocol,
        "--key",
        MASTER_KEY,
      ]);
      assert.equal(unreachable.code, EXIT.unreachable, unreachable.stderr);
      assert.match(
        unreachable.stderr,
        new RegExp(`cannot reach the gateway at http://127\\.0\\.0\\.1:${port}`),
      );
    }
    const noKey = await collect(launch(["keys", "list"], { SWITCHBOARD_URL: gateway.url }));
    assert.equal(noKey.code, EXIT.usage);
    assert.match(noKey.stderr, /No API key: set SWITCHBOARD_API_KEY/);
  });

  it("the switchboard entry point dispatches operator nouns; config check aliases check", async () => {
    const viaMain = await collect(
      launch(
        ["keys", "list", "--json"],
        { SWITCHBOARD_URL: gateway.url, SWITCHBOARD_API_KEY: MASTER_KEY },
        new URL("src/main.ts", ROOT).pathname,
      ),
    );
    assert.equal(viaMain.code, EXIT.ok, viaMain.stderr);
    assert.ok(Array.isArray(JSON.parse(viaMain.stdout)));
    const check = await cli(["config", "check"]);
    assert.equal(check.code, EXIT.ok, check.stderr);
    assert.match(check.stdout, /mock-gpt/);
  });

  it("the master key appears in no output and no error of any run", () => {
    assert.ok(transcript.length > 40, `ran ${transcript.length / 2} commands`);
    for (const text of transcript) assert.ok(!text.includes(MASTER_KEY), text);
  });
});

describe("switchboard --help", () => {
  it("lists every command; each noun's help lists its verbs and flags", () => {
    const overview = operatorOverview();
    for (const noun of NOUNS) {
      const verbs = COMMANDS.filter((command) => command.noun === noun).map((command) => command.verb);
      assert.ok(overview.includes(`switchboard ${noun} ${verbs.join("|")}`), noun);
      const help = nounHelp(noun);
      for (const verb of verbs) assert.match(help, new RegExp(`switchboard ${noun} ${verb}\\b`));
    }
    for (const command of COMMANDS) {
      const help = commandHelp(command);
      for (const flag of Object.keys(command.flags))
        assert.ok(help.includes(`--${flag}`), `${command.verb} --${flag}`);
    }
  });

  it("bin/switchboard.js routes exactly the CLI's nouns to the CLI", () => {
    const bin = readFileSync(new URL("bin/switchboard.js", ROOT), "utf8");
    const listed = /OPERATOR_NOUNS = (\[[^\]]*\])/.exec(bin)?.[1];
    assert.deepEqual(JSON.parse(listed ?? "[]"), [...NOUNS]);
  });
});

describe("table output", () => {
  it("colours only on a TTY, never with NO_COLOR or TERM=dumb", () => {
    assert.equal(colorAllowed({ isTTY: true }, {}), true);
    assert.equal(colorAllowed({ isTTY: false }, {}), false);
    assert.equal(colorAllowed({}, {}), false);
    assert.equal(colorAllowed({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(colorAllowed({ isTTY: true }, { TERM: "dumb" }), false);
  });

  it("aligns columns before colouring, so escapes never skew them", () => {
    const rows = [
      ["key_1", { text: "active", style: "green" as const }, "sk-sb-…a1b2"],
      ["key_22222", { text: "revoked", style: "red" as const }, "sk-sb-…c3d4"],
    ];
    const plain = table({ color: false }, ["ID", "STATE", "SECRET"], rows);
    const coloured = table({ color: true }, ["ID", "STATE", "SECRET"], rows);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes is the point
    assert.equal(coloured.replace(/\u001b\[\d+m/g, ""), plain);
    assert.notEqual(coloured, plain);
    const lines = plain.trimEnd().split("\n");
    const column = lines[0]?.indexOf("SECRET");
    for (const line of lines.slice(1)) assert.equal(line.indexOf("sk-sb-"), column);
  });
});
