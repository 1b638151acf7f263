import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type UsageFilter as ProtoUsageFilter,
  type UsageRecord as ProtoUsageRecord,
  QueryUsageResponseSchema,
  SummarizeUsageResponseSchema,
  UsageGroupBy,
  UsageRecordSchema,
  type UsageService,
  UsageSummarySchema,
  type WatchUsageResponse,
  WatchUsageResponseSchema,
} from "../../gen/switchboard/v1/usage_service_pb.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";
import type { UsageReader } from "../usage/usage-reader.js";
import type { UsageRecord } from "../usage/usage-record.js";
import type { UsageGroupBy as GroupBy, UsageFilter } from "../usage/usage-store.js";
import { toConnectError } from "./connect-error.js";
import { principalKey } from "./context.js";

function principalOf(context: HandlerContext): Principal {
  const principal = context.values.get(principalKey);
  if (principal === undefined) throw new GatewayError("authentication", "Authentication required.");
  return principal;
}

const text = (value: string): string | undefined => (value === "" ? undefined : value);
const iso = (timestamp: Timestamp | undefined): string | undefined =>
  timestamp === undefined ? undefined : timestampDate(timestamp).toISOString();

function filterFrom(filter: ProtoUsageFilter | undefined): UsageFilter {
  if (filter === undefined) return {};
  return {
    keyId: text(filter.keyId),
    teamId: text(filter.teamId),
    userId: text(filter.userId),
    modelGroup: text(filter.model),
    deployment: text(filter.deployment),
    provider: text(filter.provider),
    from: iso(filter.startTime),
    to: iso(filter.endTime),
  };
}

const GROUP_BY: Record<UsageGroupBy, GroupBy> = {
  [UsageGroupBy.UNSPECIFIED]: "key",
  [UsageGroupBy.KEY]: "key",
  [UsageGroupBy.TEAM]: "team",
  [UsageGroupBy.MODEL]: "model",
  [UsageGroupBy.PROVIDER]: "provider",
  [UsageGroupBy.DAY]: "day",
  [UsageGroupBy.USER]: "user",
  [UsageGroupBy.DEPLOYMENT]: "deployment",
};

/** A ledger row as the contract shows it. */
export function toProtoUsageRecord(record: UsageRecord): ProtoUsageRecord {
  return create(UsageRecordSchema, {
    requestId: record.requestId,
    attempt: record.attempt,
    keyId: record.keyId,
    teamId: record.teamId ?? "",
    userId: record.userId ?? "",
    modelGroup: record.modelGroup,
    deployment: record.deployment,
    provider: record.provider,
    model: record.model,
    promptTokens: BigInt(record.promptTokens),
    completionTokens: BigInt(record.completionTokens),
    cachedTokens: BigInt(record.cachedTokens),
    cacheWriteTokens: BigInt(record.cacheWriteTokens),
    reasoningTokens: BigInt(record.reasoningTokens),
    totalTokens: BigInt(record.totalTokens),
    ...(record.costUsd !== null ? { costUsd: record.costUsd } : {}),
    usageEstimated: record.usageEstimated,
    latencyMs: record.latencyMs,
    ...(record.ttftMs !== null ? { ttftMs: record.ttftMs } : {}),
    status: record.status,
    stream: record.stream,
    cacheStatus: record.cacheStatus,
    startTime: timestampFromDate(new Date(record.startedAt)),
    endTime: timestampFromDate(new Date(record.endedAt)),
  });
}

/** The Usage service over the ledger's reader; scope is decided by the reader on every call. */
export function createUsageService(reader: UsageReader): ServiceImpl<typeof UsageService> {
  return {
    async queryUsage(request, context) {
      try {
        const page = await reader.query(
          principalOf(context),
          filterFrom(request.filter),
          request.pageSize,
          request.pageToken,
        );
        return create(QueryUsageResponseSchema, {
          records: page.records.map(toProtoUsageRecord),
          nextPageToken: page.nextPageToken,
        });
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async summarizeUsage(request, context) {
      try {
        const rows = await reader.summarize(
          principalOf(context),
          filterFrom(request.filter),
          GROUP_BY[request.groupBy] ?? "key",
        );
        return create(SummarizeUsageResponseSchema, {
          summaries: rows.map((row) =>
            create(UsageSummarySchema, {
              group: row.group,
              spendUsd: row.spendUsd,
              unpricedRecords: BigInt(row.unpricedRequests),
              promptTokens: BigInt(row.promptTokens),
              completionTokens: BigInt(row.completionTokens),
              totalTokens: BigInt(row.totalTokens),
              requests: BigInt(row.requests),
              errors: BigInt(row.errors),
            }),
          ),
        });
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async *watchUsage(request, context): AsyncGenerator<WatchUsageResponse> {
      const queue: UsageRecord[] = [];
      let wake: (() => void) | undefined;
      let unsubscribe: (() => void) | undefined;
      try {
        unsubscribe = reader.watch(principalOf(context), filterFrom(request.filter), (record) => {
          // A watcher that cannot keep up loses the oldest records, never the gateway's memory.
          if (queue.length >= 10_000) queue.shift();
          queue.push(record);
          wake?.();
        });
        // The subscription is live: say so (and send the headers) before the first record.
        yield create(WatchUsageResponseSchema, {});
        const stopped = new Promise<void>((resolve) =>
          context.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        while (!context.signal.aborted) {
          const next = queue.shift();
          if (next !== undefined) {
            yield create(WatchUsageResponseSchema, { record: toProtoUsageRecord(next) });
            continue;
          }
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stopped]);
          wake = undefined;
        }
      } catch (error) {
        throw toConnectError(error);
      } finally {
        unsubscribe?.();
      }
    },
  };
}
