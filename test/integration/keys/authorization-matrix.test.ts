import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ChatService } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { EmbeddingsService } from "../../../gen/switchboard/v1/embeddings_service_pb.js";
import { KeyRole, KeysService } from "../../../gen/switchboard/v1/keys_service_pb.js";
import { UsageService } from "../../../gen/switchboard/v1/usage_service_pb.js";
import { ACCESS_MATRIX, type Access, accessRule } from "../../../src/auth/access-matrix.js";
import type { PrincipalRole } from "../../../src/core/types/principal.js";
import { generateSecret, secretDisplay, secretLookupHash } from "../../../src/keys/key-secret.js";
import { emptyLimits } from "../../../src/keys/key-types.js";
import { SqlKeyStore } from "../../../src/keys/sql-key-store.js";
import { consoleRoutes } from "../../../src/rest/console-routes.js";
import { modelInfoRoutes } from "../../../src/rest/model-info-routes.js";
import { deploymentHealthRoute, metricsRoute } from "../../../src/rest/observability-routes.js";
import { coreRestRoutes, type RestRoute } from "../../../src/rest/rest-shim.js";
import { restRouteId } from "../../../src/rest/route-access.js";
import { connectKeysClient } from "../../helpers/keys-client.js";
import {
  databaseTargets,
  type KeysGateway,
  MASTER_KEY,
  startKeysGateway,
} from "../../helpers/keys-gateway.js";

/** Every Connect service the gateway registers. A new service must be added here and to the matrix. */
const SERVICES: readonly DescService[] = [ChatService, EmbeddingsService, KeysService, UsageService];

type Caller =
  | { name: "anonymous" | "forged" | "expired" | "blocked" | "revoked"; token: string | undefined }
  | { name: PrincipalRole | "master"; token: string; role: PrincipalRole };

const target = (await databaseTargets()).find((candidate) => candidate.name === "sqlite")!;

describe("authorization matrix: every REST route and RPC × every role and key state", () => {
  let gateway: KeysGateway;
  let restRoutes: RestRoute[];
  const callers: Caller[] = [];
  let ownKeyOf: Record<string, string> = {};
  let foreignKey = "";
  const teamId = "matrix-team";

  before(async () => {
    gateway = await startKeysGateway(target);
    restRoutes = [
      ...coreRestRoutes(),
      // The admin console's files (app.ts mounts them; public, like health).
      ...consoleRoutes(),
      // GET /metrics is mounted by app.ts (on by default); the gateway under test serves the real one.
      metricsRoute({ contentType: "text/plain", render: async () => "" }),
      // GET /health (deployment checks) is mounted by app.ts too.
      deploymentHealthRoute({ check: async () => ({}) }),
      // GET /model/info and /v2/model/info: app.ts mounts them over the configured deployments.
      ...modelInfoRoutes([]),
      ...gateway.keys.restRoutes,
      ...gateway.usage.restRoutes,
    ];
    const admin = connectKeysClient(gateway.url, MASTER_KEY);
    await admin.createTeam({ team: { teamId } });
    await admin.createTeam({ team: { teamId: "other-team" } });
    const make = async (role: KeyRole, team?: string) => {
      const created = await admin.createKey({ key: { role, ...(team ? { teamId: team } : {}) } });
      return { secret: created.secret, keyId: created.key!.keyId };
    };
    const adminKey = await make(KeyRole.ADMIN);
    const teamAdmin = await make(KeyRole.TEAM_ADMIN, teamId);
    const user = await make(KeyRole.USER, teamId);
    const viewer = await make(KeyRole.VIEWER, teamId);
    const blocked = await make(KeyRole.ADMIN);
    await admin.blockKey({ keyId: blocked.keyId });
    const revoked = await make(KeyRole.ADMIN);
    await admin.revokeKey({ keyId: revoked.keyId });
    foreignKey = (await make(KeyRole.USER, "other-team")).keyId;
    // An expired admin key, written straight to the store (the API refuses a past expiry).
    const expiredSecret = generateSecret();
    const now = new Date();
    await new SqlKeyStore(gateway.keys.database.db).insertKey(
      {
        keyId: "key_expired_matrix",
        displayName: "expired",
        role: "admin",
        models: [],
        limits: emptyLimits(),
        expiresAt: new Date(now.getTime() - 1_000),
        metadata: {},
        tags: [],
        storedState: "active",
        displaySecret: secretDisplay(expiredSecret),
        spend: 0,
        createdBy: "master",
        createdAt: new Date(now.getTime() - 60_000),
        updatedAt: now,
        version: 1,
      },
      secretLookupHash(expiredSecret),
    );
    callers.push(
      { name: "anonymous", token: undefined },
      { name: "forged", token: generateSecret() },
      { name: "expired", token: expiredSecret },
      { name: "blocked", token: blocked.secret },
      { name: "revoked", token: revoked.secret },
      { name: "master", token: MASTER_KEY, role: "admin" },
      { name: "admin", token: adminKey.secret, role: "admin" },
      { name: "team_admin", token: teamAdmin.secret, role: "team_admin" },
      { name: "user", token: user.secret, role: "user" },
      { name: "viewer", token: viewer.secret, role: "viewer" },
    );
    ownKeyOf = {
      team_admin: user.keyId,
      user: user.keyId,
      viewer: viewer.keyId,
      admin: user.keyId,
      master: user.keyId,
    };
  });
  after(async () => gateway?.close());

  it("has exactly one entry per REST route and RPC (a route missing from the matrix fails here)", () => {
    const routeIds = new Set([
      ...restRoutes.map(restRouteId),
      ...SERVICES.flatMap((service) =>
        service.methods.map((method) => `/${service.typeName}/${method.name}`),
      ),
    ]);
    const missing = [...routeIds].filter((id) => accessRule(id) === undefined);
    const stale = Object.keys(ACCESS_MATRIX).filter((id) => !routeIds.has(id));
    assert.deepEqual(missing, [], "routes without a matrix entry");
    assert.deepEqual(stale, [], "matrix entries without a route");
  });

  /** A request body / query for a route, aimed at the caller's own resources or at someone else's. */
  function restRequest(
    route: RestRoute,
    caller: Caller,
    aim: "own" | "foreign",
    disposableKey: string,
  ): { path: string; body?: string } {
    const keyId = aim === "own" ? (ownKeyOf[caller.name] ?? "key_none") : foreignKey;
    const team = aim === "own" ? teamId : "other-team";
    const path = route.path.replace("{rest}", "mock-gpt");
    const bodies: Record<string, unknown> = {
      "POST /key/update": { key: keyId, tags: ["matrix"] },
      "POST /key/delete": { keys: [aim === "own" ? disposableKey : keyId] },
      "POST /key/block": { key: keyId, etag: "stale" },
      "POST /key/unblock": { key: keyId, etag: "stale" },
      "POST /key/regenerate": { key: keyId, etag: "stale" },
      "POST /key/generate":
        aim === "own" ? { models: ["*"], team_id: team, key_alias: "x" } : { team_id: team },
      "POST /team/update": { team_id: team, team_alias: "renamed" },
      "POST /team/member_add": { team_id: team, member: { user_id: "matrix-member" } },
      "POST /team/member_delete": { team_id: team, user_id: "nobody" },
      "POST /team/delete": { team_ids: ["no-such-team"] },
      "POST /team/new": {},
      "POST /v1/chat/completions": { model: "mock-gpt", messages: [{ role: "user", content: "hi" }] },
      "POST /chat/completions": { model: "mock-gpt", messages: [{ role: "user", content: "hi" }] },
    };
    const queries: Record<string, string> = {
      "GET /key/info": `?key=${keyId}`,
      "GET /team/info": `?team_id=${team}`,
      "GET /key/list": aim === "own" ? "" : "?team_id=other-team",
      "GET /spend/logs": aim === "own" ? "" : `?api_key=${foreignKey}`,
      "GET /global/spend/report": aim === "own" ? "" : "?team_id=other-team",
    };
    const id = restRouteId(route);
    const body = bodies[id];
    return {
      path: path + (queries[id] ?? ""),
      ...(route.method === "GET" ? {} : { body: JSON.stringify(body ?? {}) }),
    };
  }

  async function callRest(route: RestRoute, caller: Caller, aim: "own" | "foreign") {
    // /key/delete revokes what it is given: hand it a fresh key of the team so the callers' own keys survive.
    const disposable =
      restRouteId(route) === "POST /key/delete"
        ? (await connectKeysClient(gateway.url, MASTER_KEY).createKey({ key: { teamId } })).key!.keyId
        : "";
    const { path, body } = restRequest(route, caller, aim, disposable);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (caller.token !== undefined) headers["authorization"] = `Bearer ${caller.token}`;
    const response = await fetch(`${gateway.url}${path}`, {
      method: route.method,
      headers,
      ...(body ? { body } : {}),
    });
    return { status: response.status, text: await response.text() };
  }

  it("REST: every cell answers as the matrix says", async () => {
    const failures: string[] = [];
    // One 401 body per error dialect (OpenAI's; Anthropic's on /v1/messages), whatever the failure; the
    // per-request id in Anthropic's body is not part of the comparison.
    const unauthenticatedBodies = new Map<string, string>();
    for (const route of restRoutes) {
      const id = restRouteId(route);
      const rule = accessRule(id)!;
      for (const caller of callers) {
        const { status, text } = await callRest(route, caller, "own");
        if (rule === "public") {
          if (status !== 200) failures.push(`${id} as ${caller.name}: ${status}, want 200 (public)`);
          continue;
        }
        if (!("role" in caller)) {
          if (status !== 401) failures.push(`${id} as ${caller.name}: ${status}, want 401`);
          const dialect = route.sendError === undefined ? "openai" : "route";
          const body = text.replace(/"request_id":"[^"]*"/, '"request_id":""');
          if (!unauthenticatedBodies.has(dialect)) unauthenticatedBodies.set(dialect, body);
          if (body !== unauthenticatedBodies.get(dialect))
            failures.push(`${id} as ${caller.name}: a different 401 body`);
          continue;
        }
        const access: Access = rule[caller.role];
        if (access === "deny" && status !== 403)
          failures.push(`${id} as ${caller.name}: ${status}, want 403`);
        if (access !== "deny" && (status === 401 || status === 403)) {
          failures.push(`${id} as ${caller.name}: ${status} ${text.slice(0, 120)}, want allowed`);
        }
        if (access === "scoped") {
          const foreign = await callRest(route, caller, "foreign");
          // Scoped means: refused, or answered with nothing that belongs to someone else (lists narrow).
          const leaked = foreign.text.includes(foreignKey) || foreign.text.includes("other-team");
          if (foreign.status !== 403 && !(foreign.status < 500 && !leaked)) {
            failures.push(
              `${id} as ${caller.name} on a foreign resource: ${foreign.status}, want 403 or nothing foreign`,
            );
          }
          if (foreign.status === 200 && leaked)
            failures.push(`${id} as ${caller.name}: leaked a foreign resource`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it("RPC: every cell answers as the matrix says", async () => {
    const failures: string[] = [];
    for (const service of SERVICES) {
      for (const method of service.methods) {
        const id = `/${service.typeName}/${method.name}`;
        const rule = accessRule(id)!;
        for (const caller of callers) {
          const headers = caller.token === undefined ? {} : { authorization: `Bearer ${caller.token}` };
          const transport = createConnectTransport({
            baseUrl: gateway.url,
            httpVersion: "1.1",
            interceptors: [
              (next) => async (request) => {
                for (const [name, value] of Object.entries(headers)) request.header.set(name, value);
                return next(request);
              },
            ],
          });
          const client = createClient(service, transport) as unknown as Record<
            string,
            (input: object) => Promise<unknown> | AsyncIterable<unknown>
          >;
          let code: Code | "ok" = "ok";
          try {
            const result = client[method.localName]!({});
            if (method.methodKind === "server_streaming") {
              for await (const _ of result as AsyncIterable<unknown>) break;
            } else {
              await result;
            }
          } catch (error) {
            code = error instanceof ConnectError ? error.code : Code.Unknown;
          }
          const name = code === "ok" ? "ok" : Code[code];
          if (rule === "public") continue;
          if (!("role" in caller)) {
            if (code !== Code.Unauthenticated)
              failures.push(`${id} as ${caller.name}: ${name}, want Unauthenticated`);
            continue;
          }
          const access = rule[caller.role];
          if (access === "deny" && code !== Code.PermissionDenied) {
            failures.push(`${id} as ${caller.name}: ${name}, want PermissionDenied`);
          }
          if (access === "allow" && (code === Code.PermissionDenied || code === Code.Unauthenticated)) {
            failures.push(`${id} as ${caller.name}: ${name}, want allowed`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);
  });
});
