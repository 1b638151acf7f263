import { GatewayError } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";
import type { UsageRecord } from "./usage-record.js";
import type { UsageFilter } from "./usage-store.js";

/**
 * Narrows a usage filter to what the principal may read: admins everything, team admins their team, any other
 * key its own records. Asking for someone else's key or team is refused (not silently narrowed), so a caller
 * never mistakes an empty answer for "no usage".
 */
export function scopeUsageFilter(principal: Principal, filter: UsageFilter): UsageFilter {
  if (principal.role === "admin") return filter;
  if (principal.role === "team_admin" && principal.teamId !== undefined) {
    if (filter.teamId !== undefined && filter.teamId !== principal.teamId) {
      throw new GatewayError("permission_denied", "A team admin may read its own team's usage only.", {
        param: "team_id",
        reason: "usage_out_of_scope",
      });
    }
    return { ...filter, teamId: principal.teamId };
  }
  if (filter.keyId !== undefined && filter.keyId !== principal.keyId) {
    throw new GatewayError("permission_denied", "This key may read its own usage only.", {
      param: "key_id",
      reason: "usage_out_of_scope",
    });
  }
  if (filter.teamId !== undefined && filter.teamId !== principal.teamId) {
    throw new GatewayError("permission_denied", "This key may read its own usage only.", {
      param: "team_id",
      reason: "usage_out_of_scope",
    });
  }
  return { ...filter, keyId: principal.keyId };
}

/** Whether a record passes a (scoped) filter; for live watchers. */
export function recordMatches(record: UsageRecord, filter: UsageFilter): boolean {
  if (
    filter.requestId !== undefined &&
    record.requestId !== filter.requestId &&
    record.responseId !== filter.requestId &&
    `chatcmpl-${record.requestId}` !== filter.requestId
  )
    return false;
  if (filter.keyId !== undefined && record.keyId !== filter.keyId) return false;
  if (filter.teamId !== undefined && record.teamId !== filter.teamId) return false;
  if (filter.userId !== undefined && record.userId !== filter.userId) return false;
  if (filter.modelGroup !== undefined && record.modelGroup !== filter.modelGroup) return false;
  if (filter.deployment !== undefined && record.deployment !== filter.deployment) return false;
  if (filter.provider !== undefined && record.provider !== filter.provider) return false;
  return true;
}
