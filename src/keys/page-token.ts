import { createHash } from "node:crypto";
import { invalidRequest } from "../core/errors/gateway-error.js";
import type { ListCursor } from "./key-store.js";

/**
 * Opaque page tokens: the keyset position plus a fingerprint of the query (caller and filters). A token from a
 * different query, or one that was edited, is InvalidArgument naming page_token. Tokens carry no secret and
 * grant nothing: visibility is decided again on every page.
 */
export function queryFingerprint(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);
}

export function encodePageToken(fingerprint: string, cursor: ListCursor): string {
  return Buffer.from(JSON.stringify({ q: fingerprint, c: cursor.createdAt, i: cursor.id }), "utf8").toString(
    "base64url",
  );
}

export function decodePageToken(token: string, fingerprint: string): ListCursor | undefined {
  if (token === "") return undefined;
  const invalid = () =>
    invalidRequest("page_token is not a token from this query; start again without it.", "page_token");
  if (token.length > 1_024 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof value !== "object" || value === null) throw invalid();
  const record = value as Record<string, unknown>;
  if (record["q"] !== fingerprint || typeof record["c"] !== "string" || typeof record["i"] !== "string") {
    throw invalid();
  }
  return { createdAt: record["c"], id: record["i"] };
}

/** Page size: 0 → default; 1..1000 accepted; anything else is InvalidArgument naming page_size. */
export function pageSize(requested: number | undefined): number {
  if (requested === undefined || requested === 0) return 100;
  if (!Number.isInteger(requested) || requested < 0 || requested > 1_000) {
    throw invalidRequest("page_size must be between 1 and 1000.", "page_size");
  }
  return requested;
}
