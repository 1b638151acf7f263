import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, FieldMaskSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import {
  KeyRole,
  KeySchema,
  KeyState,
  LimitsSchema,
  TeamRole,
  TeamSchema,
} from "../../../gen/switchboard/v1/keys_service_pb.js";
import {
  assertConnectError,
  connectKeysClient,
  grpcKeysClient,
  type KeysClient,
} from "../../helpers/keys-client.js";
import {
  databaseTargets,
  type KeysGateway,
  MASTER_KEY,
  startKeysGateway,
} from "../../helpers/keys-gateway.js";

const targets = await databaseTargets();

async function chat(url: string, token: string, model = "mock-gpt"): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function modelIds(url: string, token: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { data: { id: string }[] };
  return body.data.map((model) => model.id).sort();
}

const mask = (...paths: string[]) => create(FieldMaskSchema, { paths });

for (const target of targets) {
  describe(`Keys API over the generated client (${target.name})`, { skip: target.skip }, () => {
    let gateway: KeysGateway;
    let admin: KeysClient;

    before(async () => {
      gateway = await startKeysGateway(target);
      admin = connectKeysClient(gateway.url, MASTER_KEY);
    });
    after(async () => gateway?.close());

    it("creates a key whose secret is shown once, stored as a hash, and works for chat", async () => {
      const created = await admin.createKey({
        key: { displayName: "svc-a", userId: "alice", models: ["mock-gpt"] },
      });
      assert.match(created.secret, /^sk-sb-[A-Za-z0-9_-]{43}$/);
      const key = created.key!;
      assert.equal(key.displaySecret, `sk-sb-…${created.secret.slice(-4)}`);
      assert.equal(key.state, KeyState.ACTIVE);
      assert.equal(key.role, KeyRole.USER);
      assert.equal(key.createdBy, "master");
      assert.notEqual(key.etag, "");
      const fetched = await admin.getKey({ keyId: key.keyId });
      assert.equal(
        JSON.stringify(fetched, (_, value) => (typeof value === "bigint" ? String(value) : value)).includes(
          created.secret,
        ),
        false,
      );
      assert.equal(await chat(gateway.url, created.secret), 200);
      assert.equal(await chat(gateway.url, created.secret, "mock/other"), 403);
      assert.deepEqual(await modelIds(gateway.url, created.secret), ["mock-gpt"]);
    });

    it("lists keys page by page with opaque tokens, and rejects a token from another query", async () => {
      for (const name of ["p1", "p2", "p3"])
        await admin.createKey({ key: { displayName: name, userId: "pager" } });
      const seen: string[] = [];
      let token = "";
      do {
        const page = await admin.listKeys({ userId: "pager", pageSize: 2, pageToken: token });
        assert.ok(page.keys.length <= 2);
        seen.push(...page.keys.map((key) => key.displayName));
        token = page.nextPageToken;
      } while (token !== "");
      assert.deepEqual(seen.sort(), ["p1", "p2", "p3"]);
      const first = await admin.listKeys({ userId: "pager", pageSize: 1 });
      assert.notEqual(first.nextPageToken, "");
      await assertConnectError(
        admin.listKeys({ userId: "someone-else", pageSize: 1, pageToken: first.nextPageToken }),
        Code.InvalidArgument,
        "page_token",
      );
      await assertConnectError(
        admin.listKeys({ pageToken: "not-a-token!" }),
        Code.InvalidArgument,
        "page_token",
      );
      await assertConnectError(admin.listKeys({ pageSize: 5000 }), Code.InvalidArgument, "page_size");
    });

    it("updates through a field mask with optimistic concurrency on the etag", async () => {
      const { key } = await admin.createKey({ key: { displayName: "before" } });
      const updated = await admin.updateKey({
        key: { keyId: key!.keyId, displayName: "after", etag: key!.etag, tags: ["ignored: not in mask"] },
        updateMask: mask("display_name", "limits.rpm_limit"),
      });
      assert.equal(updated.key!.displayName, "after");
      assert.deepEqual(updated.key!.tags, []);
      assert.equal(updated.key!.limits?.rpmLimit, undefined);
      await assertConnectError(
        admin.updateKey({
          key: { keyId: key!.keyId, displayName: "stale", etag: key!.etag },
          updateMask: mask("display_name"),
        }),
        Code.FailedPrecondition,
        "etag",
      );
      await assertConnectError(
        admin.updateKey({ key: { keyId: key!.keyId }, updateMask: mask("state") }),
        Code.InvalidArgument,
        "update_mask",
      );
      await assertConnectError(
        admin.updateKey({ key: { keyId: key!.keyId, displayName: "x" } }),
        Code.InvalidArgument,
        "update_mask",
      );
    });

    it("rejects bad input with the right code naming the field", async () => {
      await assertConnectError(
        admin.createKey({ key: { limits: { maxBudget: -1 } } }),
        Code.InvalidArgument,
        "limits.max_budget",
      );
      await assertConnectError(
        admin.createKey({ key: { limits: { rpmLimit: -5n } } }),
        Code.InvalidArgument,
        "key.limits.rpm_limit",
      );
      await assertConnectError(
        admin.createKey({ key: { expireTime: timestampFromDate(new Date(Date.now() - 60_000)) } }),
        Code.InvalidArgument,
        "expire_time",
      );
      await assertConnectError(
        admin.createKey({ key: { limits: { budgetDuration: "monthly" } } }),
        Code.InvalidArgument,
        "limits.budget_duration",
      );
      await assertConnectError(
        admin.createKey({ key: { keyId: "key_mine" } }),
        Code.InvalidArgument,
        "key.key_id",
      );
      await assertConnectError(
        admin.createKey({ key: { teamId: "no-such-team" } }),
        Code.InvalidArgument,
        "team_id",
      );
      await assertConnectError(admin.createKey({ key: { models: ["a*b"] } }), Code.InvalidArgument, "models");
      await assertConnectError(admin.getKey({ keyId: "key_missing" }), Code.NotFound, "key_id");
      // Unknown fields: rejected by the JSON codec (Connect) and by the service for binary (gRPC) messages.
      const response = await fetch(`${gateway.url}/switchboard.v1.KeysService/CreateKey`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ key: { displayName: "x", spendLimit: 5 } }),
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(body.code, "invalid_argument");
      assert.match(body.message, /spendLimit/);
    });

    it("blocks, unblocks, revokes; state changes only through their RPCs", async () => {
      const { key, secret } = await admin.createKey({ key: { displayName: "stateful" } });
      const blocked = await admin.blockKey({ keyId: key!.keyId });
      assert.equal(blocked.key!.state, KeyState.BLOCKED);
      assert.equal(await chat(gateway.url, secret), 401);
      const unblocked = await admin.unblockKey({ keyId: key!.keyId, etag: blocked.key!.etag });
      assert.equal(unblocked.key!.state, KeyState.ACTIVE);
      assert.equal(await chat(gateway.url, secret), 200);
      await assertConnectError(
        admin.blockKey({ keyId: key!.keyId, etag: blocked.key!.etag }),
        Code.FailedPrecondition,
        "etag",
      );
      const revoked = await admin.revokeKey({ keyId: key!.keyId });
      assert.equal(revoked.key!.state, KeyState.REVOKED);
      assert.equal(await chat(gateway.url, secret), 401);
      await assertConnectError(admin.unblockKey({ keyId: key!.keyId }), Code.FailedPrecondition, "state");
      await assertConnectError(admin.rotateKey({ keyId: key!.keyId }), Code.FailedPrecondition, "state");
      const listed = await admin.listKeys({ state: KeyState.REVOKED });
      assert.ok(listed.keys.some((item) => item.keyId === key!.keyId));
    });

    it("rotates: with a grace period both secrets work, without one the old secret stops at once", async () => {
      const { key, secret: first } = await admin.createKey({ key: { displayName: "rotating" } });
      const graced = await admin.rotateKey({ keyId: key!.keyId, gracePeriod: durationFromMs(3_600_000) });
      assert.notEqual(graced.secret, first);
      assert.ok(graced.key!.previousSecretExpireTime !== undefined);
      assert.equal(await chat(gateway.url, first), 200);
      assert.equal(await chat(gateway.url, graced.secret), 200);
      const immediate = await admin.rotateKey({ keyId: key!.keyId });
      assert.equal(await chat(gateway.url, first), 401);
      assert.equal(await chat(gateway.url, graced.secret), 401);
      assert.equal(await chat(gateway.url, immediate.secret), 200);
      await assertConnectError(
        admin.rotateKey({ keyId: key!.keyId, gracePeriod: durationFromMs(-1_000) }),
        Code.InvalidArgument,
        "grace_period",
      );
    });

    it("teams cap their keys; team admins manage their own team within its limits", async () => {
      const { team } = await admin.createTeam({
        team: create(TeamSchema, {
          teamId: `eng-${target.name}`,
          displayName: "Engineering",
          models: ["mock/*"],
          limits: create(LimitsSchema, { maxBudget: 100, budgetDuration: "30d", rpmLimit: 60n }),
          maxKeyDuration: durationFromMs(86_400_000),
        }),
      });
      const teamId = team!.teamId;
      await assertConnectError(admin.createTeam({ team: { teamId } }), Code.FailedPrecondition, "team_id");
      const lead = await admin.createKey({
        key: create(KeySchema, { teamId, role: KeyRole.TEAM_ADMIN, displayName: "eng lead" }),
      });
      // The team's max key lifetime applies even when the key sets no expiry.
      assert.ok(lead.key!.expireTime !== undefined);
      const teamAdmin = connectKeysClient(gateway.url, lead.secret);
      const member = await teamAdmin.createKey({ key: { displayName: "eng svc", models: ["mock/a"] } });
      assert.equal(member.key!.teamId, teamId);
      assert.equal(member.key!.createdBy, lead.key!.keyId);
      assert.equal(member.key!.limits?.rpmLimit, undefined);
      assert.equal(await chat(gateway.url, member.secret, "mock/a"), 200);
      assert.equal(await chat(gateway.url, member.secret, "mock-gpt"), 403);
      await assertConnectError(
        teamAdmin.createKey({ key: { models: ["mock-gpt"] } }),
        Code.PermissionDenied,
        "models",
      );
      await assertConnectError(
        teamAdmin.createKey({ key: { limits: { rpmLimit: 61n } } }),
        Code.PermissionDenied,
        "limits.rpm_limit",
      );
      await assertConnectError(
        teamAdmin.createKey({ key: { limits: { maxBudget: 10, budgetDuration: "1d" } } }),
        Code.PermissionDenied,
        "limits.budget_duration",
      );
      await assertConnectError(
        teamAdmin.createKey({
          key: { expireTime: timestampFromDate(new Date(Date.now() + 2 * 86_400_000)) },
        }),
        Code.PermissionDenied,
        "expire_time",
      );
      await assertConnectError(
        teamAdmin.createKey({ key: { role: KeyRole.ADMIN } }),
        Code.PermissionDenied,
        "role",
      );
      await assertConnectError(
        teamAdmin.createKey({ key: { teamId: "other" } }),
        Code.PermissionDenied,
        "team_id",
      );
      await assertConnectError(teamAdmin.createTeam({ team: { teamId: "mine" } }), Code.PermissionDenied);
      // Scope: its own team's keys only; the team's caps only an admin may change.
      const outsider = await admin.createKey({ key: { displayName: "outsider" } });
      await assertConnectError(
        teamAdmin.getKey({ keyId: outsider.key!.keyId }),
        Code.PermissionDenied,
        "key_id",
      );
      await assertConnectError(
        teamAdmin.revokeKey({ keyId: outsider.key!.keyId }),
        Code.PermissionDenied,
        "key_id",
      );
      await assertConnectError(teamAdmin.listKeys({ teamId: "other" }), Code.PermissionDenied, "team_id");
      const listed = await teamAdmin.listKeys({});
      assert.ok(listed.keys.every((key) => key.teamId === teamId));
      await assertConnectError(
        teamAdmin.updateTeam({
          team: { teamId, limits: { rpmLimit: 1000n } },
          updateMask: mask("limits.rpm_limit"),
        }),
        Code.PermissionDenied,
        "limits.rpm_limit",
      );
      const renamed = await teamAdmin.updateTeam({
        team: { teamId, displayName: "Eng" },
        updateMask: mask("display_name"),
      });
      assert.equal(renamed.team!.displayName, "Eng");
      await assertConnectError(
        teamAdmin.updateKey({
          key: { keyId: member.key!.keyId, role: KeyRole.ADMIN },
          updateMask: mask("role"),
        }),
        Code.PermissionDenied,
        "role",
      );
      await teamAdmin.blockKey({ keyId: member.key!.keyId });
      assert.equal(await chat(gateway.url, member.secret, "mock/a"), 401);
      // Members.
      const withMember = await teamAdmin.addTeamMember({
        teamId,
        member: { userId: "bob", role: TeamRole.MEMBER },
      });
      assert.deepEqual(
        withMember.team!.members.map((item) => item.userId),
        ["bob"],
      );
      await assertConnectError(
        teamAdmin.addTeamMember({ teamId, member: { userId: "eve", role: TeamRole.ADMIN } }),
        Code.PermissionDenied,
        "member.role",
      );
      const without = await teamAdmin.removeTeamMember({ teamId, userId: "bob" });
      assert.deepEqual(without.team!.members, []);
      // Deleting the team revokes every key in it.
      await assertConnectError(teamAdmin.deleteTeam({ teamId }), Code.PermissionDenied);
      await admin.deleteTeam({ teamId });
      assert.equal(await chat(gateway.url, lead.secret, "mock/a"), 401);
      const gone = await admin.getKey({ keyId: lead.key!.keyId });
      assert.equal(gone.key!.state, KeyState.REVOKED);
      await assertConnectError(admin.getTeam({ teamId }), Code.NotFound, "team_id");
    });

    it("lets a user read only its own key, and a viewer not call models", async () => {
      const user = await admin.createKey({ key: { displayName: "plain user" } });
      const other = await admin.createKey({ key: { displayName: "someone" } });
      const client = connectKeysClient(gateway.url, user.secret);
      assert.equal((await client.getKey({ keyId: user.key!.keyId })).key!.keyId, user.key!.keyId);
      await assertConnectError(client.getKey({ keyId: other.key!.keyId }), Code.PermissionDenied, "key_id");
      const own = await client.listKeys({});
      assert.deepEqual(
        own.keys.map((key) => key.keyId),
        [user.key!.keyId],
      );
      await assertConnectError(client.createKey({ key: {} }), Code.PermissionDenied);
      const viewer = await admin.createKey({ key: { role: KeyRole.VIEWER } });
      assert.equal(await chat(gateway.url, viewer.secret), 403);
    });

    it("serves the same API over gRPC (HTTP/2)", async () => {
      const grpc = grpcKeysClient(gateway.url, MASTER_KEY);
      const created = await grpc.createKey({ key: { displayName: "over grpc" } });
      const listed = await grpc.getKey({ keyId: created.key!.keyId });
      assert.equal(listed.key!.displayName, "over grpc");
      await assertConnectError(grpcKeysClient(gateway.url, "sk-sb-wrong").listKeys({}), Code.Unauthenticated);
      // A binary field this server does not know (number 99 inside key) is InvalidArgument, not silently dropped.
      const unknown = create(KeySchema, { displayName: "x" });
      unknown.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([0x01]) }];
      await assertConnectError(grpc.createKey({ key: unknown }), Code.InvalidArgument, "key");
    });
  });
}
