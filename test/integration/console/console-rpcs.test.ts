import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { createSwitchboardClient } from "../../../clients/typescript/src/index.js";
import { DeploymentHealth } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { KeyRole } from "../../../gen/switchboard/v1/keys_service_pb.js";
import { deployment } from "../../helpers/gateway.js";
import { connectKeysClient } from "../../helpers/keys-client.js";
import {
  databaseTargets,
  type KeysGateway,
  MASTER_KEY,
  startKeysGateway,
} from "../../helpers/keys-gateway.js";

/** The two RPCs the console added: KeysService.GetCaller and ChatService.ListDeployments (with cooldowns). */
describe("console RPCs: GetCaller and ListDeployments", () => {
  let gateway: KeysGateway;
  const secrets: Record<"teamAdmin" | "user" | "viewer", string> = { teamAdmin: "", user: "", viewer: "" };
  let teamAdminId = "";
  const client = (apiKey: string) =>
    createSwitchboardClient({ baseUrl: gateway.url, apiKey, httpVersion: "1.1" });

  before(async () => {
    const target = (await databaseTargets()).find((candidate) => candidate.name === "sqlite")!;
    gateway = await startKeysGateway(
      target,
      {},
      {
        deployments: [
          deployment("mock-gpt", "mock", "fixed"),
          // Fails every call like a provider's 500: one failure starts its cooldown.
          deployment("flaky", "mock", "error-500", {}, "flaky-1"),
        ],
        router: { retryBackoffMs: 1, numRetries: 0, allowedFails: 0, cooldownMs: 60_000 },
      },
    );
    const admin = connectKeysClient(gateway.url, MASTER_KEY);
    await admin.createTeam({ team: { teamId: "alpha", models: ["mock-gpt"] } });
    const teamAdmin = await admin.createKey({
      key: { role: KeyRole.TEAM_ADMIN, teamId: "alpha", userId: "ada" },
    });
    secrets.teamAdmin = teamAdmin.secret;
    teamAdminId = teamAdmin.key!.keyId;
    secrets.user = (await admin.createKey({ key: { role: KeyRole.USER, teamId: "alpha" } })).secret;
    secrets.viewer = (await admin.createKey({ key: { role: KeyRole.VIEWER } })).secret;
  });
  after(async () => gateway?.close());

  it("GetCaller names the calling key, its role and team, never its secret", async () => {
    const master = await client(MASTER_KEY).keys.getCaller({});
    assert.equal(master.keyId, "master");
    assert.equal(master.role, KeyRole.ADMIN);
    const teamAdmin = await client(secrets.teamAdmin).keys.getCaller({});
    assert.equal(teamAdmin.keyId, teamAdminId);
    assert.equal(teamAdmin.role, KeyRole.TEAM_ADMIN);
    assert.equal(teamAdmin.teamId, "alpha");
    assert.equal(teamAdmin.userId, "ada");
    assert.ok(!JSON.stringify(teamAdmin).includes(secrets.teamAdmin));
    assert.match(teamAdmin.displaySecret, /…/);
    assert.equal((await client(secrets.viewer).keys.getCaller({})).role, KeyRole.VIEWER);
    await assert.rejects(client("sk-forged-000000000000000000000000000000").keys.getCaller({}), (error) => {
      return error instanceof ConnectError && error.code === Code.Unauthenticated;
    });
  });

  it("ListDeployments: a failing deployment shows its cooldown and when it ends", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "flaky", messages: [{ role: "user", content: "hi" }] }),
    });
    await response.arrayBuffer();
    assert.ok(response.status >= 500);
    const before = Date.now();
    const { deployments } = await client(MASTER_KEY).chat.listDeployments({});
    const flaky = deployments.find((entry) => entry.deploymentId === "flaky-1");
    const healthy = deployments.find((entry) => entry.modelGroup === "mock-gpt");
    assert.equal(flaky?.health, DeploymentHealth.COOLING);
    assert.equal(flaky?.provider, "mock");
    assert.equal(flaky?.model, "error-500");
    const ends = timestampDate(flaky!.cooldownEndTime!).getTime();
    assert.ok(ends > before && ends <= before + 61_000, `cooldown ends at ${ends}`);
    assert.equal(healthy?.health, DeploymentHealth.HEALTHY);
    assert.equal(healthy?.cooldownEndTime, undefined);
  });

  it("ListDeployments is scoped: a team admin sees its team's models only; users and viewers are refused", async () => {
    const { deployments } = await client(secrets.teamAdmin).chat.listDeployments({});
    assert.deepEqual(
      deployments.map((entry) => entry.modelGroup),
      ["mock-gpt"],
    );
    for (const secret of [secrets.user, secrets.viewer]) {
      await assert.rejects(client(secret).chat.listDeployments({}), (error) => {
        return error instanceof ConnectError && error.code === Code.PermissionDenied;
      });
    }
  });

  it("ListDeployments pages and refuses bad paging input naming the field", async () => {
    const admin = client(MASTER_KEY).chat;
    const first = await admin.listDeployments({ pageSize: 1 });
    assert.equal(first.deployments.length, 1);
    assert.notEqual(first.nextPageToken, "");
    const second = await admin.listDeployments({ pageSize: 1, pageToken: first.nextPageToken });
    assert.equal(second.deployments.length, 1);
    assert.notEqual(second.deployments[0]?.deploymentId, first.deployments[0]?.deploymentId);
    assert.equal(second.nextPageToken, "");
    await assert.rejects(admin.listDeployments({ pageSize: -1 }), (error) => {
      return (
        error instanceof ConnectError &&
        error.code === Code.InvalidArgument &&
        /page_size/.test(error.message)
      );
    });
    await assert.rejects(admin.listDeployments({ pageToken: "forged" }), (error) => {
      return (
        error instanceof ConnectError &&
        error.code === Code.InvalidArgument &&
        /page_token/.test(error.message)
      );
    });
  });
});
