import { randomBytes, randomUUID } from "node:crypto";

/** What a caller's `x-request-id` may be: a short token, nothing that could break a header, a log line or a URL. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The gateway's id for one request: a fresh UUID, or — when the caller sent a safe `x-request-id` — that id with a
 * random suffix (`<caller id>.<12 hex>`), so it still correlates but is never the caller's choice alone. The usage
 * ledger is keyed (idempotently) by this id: a caller that reused one id for many requests would otherwise have
 * all but the first left out of its spend, and budgets seeded from the ledger after a restart would start low.
 */
export function requestIdOf(incoming: string | null | undefined): string {
  if (incoming === null || incoming === undefined || !REQUEST_ID.test(incoming)) return randomUUID();
  return `${incoming}.${randomBytes(6).toString("hex")}`;
}
