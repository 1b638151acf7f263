import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";

/**
 * Turns the caller's bearer token into a Principal. Both edges call it with the token they extracted; it throws
 * a GatewayError of kind "authentication" for a missing or wrong token, with one message for every failure so
 * that nothing about valid keys leaks.
 */
export interface Authenticator {
  authenticate(token: string | undefined): Promise<Principal>;
}

export const AUTHENTICATION_FAILED_MESSAGE =
  "Authentication failed: pass a valid key as 'Authorization: Bearer <key>'.";

export function authenticationFailed(): GatewayError {
  return new GatewayError("authentication", AUTHENTICATION_FAILED_MESSAGE, { reason: "invalid_api_key" });
}

/** SHA-256 of a secret, for storage and constant-time comparison (equal-length digests). */
export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** Prefix + last 4, the only form of a secret that may appear in logs or responses. */
export function displaySecret(secret: string): string {
  if (secret.length <= 12) return "****";
  return `${secret.slice(0, 6)}…${secret.slice(-4)}`;
}

/** Pulls the token from `Authorization: Bearer …` (also accepted: `x-api-key`, `api-key`, as SDKs send them). */
export function extractBearer(headers: {
  authorization?: string | undefined;
  "x-api-key"?: string | undefined;
  "api-key"?: string | undefined;
}): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    if (authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === "bearer ") {
      return authorization.slice(7).trim();
    }
    return undefined;
  }
  return headers["x-api-key"] ?? headers["api-key"];
}

/** Longest token we hash; anything longer fails like any wrong key (same body), without hashing megabytes. */
const MAX_TOKEN_LENGTH = 512;

/** Accepts only the master key. The keys issue layers virtual keys in front of it. */
export class MasterKeyAuthenticator implements Authenticator {
  private readonly masterHash: Buffer;
  private readonly principal: Principal;

  constructor(masterKeyHash: Buffer, display: string) {
    this.masterHash = masterKeyHash;
    this.principal = Object.freeze({ keyId: "master", role: "admin", display });
  }

  isMasterKey(token: string): boolean {
    const candidate = hashSecret(token.length > MAX_TOKEN_LENGTH ? "" : token);
    return timingSafeEqual(candidate, this.masterHash) && token.length <= MAX_TOKEN_LENGTH;
  }

  async authenticate(token: string | undefined): Promise<Principal> {
    if (token === undefined || token.length === 0 || !this.isMasterKey(token)) throw authenticationFailed();
    return this.principal;
  }
}
