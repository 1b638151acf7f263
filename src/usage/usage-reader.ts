import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";
import { decodePageToken, encodePageToken, pageSize, queryFingerprint } from "../keys/page-token.js";
import type { UsageFeed } from "./usage-feed.js";
import type { UsageRecord } from "./usage-record.js";
import { recordMatches, scopeUsageFilter } from "./usage-scope.js";
import type { UsageFilter, UsageGroupBy, UsageStore, UsageSummaryRow } from "./usage-store.js";

/** Spend of one key as /key/info shows it: from the ledger (all time) and in the current budget window. */
export interface KeySpend {
  spendUsd: number;
  /** Rows of unpriced models (their cost is unknown and not in spendUsd). */
  unpricedRequests: number;
  requests: number;
  totalTokens: number;
}

/**
 * The read side of the ledger, shared by the Usage service and the LiteLLM-compatible REST routes: scope
 * (admins all, team admins their team, others their own key), opaque page tokens, summaries, live records.
 * Reads go to the database (aggregates from the ledger, never from hot per-key rows).
 */
export class UsageReader {
  constructor(
    private readonly store: UsageStore,
    private readonly feed: UsageFeed,
    /** Rows journaled but maybe not yet in the database are flushed before a read, so reads see own writes. */
    private readonly flush: () => Promise<void>,
    /**
     * The team of a key (null: no team; undefined: no such key). A team admin naming a key is answered only when
     * the key is in its team; without this lookup such a filter would silently come back empty.
     */
    private readonly teamOfKey?: (keyId: string) => Promise<string | null | undefined>,
  ) {}

  /** A team admin may name a key of its own team only: another team's key is PermissionDenied / 403, not 0 rows. */
  private async checkKeyScope(principal: Principal, filter: UsageFilter): Promise<void> {
    if (principal.role !== "team_admin" || filter.keyId === undefined || filter.keyId === principal.keyId)
      return;
    const team = this.teamOfKey === undefined ? undefined : await this.teamOfKey(filter.keyId);
    if (team === undefined || team === null || team !== principal.teamId) {
      throw new GatewayError("permission_denied", "A team admin may read its own team's keys' usage only.", {
        param: "key_id",
        reason: "usage_out_of_scope",
      });
    }
  }

  async query(
    principal: Principal,
    filter: UsageFilter,
    requestedSize: number | undefined,
    token: string,
  ): Promise<{ records: UsageRecord[]; nextPageToken: string }> {
    const scoped = scopeUsageFilter(principal, checkRange(filter));
    await this.checkKeyScope(principal, filter);
    const size = pageSize(requestedSize);
    const fingerprint = queryFingerprint(["usage", principal.keyId, scoped]);
    const cursor = decodePageToken(token, fingerprint);
    let after: { startedAt: string; requestId: string; attempt: number } | undefined;
    if (cursor !== undefined) {
      const split = cursor.id.lastIndexOf("\u0000");
      after = {
        startedAt: cursor.createdAt,
        requestId: cursor.id.slice(0, split),
        attempt: Number(cursor.id.slice(split + 1)),
      };
    }
    await this.flush().catch(() => undefined);
    const rows = await this.store.query(scoped, after, size + 1);
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return {
      records: page,
      nextPageToken:
        rows.length > size && last !== undefined
          ? encodePageToken(fingerprint, {
              createdAt: last.startedAt,
              id: `${last.requestId}\u0000${last.attempt}`,
            })
          : "",
    };
  }

  async summarize(
    principal: Principal,
    filter: UsageFilter,
    groupBy: UsageGroupBy,
  ): Promise<UsageSummaryRow[]> {
    const scoped = scopeUsageFilter(principal, checkRange(filter));
    await this.checkKeyScope(principal, filter);
    await this.flush().catch(() => undefined);
    return this.store.summarize(scoped, groupBy);
  }

  /** Live records within the principal's scope; returns the unsubscribe function. */
  watch(principal: Principal, filter: UsageFilter, listener: (record: UsageRecord) => void): () => void {
    const scoped = scopeUsageFilter(principal, { ...filter, from: undefined, to: undefined });
    return this.feed.subscribe((record) => {
      if (recordMatches(record, scoped)) listener(record);
    });
  }

  /** A key's spend from the ledger (the caller has already been allowed to read the key). */
  /** A team's spend (every key of the team) since `since`, for /team/info (issue #15). */
  async teamSpend(teamId: string, since?: string): Promise<KeySpend> {
    await this.flush().catch(() => undefined);
    const [row] = await this.store.summarize({ teamId, from: since }, "team");
    return {
      spendUsd: row?.spendUsd ?? 0,
      unpricedRequests: row?.unpricedRequests ?? 0,
      requests: row?.requests ?? 0,
      totalTokens: row?.totalTokens ?? 0,
    };
  }

  async keySpend(keyId: string, since?: string): Promise<KeySpend> {
    await this.flush().catch(() => undefined);
    const [row] = await this.store.summarize({ keyId, from: since }, "key");
    return {
      spendUsd: row?.spendUsd ?? 0,
      unpricedRequests: row?.unpricedRequests ?? 0,
      requests: row?.requests ?? 0,
      totalTokens: row?.totalTokens ?? 0,
    };
  }
}

function checkRange(filter: UsageFilter): UsageFilter {
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
    throw invalidRequest("The start of the range must be before its end.", "start_time");
  }
  return filter;
}
