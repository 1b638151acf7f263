import { restAccessFor } from "../auth/access-matrix.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";
import { KEY_PREFIX } from "../keys/key-secret.js";
import type { UsageReader } from "../usage/usage-reader.js";
import type { UsageRecord } from "../usage/usage-record.js";
import type { UsageFilter, UsageGroupBy } from "../usage/usage-store.js";
import { queryParams, sendJson } from "./http-io.js";
import type { RestContext, RestRoute } from "./rest-shim.js";

/**
 * LiteLLM-compatible spend routes over the ledger, for users migrating from it: `GET /spend/logs` and
 * `GET /global/spend/report`. Scope as in the Usage service. Key ids, never secrets, go in URLs.
 */

function principalOf(context: RestContext): Principal {
  if (context.principal === undefined) throw new GatewayError("authentication", "Authentication required.");
  return context.principal;
}

function params(context: RestContext): URLSearchParams {
  return queryParams(context.request);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `2025-01-31` (a whole UTC day; as an end date, inclusive) or a full ISO-8601 time. */
function time(value: string | null, param: string, end: boolean): string | undefined {
  if (value === null || value === "") return undefined;
  if (DATE.test(value)) {
    const day = new Date(`${value}T00:00:00.000Z`);
    if (Number.isNaN(day.getTime())) throw invalidRequest(`'${param}' is not a date.`, param);
    return new Date(day.getTime() + (end ? 86_400_000 : 0)).toISOString();
  }
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw invalidRequest(`'${param}' must be YYYY-MM-DD or an ISO-8601 time.`, param);
  }
  return parsed.toISOString();
}

function keyParam(value: string | null): string | undefined {
  if (value === null || value === "") return undefined;
  if (value.startsWith(KEY_PREFIX)) {
    throw invalidRequest("Secrets never go in URLs: pass the key's id (token), not the key.", "api_key");
  }
  return value;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,160}$/;

/** A request id (x-request-id) or a response id (`chatcmpl-…`, `msg_…`, `resp_…`); matched in the query. */
function requestIdParam(value: string | null): string | undefined {
  if (value === null || value === "") return undefined;
  if (!REQUEST_ID.test(value))
    throw invalidRequest("'request_id' is not a request or response id.", "request_id");
  return value;
}

function filterFrom(query: URLSearchParams): UsageFilter {
  return {
    requestId: requestIdParam(query.get("request_id")),
    keyId: keyParam(query.get("api_key") ?? query.get("key_id")),
    teamId: query.get("team_id") ?? undefined,
    userId: query.get("user_id") ?? undefined,
    modelGroup: query.get("model") ?? undefined,
    provider: query.get("provider") ?? undefined,
    from: time(query.get("start_date"), "start_date", false),
    to: time(query.get("end_date"), "end_date", true),
  };
}

/** A ledger row in LiteLLM's spend-log shape (plus our fields). */
export function spendLogOf(record: UsageRecord): Record<string, unknown> {
  return {
    request_id: record.requestId,
    response_id: record.responseId ?? null,
    attempt: record.attempt,
    api_key: record.keyId,
    team_id: record.teamId,
    user: record.userId,
    model_group: record.modelGroup,
    model: record.model,
    model_id: record.deployment,
    custom_llm_provider: record.provider,
    spend: record.costUsd,
    priced: record.costUsd !== null,
    prompt_tokens: record.promptTokens,
    completion_tokens: record.completionTokens,
    total_tokens: record.totalTokens,
    cached_tokens: record.cachedTokens,
    cache_write_tokens: record.cacheWriteTokens,
    reasoning_tokens: record.reasoningTokens,
    usage_estimated: record.usageEstimated,
    status: record.status,
    stream: record.stream,
    cache_hit: record.cacheStatus === "hit" ? "True" : "False",
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    startTime: record.startedAt,
    endTime: record.endedAt,
  };
}

const GROUPS: Record<string, UsageGroupBy> = {
  team: "team",
  api_key: "key",
  key: "key",
  customer: "user",
  user: "user",
  model: "model",
  provider: "provider",
  day: "day",
  deployment: "deployment",
};

/** The spend routes, with access from the authorization matrix. */
export function usageRestRoutes(reader: UsageReader): RestRoute[] {
  const routes: Record<string, (context: RestContext) => Promise<number>> = {
    "GET /spend/logs": async (context) => {
      const query = params(context);
      const size = query.get("page_size");
      if (size !== null && !/^[0-9]{1,4}$/.test(size))
        throw invalidRequest("page_size must be 1..1000.", "page_size");
      const page = await reader.query(
        principalOf(context),
        filterFrom(query),
        size === null ? undefined : Number(size),
        query.get("page_token") ?? "",
      );
      sendJson(context.response, 200, page.records.map(spendLogOf), {
        "x-request-id": context.requestId,
        ...(page.nextPageToken !== "" ? { "x-next-page-token": page.nextPageToken } : {}),
      });
      return 200;
    },
    "GET /global/spend/report": async (context) => {
      const query = params(context);
      const groupName = query.get("group_by") ?? "team";
      const groupBy = GROUPS[groupName];
      if (groupBy === undefined) {
        throw invalidRequest(`group_by must be one of ${Object.keys(GROUPS).join(", ")}.`, "group_by");
      }
      const rows = await reader.summarize(principalOf(context), filterFrom(query), groupBy);
      sendJson(
        context.response,
        200,
        rows.map((row) => ({
          group_by: groupName,
          [groupName]: row.group,
          total_spend: row.spendUsd,
          unpriced_requests: row.unpricedRequests,
          prompt_tokens: row.promptTokens,
          completion_tokens: row.completionTokens,
          total_tokens: row.totalTokens,
          requests: row.requests,
          errors: row.errors,
        })),
        { "x-request-id": context.requestId },
      );
      return 200;
    },
  };
  return Object.entries(routes).map(([id, handler]) => {
    const [method, path] = id.split(" ") as [RestRoute["method"], string];
    return { method, path, access: restAccessFor(id), handler };
  });
}
