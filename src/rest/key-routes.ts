import { z } from "zod";
import { restAccessFor } from "../auth/access-matrix.js";
import { GatewayError, invalidRequest, toGatewayError } from "../core/errors/gateway-error.js";
import type { Principal, PrincipalRole } from "../core/types/principal.js";
import { parseDurationSeconds } from "../keys/durations.js";
import type { KeyFieldPath, TeamFieldPath } from "../keys/key-fields.js";
import {
  applyKeyGenerateParams,
  type KeyGenerateParams,
  KeyParamAboveBound,
} from "../keys/key-generate-params.js";
import type { KeyDraft, KeyManager, KeyView, TeamDraft, TeamView } from "../keys/key-manager.js";
import { KEY_PREFIX } from "../keys/key-secret.js";
import type { KeySortColumn } from "../keys/key-store.js";
import type { Limits, ModelLimit } from "../keys/key-types.js";
import {
  LITELLM_KEY_FIELDS,
  LITELLM_TEAM_FIELDS,
  LiteLlmFieldRefused,
  type LiteLlmTreatment,
  litellmWarnings,
} from "../keys/litellm-fields.js";
import { queryParams, readJsonBody, sendJson } from "./http-io.js";
import type { RestContext, RestRoute } from "./rest-shim.js";

/**
 * LiteLLM-compatible admin routes (/key/*, /team/*) for users migrating from it, over the same KeyManager as the
 * Keys service. Field names follow LiteLLM where it has them; bodies are strict (an unknown field is a 400
 * naming it). Every field LiteLLM documents is accepted: implemented, or inert with a `warnings` entry in the
 * response, or refused naming the field where accepting would be unsafe (the table in keys/litellm-fields.ts).
 * Secrets are accepted in bodies and, for LiteLLM's `GET /key/info?key=sk-…`, in that one query parameter: they
 * are looked up by hash and never echoed; the access log writes the path without its query.
 */

/** LiteLLM fields without a counterpart here: any JSON value, judged by the table, never stored. */
function extraFields(table: Record<string, LiteLlmTreatment>, except: readonly string[] = []) {
  const shape: Record<string, z.ZodOptional<z.ZodUnknown>> = {};
  for (const field of Object.keys(table)) if (!except.includes(field)) shape[field] = z.unknown().optional();
  return shape;
}

const money = z.number().finite().nonnegative().max(1e12);
const count = z.number().int().nonnegative().max(1e12);
const duration = z.string().refine((text) => parseDurationSeconds(text) !== undefined, {
  message: 'expected a duration such as "30s", "10m", "24h", "30d" or "1w"',
});
const role = z.enum(["admin", "team_admin", "user", "viewer"]);
const modelBudget = z.strictObject({ budget_limit: money, time_period: duration.optional() });
const keyReference = z.string().min(1).max(1_024);

/** Fields of a key shared by /key/generate and /key/update (null clears a field on update). */
const keyFields = {
  key_alias: z.string().max(256).nullable().optional(),
  user_id: z.string().max(128).nullable().optional(),
  team_id: z.string().max(128).nullable().optional(),
  role: role.optional(),
  models: z.array(z.string().max(256)).max(256).nullable().optional(),
  max_budget: money.nullable().optional(),
  budget_duration: duration.nullable().optional(),
  soft_budget: money.nullable().optional(),
  rpm_limit: count.nullable().optional(),
  tpm_limit: count.nullable().optional(),
  max_parallel_requests: count.nullable().optional(),
  model_rpm_limit: z.record(z.string().max(256), count).nullable().optional(),
  model_tpm_limit: z.record(z.string().max(256), count).nullable().optional(),
  model_max_budget: z.record(z.string().max(256), modelBudget).nullable().optional(),
  /** Lifetime from now ("30d"); null on update: never expires. */
  duration: duration.nullable().optional(),
  /** Absolute expiry (ISO-8601), a Switchboard extension. */
  expires: z.iso.datetime({ offset: true }).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  tags: z.array(z.string().max(128)).max(64).nullable().optional(),
  /** LiteLLM: a blocked key is refused at authentication (block/unblock on update). */
  blocked: z.boolean().nullable().optional(),
  /** LiteLLM's key types: llm_api/default are user keys, read_only a viewer key. */
  key_type: z.enum(["llm_api", "default", "read_only", "management"]).nullable().optional(),
};

const generateSchema = z.strictObject({ ...keyFields, ...extraFields(LITELLM_KEY_FIELDS) });
const updateSchema = z.strictObject({
  key: keyReference,
  etag: z.string().optional(),
  ...keyFields,
  ...extraFields(LITELLM_KEY_FIELDS, ["key"]),
});
const UPDATE_KEY_TABLE: Record<string, LiteLlmTreatment> = Object.fromEntries(
  Object.entries(LITELLM_KEY_FIELDS).filter(([field]) => field !== "key"),
);
const keyActionSchema = z.strictObject({ key: keyReference, etag: z.string().optional() });
const deleteSchema = z.strictObject({ keys: z.array(keyReference).min(1).max(100) });
const regenerateSchema = z.strictObject({
  key: keyReference,
  etag: z.string().optional(),
  grace_period: duration.optional(),
});

const teamFields = {
  team_alias: z.string().max(256).nullable().optional(),
  models: z.array(z.string().max(256)).max(256).nullable().optional(),
  max_budget: money.nullable().optional(),
  budget_duration: duration.nullable().optional(),
  soft_budget: money.nullable().optional(),
  rpm_limit: count.nullable().optional(),
  tpm_limit: count.nullable().optional(),
  max_parallel_requests: count.nullable().optional(),
  model_rpm_limit: z.record(z.string().max(256), count).nullable().optional(),
  model_tpm_limit: z.record(z.string().max(256), count).nullable().optional(),
  model_max_budget: z.record(z.string().max(256), modelBudget).nullable().optional(),
  /** Longest lifetime of a key in this team ("30d"). */
  max_key_duration: duration.nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  tags: z.array(z.string().max(128)).max(64).nullable().optional(),
};
const member = z.strictObject({
  user_id: z.string().min(1).max(128),
  role: z.enum(["admin", "user"]).optional(),
});
const teamNewSchema = z.strictObject({
  team_id: z.string().max(64).optional(),
  members_with_roles: z.array(member).max(1_000).optional(),
  ...teamFields,
  ...extraFields(LITELLM_TEAM_FIELDS),
});
const teamUpdateSchema = z.strictObject({
  team_id: z.string().min(1).max(64),
  etag: z.string().optional(),
  ...teamFields,
  ...extraFields(LITELLM_TEAM_FIELDS),
});
const teamDeleteSchema = z.strictObject({ team_ids: z.array(z.string().min(1).max(64)).min(1).max(100) });
const memberAddSchema = z.strictObject({
  team_id: z.string().min(1).max(64),
  member: z.union([member, z.array(member).min(1).max(1_000)]),
});
const memberDeleteSchema = z.strictObject({
  team_id: z.string().min(1).max(64),
  user_id: z.string().min(1).max(128),
});

/** Domain paths → LiteLLM names, for error params and messages. */
const REST_NAMES: Record<string, string> = {
  display_name: "key_alias",
  "limits.max_budget": "max_budget",
  "limits.budget_duration": "budget_duration",
  "limits.soft_budget": "soft_budget",
  "limits.rpm_limit": "rpm_limit",
  "limits.tpm_limit": "tpm_limit",
  "limits.max_parallel_requests": "max_parallel_requests",
  "limits.model_limits": "model_rpm_limit",
  "limits.model_limits.model": "model_rpm_limit",
  "limits.model_limits.rpm_limit": "model_rpm_limit",
  "limits.model_limits.tpm_limit": "model_tpm_limit",
  "limits.model_limits.max_budget": "model_max_budget",
  expire_time: "duration",
  grace_period: "grace_period",
  key_id: "key",
  page_token: "page_token",
  page_size: "size",
  "member.user_id": "member.user_id",
  "member.role": "member.role",
};

function restName(param: string | undefined): string | undefined {
  return param === undefined ? undefined : (REST_NAMES[param] ?? param);
}

/** Renames a domain error's field to LiteLLM's name, in `param` and in the message. */
function renamed(error: unknown): unknown {
  if (!(error instanceof GatewayError) || error.param === undefined) return error;
  const name = restName(error.param) ?? error.param;
  if (name === error.param) return error;
  return new GatewayError(error.kind, error.message.split(error.param).join(name), {
    param: name,
    reason: error.reason,
  });
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw invalidRequest("Invalid request body.");
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const param = path === "" ? (issue.keys[0] ?? "") : `${path}.${issue.keys[0] ?? ""}`;
    throw invalidRequest(`Unrecognized field '${param}'.`, param);
  }
  throw invalidRequest(`Invalid value for '${path}': ${issue.message}.`, path);
}

function principalOf(context: RestContext): Principal {
  if (context.principal === undefined) throw new GatewayError("authentication", "Authentication required.");
  return context.principal;
}

function query(context: RestContext): URLSearchParams {
  return queryParams(context.request);
}

/** A LiteLLM boolean query parameter (`true`/`false`, any case, or 1/0); absent is false. */
function flag(params: URLSearchParams, name: string): boolean {
  const value = params.get(name);
  if (value === null || value === "") return false;
  const lower = value.toLowerCase();
  if (lower === "true" || lower === "1") return true;
  if (lower === "false" || lower === "0") return false;
  throw invalidRequest(`'${name}' must be true or false.`, name);
}

function numberParam(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === "") return undefined;
  if (!/^[0-9]{1,7}$/.test(value)) throw invalidRequest(`'${name}' must be a whole number.`, name);
  return Number(value);
}

const SORT_COLUMNS: readonly KeySortColumn[] = ["created_at", "spend", "key_alias", "user_id", "team_id"];

function sortColumn(value: string | null): KeySortColumn {
  if (value === null || value === "") return "created_at";
  const column = SORT_COLUMNS.find((candidate) => candidate === value);
  if (column === undefined)
    throw invalidRequest(`sort_by must be one of ${SORT_COLUMNS.join(", ")}.`, "sort_by");
  return column;
}

function sortOrder(value: string | null): "asc" | "desc" {
  if (value === null || value === "" || value.toLowerCase() === "desc") return "desc";
  if (value.toLowerCase() === "asc") return "asc";
  throw invalidRequest("sort_order must be asc or desc.", "sort_order");
}

function reply(context: RestContext, body: unknown): number {
  sendJson(context.response, 200, body, { "x-request-id": context.requestId });
  return 200;
}

type KeyFieldsBody = z.infer<typeof generateSchema>;
type TeamFieldsBody = z.infer<typeof teamNewSchema>;

const value = <T>(field: T | null | undefined): T | undefined => (field === null ? undefined : field);

function limitsFrom(body: KeyFieldsBody | TeamFieldsBody): Limits {
  const models = new Map<string, ModelLimit>();
  const entry = (model: string) => {
    let limit = models.get(model);
    if (limit === undefined) {
      limit = { model };
      models.set(model, limit);
    }
    return limit;
  };
  for (const [model, rpm] of Object.entries(body.model_rpm_limit ?? {})) entry(model).rpmLimit = rpm;
  for (const [model, tpm] of Object.entries(body.model_tpm_limit ?? {})) entry(model).tpmLimit = tpm;
  for (const [model, budget] of Object.entries(body.model_max_budget ?? {}))
    entry(model).maxBudget = budget.budget_limit;
  return {
    maxBudget: value(body.max_budget),
    budgetDuration: value(body.budget_duration),
    softBudget: value(body.soft_budget),
    rpmLimit: value(body.rpm_limit),
    tpmLimit: value(body.tpm_limit),
    maxParallelRequests: value(body.max_parallel_requests),
    modelLimits: [...models.values()],
  };
}

/** LiteLLM fields without a counterpart: warnings for inert ones, a 400 naming a refused one. */
function warningsFor(body: Record<string, unknown>, table: Record<string, LiteLlmTreatment>): string[] {
  try {
    return litellmWarnings(body, table);
  } catch (error) {
    if (error instanceof LiteLlmFieldRefused) throw invalidRequest(error.message, error.field);
    throw error;
  }
}

function withWarnings(body: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  return warnings.length === 0 ? body : { ...body, warnings };
}

/** LiteLLM's key_type onto a role; a management-only key (no LLM routes) has no counterpart. */
function roleFrom(body: KeyFieldsBody): PrincipalRole | undefined {
  const type = value(body.key_type);
  if (type === undefined || type === "llm_api" || type === "default")
    return body.role as PrincipalRole | undefined;
  if (type === "management") {
    throw invalidRequest(
      "key_type 'management' is not supported here: admin keys (role admin) may call every route.",
      "key_type",
    );
  }
  if (body.role !== undefined && body.role !== "viewer")
    throw invalidRequest("key_type read_only conflicts with role.", "key_type");
  return "viewer";
}

/** `duration` as seconds from the manager's clock (null or absent: never expires). */
function ttlFrom(body: KeyFieldsBody): number | undefined {
  if (typeof body.duration !== "string") return undefined;
  if (typeof body.expires === "string")
    throw invalidRequest("Set duration or expires, not both.", "duration");
  return parseDurationSeconds(body.duration);
}

function expiryFrom(body: KeyFieldsBody): Date | undefined {
  if (
    body.duration !== undefined &&
    body.duration !== null &&
    body.expires !== undefined &&
    body.expires !== null
  ) {
    throw invalidRequest("Set duration or expires, not both.", "duration");
  }
  if (typeof body.duration === "string") {
    return new Date(Date.now() + (parseDurationSeconds(body.duration) ?? 0) * 1_000);
  }
  if (typeof body.expires === "string") return new Date(body.expires);
  return undefined;
}

function keyDraftFrom(body: KeyFieldsBody): KeyDraft {
  return {
    displayName: value(body.key_alias),
    userId: value(body.user_id),
    teamId: value(body.team_id),
    role: roleFrom(body),
    models: value(body.models),
    limits: limitsFrom(body),
    expiresAt: expiryFrom(body),
    metadata: value(body.metadata),
    tags: value(body.tags),
  };
}

const KEY_PATHS_BY_FIELD: Record<string, KeyFieldPath[]> = {
  key_alias: ["display_name"],
  user_id: ["user_id"],
  team_id: ["team_id"],
  role: ["role"],
  key_type: ["role"],
  models: ["models"],
  max_budget: ["limits.max_budget"],
  budget_duration: ["limits.budget_duration"],
  soft_budget: ["limits.soft_budget"],
  rpm_limit: ["limits.rpm_limit"],
  tpm_limit: ["limits.tpm_limit"],
  max_parallel_requests: ["limits.max_parallel_requests"],
  model_rpm_limit: ["limits.model_limits"],
  model_tpm_limit: ["limits.model_limits"],
  model_max_budget: ["limits.model_limits"],
  duration: ["expire_time"],
  expires: ["expire_time"],
  metadata: ["metadata"],
  tags: ["tags"],
};

const TEAM_PATHS_BY_FIELD: Record<string, TeamFieldPath[]> = {
  team_alias: ["display_name"],
  models: ["models"],
  max_budget: ["limits.max_budget"],
  budget_duration: ["limits.budget_duration"],
  soft_budget: ["limits.soft_budget"],
  rpm_limit: ["limits.rpm_limit"],
  tpm_limit: ["limits.tpm_limit"],
  max_parallel_requests: ["limits.max_parallel_requests"],
  model_rpm_limit: ["limits.model_limits"],
  model_tpm_limit: ["limits.model_limits"],
  model_max_budget: ["limits.model_limits"],
  max_key_duration: ["max_key_duration"],
  metadata: ["metadata"],
  tags: ["tags"],
};

function teamDraftFrom(body: TeamFieldsBody): TeamDraft {
  const maxKeyDuration = value(body.max_key_duration);
  return {
    teamId: body.team_id === "" ? undefined : body.team_id,
    displayName: value(body.team_alias),
    models: value(body.models),
    limits: limitsFrom(body),
    maxKeyDurationSeconds: maxKeyDuration === undefined ? undefined : parseDurationSeconds(maxKeyDuration),
    metadata: value(body.metadata),
    tags: value(body.tags),
  };
}

/** Per-model limits back into LiteLLM's three maps. */
function modelMaps(limits: Limits): Record<string, unknown> {
  const rpm: Record<string, number> = {};
  const tpm: Record<string, number> = {};
  const budget: Record<string, { budget_limit: number }> = {};
  for (const limit of limits.modelLimits) {
    if (limit.rpmLimit !== undefined) rpm[limit.model] = limit.rpmLimit;
    if (limit.tpmLimit !== undefined) tpm[limit.model] = limit.tpmLimit;
    if (limit.maxBudget !== undefined) budget[limit.model] = { budget_limit: limit.maxBudget };
  }
  return { model_rpm_limit: rpm, model_tpm_limit: tpm, model_max_budget: budget };
}

/** A key in LiteLLM's shape: `token` is the key's id (LiteLLM's hashed token), `key_name` its display form. */
export function keyToRest(view: KeyView): Record<string, unknown> {
  const { key } = view;
  return {
    token: key.keyId,
    key_id: key.keyId,
    key_name: key.displaySecret,
    key_alias: key.displayName === "" ? null : key.displayName,
    user_id: key.userId ?? null,
    team_id: key.teamId ?? null,
    role: key.role,
    models: key.models,
    max_budget: key.limits.maxBudget ?? null,
    budget_duration: key.limits.budgetDuration ?? null,
    soft_budget: key.limits.softBudget ?? null,
    rpm_limit: key.limits.rpmLimit ?? null,
    tpm_limit: key.limits.tpmLimit ?? null,
    max_parallel_requests: key.limits.maxParallelRequests ?? null,
    ...modelMaps(key.limits),
    expires: key.expiresAt?.toISOString() ?? null,
    metadata: key.metadata,
    tags: key.tags,
    state: view.state,
    blocked: view.state === "blocked",
    spend: key.spend,
    budget_reset_at: key.budgetResetAt?.toISOString() ?? null,
    created_by: key.createdBy,
    created_at: key.createdAt.toISOString(),
    updated_at: key.updatedAt.toISOString(),
    previous_key_expires: key.previousSecretExpiresAt?.toISOString() ?? null,
    etag: view.etag,
  };
}

export function teamToRest(view: TeamView): Record<string, unknown> {
  const { team } = view;
  return {
    team_id: team.teamId,
    team_alias: team.displayName === "" ? null : team.displayName,
    models: team.models,
    max_budget: team.limits.maxBudget ?? null,
    budget_duration: team.limits.budgetDuration ?? null,
    soft_budget: team.limits.softBudget ?? null,
    rpm_limit: team.limits.rpmLimit ?? null,
    tpm_limit: team.limits.tpmLimit ?? null,
    max_parallel_requests: team.limits.maxParallelRequests ?? null,
    ...modelMaps(team.limits),
    max_key_duration_seconds: team.maxKeyDurationSeconds ?? null,
    metadata: team.metadata,
    tags: team.tags,
    members_with_roles: team.members.map((item) => ({
      user_id: item.userId,
      role: item.role === "admin" ? "admin" : "user",
    })),
    spend: team.spend,
    created_at: team.createdAt.toISOString(),
    updated_at: team.updatedAt.toISOString(),
    etag: view.etag,
  };
}

/**
 * A key named in a body: our key id, or the secret itself (LiteLLM clients send the secret). A secret that
 * matches nothing is reported like an unknown id, never echoed.
 */
async function keyIdOf(manager: KeyManager, reference: string): Promise<string> {
  if (reference.startsWith(KEY_PREFIX)) {
    const keyId = await manager.keyIdForSecret(reference);
    if (keyId === undefined) {
      throw new GatewayError("not_found", "No key matches 'key'.", { param: "key", reason: "not_found" });
    }
    return keyId;
  }
  return reference;
}

function changedPaths<P extends string>(body: Record<string, unknown>, table: Record<string, P[]>): Set<P> {
  const paths = new Set<P>();
  for (const [field, fieldPaths] of Object.entries(table)) {
    if (body[field] !== undefined) for (const path of fieldPaths) paths.add(path);
  }
  return paths;
}

type Handler = (
  context: RestContext,
  manager: KeyManager,
  maxBodyBytes: number,
  generateParams?: KeyGenerateParams,
) => Promise<unknown>;

/** A /key/generate body with the config's default and upper-bound params applied (LiteLLM names). */
function withGenerateParams(raw: unknown, params: KeyGenerateParams | undefined): unknown {
  if (params === undefined || typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  try {
    return applyKeyGenerateParams(raw as Record<string, unknown>, params);
  } catch (error) {
    if (error instanceof KeyParamAboveBound) throw invalidRequest(error.message, error.field);
    throw error;
  }
}

const HANDLERS: Record<string, Handler> = {
  "POST /key/generate": async (context, manager, maxBytes, generateParams) => {
    const raw = await readJsonBody(context.request, maxBytes);
    const body = parse(generateSchema, withGenerateParams(raw, generateParams));
    const warnings = warningsFor(body, LITELLM_KEY_FIELDS);
    const principal = principalOf(context);
    const ttl = ttlFrom(body);
    const draft = keyDraftFrom({ ...body, duration: undefined });
    let { view, secret } = await manager.createKey(principal, draft, ttl);
    // Blocked from birth: nobody holds the secret until this response, so no request can use it meanwhile.
    if (body.blocked === true)
      view = await manager.setKeyState(principal, view.key.keyId, "blocked", undefined);
    return withWarnings({ ...keyToRest(view), key: secret }, warnings);
  },
  "POST /key/update": async (context, manager, maxBytes) => {
    const body = parse(updateSchema, await readJsonBody(context.request, maxBytes));
    const warnings = warningsFor(body, UPDATE_KEY_TABLE);
    const principal = principalOf(context);
    const keyId = await keyIdOf(manager, body.key);
    const paths = changedPaths(body, KEY_PATHS_BY_FIELD);
    const blocked = value(body.blocked);
    if (paths.size === 0 && blocked === undefined)
      throw invalidRequest("The request names no field to change.", "key");
    let view =
      paths.size === 0
        ? await manager.getKey(principal, keyId)
        : await manager.updateKey(principal, keyId, paths, keyDraftFrom(body), body.etag);
    if (blocked !== undefined)
      view = await manager.setKeyState(principal, keyId, blocked ? "blocked" : "active", undefined);
    return withWarnings(keyToRest(view), warnings);
  },
  "POST /key/delete": async (context, manager, maxBytes) => {
    const body = parse(deleteSchema, await readJsonBody(context.request, maxBytes));
    const deleted: string[] = [];
    for (const reference of body.keys) {
      const view = await manager.setKeyState(
        principalOf(context),
        await keyIdOf(manager, reference),
        "revoked",
        undefined,
      );
      deleted.push(view.key.keyId);
    }
    return { deleted_keys: deleted };
  },
  "GET /key/info": async (context, manager) => {
    const principal = principalOf(context);
    const params = query(context);
    // LiteLLM's documented call passes the secret itself (`?key=sk-…`): looked up by hash, never echoed.
    const reference = params.get("key") ?? params.get("key_id") ?? principal.keyId;
    const view = await manager.getKey(principal, await keyIdOf(manager, reference));
    return { key: view.key.keyId, info: keyToRest(view) };
  },
  "GET /key/list": async (context, manager) => {
    const params = query(context);
    const size = params.get("size");
    const state = params.get("state");
    if (state !== null && !["active", "blocked", "revoked", "expired"].includes(state)) {
      throw invalidRequest("state must be active, blocked, revoked or expired.", "state");
    }
    if (size !== null && !/^[0-9]{1,4}$/.test(size)) throw invalidRequest("size must be 1..1000.", "size");
    const organization = params.get("organization_id");
    if (organization !== null && organization !== "") {
      throw invalidRequest("Organizations do not exist here: no key belongs to one.", "organization_id");
    }
    // LiteLLM's key_hash names a key by its token: here the key id.
    const keyHash = params.get("key_hash");
    const filter = {
      teamId: params.get("team_id") ?? undefined,
      userId: params.get("user_id") ?? undefined,
      displayName: params.get("key_alias") ?? undefined,
      keyId: keyHash !== null && keyHash !== "" ? keyHash : undefined,
      state: (state ?? undefined) as "active" | "blocked" | "revoked" | "expired" | undefined,
    };
    const full = flag(params, "return_full_object");
    // include_team_keys: a team admin's list already holds its team's keys.
    flag(params, "include_team_keys");
    const render = (views: KeyView[]) => (full ? views.map(keyToRest) : views.map((view) => view.key.keyId));
    const pageToken = params.get("page_token");
    if (pageToken !== null && pageToken !== "") {
      const page = await manager.listKeys(principalOf(context), filter, {
        pageSize: size === null ? undefined : Number(size),
        pageToken,
      });
      return { keys: render(page.keys), next_page_token: page.nextPageToken || null };
    }
    const pageNumber = numberParam(params, "page") ?? 1;
    const pageSize = size === null ? 10 : Number(size);
    const listed = await manager.listKeysNumbered(principalOf(context), filter, {
      page: pageNumber,
      size: pageSize,
      sortBy: sortColumn(params.get("sort_by")),
      order: sortOrder(params.get("sort_order")),
    });
    // LiteLLM's numbered page; `page_token` (above) is the keyset paging the Keys service uses.
    return {
      keys: render(listed.keys),
      total_count: listed.totalCount,
      current_page: pageNumber,
      total_pages: Math.ceil(listed.totalCount / pageSize),
    };
  },
  "POST /key/block": async (context, manager, maxBytes) => {
    const body = parse(keyActionSchema, await readJsonBody(context.request, maxBytes));
    const view = await manager.setKeyState(
      principalOf(context),
      await keyIdOf(manager, body.key),
      "blocked",
      body.etag,
    );
    return keyToRest(view);
  },
  "POST /key/unblock": async (context, manager, maxBytes) => {
    const body = parse(keyActionSchema, await readJsonBody(context.request, maxBytes));
    const view = await manager.setKeyState(
      principalOf(context),
      await keyIdOf(manager, body.key),
      "active",
      body.etag,
    );
    return keyToRest(view);
  },
  "POST /key/regenerate": async (context, manager, maxBytes) => {
    const body = parse(regenerateSchema, await readJsonBody(context.request, maxBytes));
    const grace = body.grace_period === undefined ? 0 : (parseDurationSeconds(body.grace_period) ?? 0);
    const { view, secret } = await manager.rotateKey(
      principalOf(context),
      await keyIdOf(manager, body.key),
      grace,
      body.etag,
    );
    return { ...keyToRest(view), key: secret };
  },
  "POST /team/new": async (context, manager, maxBytes) => {
    const body = parse(teamNewSchema, await readJsonBody(context.request, maxBytes));
    const warnings = warningsFor(body, LITELLM_TEAM_FIELDS);
    const principal = principalOf(context);
    let view = await manager.teams.createTeam(principal, teamDraftFrom(body));
    for (const item of body.members_with_roles ?? []) {
      view = await manager.teams.addTeamMember(
        principal,
        view.team.teamId,
        item.user_id,
        item.role === "admin" ? "admin" : "member",
      );
    }
    return withWarnings(teamToRest(view), warnings);
  },
  "GET /team/info": async (context, manager) => {
    const teamId = query(context).get("team_id");
    if (teamId === null || teamId === "") throw invalidRequest("team_id is required.", "team_id");
    const view = await manager.teams.getTeam(principalOf(context), teamId);
    return { team_id: view.team.teamId, team_info: teamToRest(view) };
  },
  "POST /team/update": async (context, manager, maxBytes) => {
    const body = parse(teamUpdateSchema, await readJsonBody(context.request, maxBytes));
    const warnings = warningsFor(body, LITELLM_TEAM_FIELDS);
    const paths = changedPaths(body, TEAM_PATHS_BY_FIELD);
    const view = await manager.teams.updateTeam(
      principalOf(context),
      body.team_id,
      paths,
      teamDraftFrom({ ...body, team_id: undefined }),
      body.etag,
    );
    return withWarnings(teamToRest(view), warnings);
  },
  "POST /team/delete": async (context, manager, maxBytes) => {
    const body = parse(teamDeleteSchema, await readJsonBody(context.request, maxBytes));
    for (const teamId of body.team_ids)
      await manager.teams.deleteTeam(principalOf(context), teamId, undefined);
    return { deleted_teams: body.team_ids };
  },
  "GET /team/list": async (context, manager) => {
    const params = query(context);
    const size = params.get("size");
    if (size !== null && !/^[0-9]{1,4}$/.test(size)) throw invalidRequest("size must be 1..1000.", "size");
    const page = await manager.teams.listTeams(principalOf(context), {
      pageSize: size === null ? undefined : Number(size),
      pageToken: params.get("page_token") ?? undefined,
    });
    return { teams: page.teams.map(teamToRest), next_page_token: page.nextPageToken || null };
  },
  "POST /team/member_add": async (context, manager, maxBytes) => {
    const body = parse(memberAddSchema, await readJsonBody(context.request, maxBytes));
    const members = Array.isArray(body.member) ? body.member : [body.member];
    let view: TeamView | undefined;
    for (const item of members) {
      view = await manager.teams.addTeamMember(
        principalOf(context),
        body.team_id,
        item.user_id,
        item.role === "admin" ? "admin" : "member",
      );
    }
    return view === undefined ? {} : teamToRest(view);
  },
  "POST /team/member_delete": async (context, manager, maxBytes) => {
    const body = parse(memberDeleteSchema, await readJsonBody(context.request, maxBytes));
    return teamToRest(await manager.teams.removeTeamMember(principalOf(context), body.team_id, body.user_id));
  },
};

/** Spend of a key from the usage ledger (issue 8), for /key/info; the keys module does not count spend itself. */
export interface KeySpendSource {
  keySpend(
    keyId: string,
    since?: string,
  ): Promise<{ spendUsd: number; unpricedRequests: number; requests: number; totalTokens: number }>;
  /** Spend of every key of a team, for /team/info. */
  teamSpend?(
    teamId: string,
    since?: string,
  ): Promise<{ spendUsd: number; unpricedRequests: number; requests: number; totalTokens: number }>;
}

/**
 * /key/info's and /team/info's spend fields: all-time spend from the ledger, spend and budget left in the current
 * budget window.
 */
async function withSpend(body: unknown, source: KeySpendSource): Promise<unknown> {
  const key = (body as { info?: Record<string, unknown> }).info;
  const team = (body as { team_info?: Record<string, unknown> }).team_info;
  let spendOf: ((since?: string) => ReturnType<KeySpendSource["keySpend"]>) | undefined;
  let info: Record<string, unknown> | undefined;
  if (key !== undefined && typeof key["key_id"] === "string") {
    const keyId = key["key_id"];
    info = key;
    spendOf = (since) => source.keySpend(keyId, since);
  } else if (team !== undefined && typeof team["team_id"] === "string" && source.teamSpend !== undefined) {
    const teamId = team["team_id"];
    const teamSpend = source.teamSpend.bind(source);
    info = team;
    spendOf = (since) => teamSpend(teamId, since);
  }
  if (info === undefined || spendOf === undefined) return body;
  const total = await spendOf();
  const duration =
    typeof info["budget_duration"] === "string" ? parseDurationSeconds(info["budget_duration"]) : undefined;
  const windowStart =
    duration === undefined ? undefined : Math.floor(Date.now() / (duration * 1000)) * duration * 1000;
  const current = windowStart === undefined ? total : await spendOf(new Date(windowStart).toISOString());
  const maxBudget = typeof info["max_budget"] === "number" ? info["max_budget"] : undefined;
  info["spend"] = current.spendUsd;
  info["total_spend"] = total.spendUsd;
  info["unpriced_requests"] = total.unpricedRequests;
  info["total_requests"] = total.requests;
  info["total_tokens"] = total.totalTokens;
  info["remaining_budget"] = maxBudget === undefined ? null : Math.max(0, maxBudget - current.spendUsd);
  if (duration !== undefined && windowStart !== undefined)
    info["budget_reset_at"] = new Date(windowStart + duration * 1000).toISOString();
  return body;
}

/** The /key/* and /team/* routes, with access from the authorization matrix. */
export function keyRestRoutes(
  manager: KeyManager,
  spend?: () => KeySpendSource | undefined,
  generateParams?: KeyGenerateParams,
): RestRoute[] {
  return Object.entries(HANDLERS).map(([id, handler]) => {
    const [method, path] = id.split(" ") as [RestRoute["method"], string];
    return {
      method,
      path,
      access: restAccessFor(id),
      handler: async (context: RestContext) => {
        let body: unknown;
        try {
          body = await handler(context, manager, context.deps.maxBodyBytes, generateParams);
          const source = spend?.();
          if ((id === "GET /key/info" || id === "GET /team/info") && source !== undefined)
            body = await withSpend(body, source);
        } catch (error) {
          throw renamed(toGatewayErrorKeepingKind(error));
        }
        return reply(context, body);
      },
    };
  });
}

function toGatewayErrorKeepingKind(error: unknown): unknown {
  return error instanceof GatewayError ? error : toGatewayError(error);
}
