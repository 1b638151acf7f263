import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  AddTeamMemberResponseSchema,
  BlockKeyResponseSchema,
  CreateKeyResponseSchema,
  CreateTeamResponseSchema,
  DeleteTeamResponseSchema,
  GetCallerResponseSchema,
  GetKeyResponseSchema,
  GetTeamResponseSchema,
  type KeysService,
  ListKeysResponseSchema,
  ListTeamsResponseSchema,
  RemoveTeamMemberResponseSchema,
  RevokeKeyResponseSchema,
  RotateKeyResponseSchema,
  UnblockKeyResponseSchema,
  UpdateKeyResponseSchema,
  UpdateTeamResponseSchema,
} from "../../gen/switchboard/v1/keys_service_pb.js";
import { authenticationFailed } from "../auth/authenticator.js";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";
import { expandKeyPath, expandTeamPath, type KeyFieldPath, type TeamFieldPath } from "../keys/key-fields.js";
import type { KeyManager } from "../keys/key-manager.js";
import { toConnectError } from "./connect-error.js";
import { principalKey } from "./context.js";
import {
  keyDraft,
  keyDraftForCreate,
  keyToProto,
  rejectUnknownFields,
  roleToProto,
  seconds,
  stateFromProto,
  teamDraft,
  teamRoleFromProto,
  teamToProto,
} from "./keys-proto.js";

function principalOf(context: HandlerContext): Principal {
  const principal = context.values.get(principalKey);
  if (principal === undefined) throw authenticationFailed();
  return principal;
}

function required(value: string, param: string): string {
  if (value === "") throw invalidRequest(`${param} is required.`, param);
  return value;
}

function keyPaths(paths: readonly string[] | undefined): Set<KeyFieldPath> {
  const result = new Set<KeyFieldPath>();
  for (const path of paths ?? []) {
    const expanded = expandKeyPath(path);
    if (expanded === undefined) {
      throw invalidRequest(`update_mask names '${path}', which is not a writable Key field.`, "update_mask");
    }
    for (const item of expanded) result.add(item);
  }
  return result;
}

function teamPaths(paths: readonly string[] | undefined): Set<TeamFieldPath> {
  const result = new Set<TeamFieldPath>();
  for (const path of paths ?? []) {
    const expanded = expandTeamPath(path);
    if (expanded === undefined) {
      throw invalidRequest(`update_mask names '${path}', which is not a writable Team field.`, "update_mask");
    }
    for (const item of expanded) result.add(item);
  }
  return result;
}

/** Runs a handler with unknown-field rejection and GatewayError → ConnectError, whatever interceptors are present. */
async function handle<T>(request: unknown, work: () => Promise<T>): Promise<T> {
  try {
    rejectUnknownFields(request);
    return await work();
  } catch (error) {
    throw toConnectError(error);
  }
}

/**
 * The Keys service: proto in, KeyManager (the same core as the LiteLLM REST routes), proto out. The route-level
 * matrix is enforced by the authorization interceptor; scope and writable fields by the KeyManager.
 */
export function createKeysService(manager: KeyManager): ServiceImpl<typeof KeysService> {
  return {
    createKey: (request, context) =>
      handle(request, async () => {
        const ttl = seconds(request.ttl, "ttl");
        const { view, secret } = await manager.createKey(
          principalOf(context),
          keyDraftForCreate(request.key),
          ttl === undefined || ttl === 0 ? undefined : ttl,
        );
        return create(CreateKeyResponseSchema, { key: keyToProto(view), secret });
      }),

    getKey: (request, context) =>
      handle(request, async () => {
        const view = await manager.getKey(principalOf(context), required(request.keyId, "key_id"));
        return create(GetKeyResponseSchema, { key: keyToProto(view) });
      }),

    listKeys: (request, context) =>
      handle(request, async () => {
        const page = await manager.listKeys(
          principalOf(context),
          {
            teamId: request.teamId === "" ? undefined : request.teamId,
            userId: request.userId === "" ? undefined : request.userId,
            state: stateFromProto(request.state),
          },
          { pageSize: request.pageSize, pageToken: request.pageToken },
        );
        return create(ListKeysResponseSchema, {
          keys: page.keys.map(keyToProto),
          nextPageToken: page.nextPageToken,
        });
      }),

    updateKey: (request, context) =>
      handle(request, async () => {
        if (request.key === undefined) throw invalidRequest("key is required.", "key");
        if (request.updateMask === undefined || request.updateMask.paths.length === 0) {
          throw invalidRequest("update_mask is required: name the fields to change.", "update_mask");
        }
        const view = await manager.updateKey(
          principalOf(context),
          required(request.key.keyId, "key.key_id"),
          keyPaths(request.updateMask.paths),
          keyDraft(request.key),
          request.key.etag,
        );
        return create(UpdateKeyResponseSchema, { key: keyToProto(view) });
      }),

    revokeKey: (request, context) =>
      handle(request, async () => {
        const view = await manager.setKeyState(
          principalOf(context),
          required(request.keyId, "key_id"),
          "revoked",
          request.etag,
        );
        return create(RevokeKeyResponseSchema, { key: keyToProto(view) });
      }),

    blockKey: (request, context) =>
      handle(request, async () => {
        const view = await manager.setKeyState(
          principalOf(context),
          required(request.keyId, "key_id"),
          "blocked",
          request.etag,
        );
        return create(BlockKeyResponseSchema, { key: keyToProto(view) });
      }),

    unblockKey: (request, context) =>
      handle(request, async () => {
        const view = await manager.setKeyState(
          principalOf(context),
          required(request.keyId, "key_id"),
          "active",
          request.etag,
        );
        return create(UnblockKeyResponseSchema, { key: keyToProto(view) });
      }),

    rotateKey: (request, context) =>
      handle(request, async () => {
        const { view, secret } = await manager.rotateKey(
          principalOf(context),
          required(request.keyId, "key_id"),
          seconds(request.gracePeriod, "grace_period") ?? 0,
          request.etag,
        );
        return create(RotateKeyResponseSchema, { key: keyToProto(view), secret });
      }),

    createTeam: (request, context) =>
      handle(request, async () => {
        const view = await manager.teams.createTeam(principalOf(context), teamDraft(request.team));
        return create(CreateTeamResponseSchema, { team: teamToProto(view) });
      }),

    getTeam: (request, context) =>
      handle(request, async () => {
        const view = await manager.teams.getTeam(principalOf(context), required(request.teamId, "team_id"));
        return create(GetTeamResponseSchema, { team: teamToProto(view) });
      }),

    listTeams: (request, context) =>
      handle(request, async () => {
        const page = await manager.teams.listTeams(principalOf(context), {
          pageSize: request.pageSize,
          pageToken: request.pageToken,
        });
        return create(ListTeamsResponseSchema, {
          teams: page.teams.map(teamToProto),
          nextPageToken: page.nextPageToken,
        });
      }),

    updateTeam: (request, context) =>
      handle(request, async () => {
        if (request.team === undefined) throw invalidRequest("team is required.", "team");
        if (request.updateMask === undefined || request.updateMask.paths.length === 0) {
          throw invalidRequest("update_mask is required: name the fields to change.", "update_mask");
        }
        const { etag, teamId } = request.team;
        const view = await manager.teams.updateTeam(
          principalOf(context),
          required(teamId, "team.team_id"),
          teamPaths(request.updateMask.paths),
          teamDraft({ ...request.team, teamId: "" }, false),
          etag,
        );
        return create(UpdateTeamResponseSchema, { team: teamToProto(view) });
      }),

    deleteTeam: (request, context) =>
      handle(request, async () => {
        await manager.teams.deleteTeam(
          principalOf(context),
          required(request.teamId, "team_id"),
          request.etag,
        );
        return create(DeleteTeamResponseSchema, {});
      }),

    addTeamMember: (request, context) =>
      handle(request, async () => {
        if (request.member === undefined) throw invalidRequest("member is required.", "member");
        const view = await manager.teams.addTeamMember(
          principalOf(context),
          required(request.teamId, "team_id"),
          required(request.member.userId, "member.user_id"),
          teamRoleFromProto(request.member.role),
        );
        return create(AddTeamMemberResponseSchema, { team: teamToProto(view) });
      }),

    removeTeamMember: (request, context) =>
      handle(request, async () => {
        const view = await manager.teams.removeTeamMember(
          principalOf(context),
          required(request.teamId, "team_id"),
          required(request.userId, "user_id"),
        );
        return create(RemoveTeamMemberResponseSchema, { team: teamToProto(view) });
      }),
    // Who the caller is, from the principal the auth interceptor established (no store read, no secret).
    getCaller: (request, context) =>
      handle(request, async () => {
        const principal = principalOf(context);
        return create(GetCallerResponseSchema, {
          keyId: principal.keyId,
          role: roleToProto(principal.role),
          teamId: principal.teamId ?? "",
          userId: principal.userId ?? "",
          displaySecret: principal.display,
        });
      }),
  };
}
