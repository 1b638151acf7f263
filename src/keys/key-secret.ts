import { randomBytes } from "node:crypto";
import { displaySecret, hashSecret } from "../auth/authenticator.js";

/** Every virtual key starts with this, so that secret scanners and people recognise it. */
export const KEY_PREFIX = "sk-sb-";

/** A new secret: 256 bits from the CSPRNG, base64url, behind the prefix. */
export function generateSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** Lookup form of a secret: hex SHA-256. The secret itself is never stored. */
export function secretLookupHash(secret: string): string {
  return hashSecret(secret).toString("hex");
}

/** Prefix + last four: the only form of a secret stored in rows or returned after creation. */
export function secretDisplay(secret: string): string {
  return displaySecret(secret);
}

/** Opaque, unguessable identifiers for keys and teams (not secrets: they appear in URLs and logs). */
export function newId(kind: "key" | "team"): string {
  return `${kind}_${randomBytes(12).toString("base64url")}`;
}
