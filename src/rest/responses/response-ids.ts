import { randomBytes } from "node:crypto";

/**
 * Ids in OpenAI's spelling (`resp_`, `msg_`, `fc_`, `rs_` + hex). Response ids are 192 random bits: they name a
 * stored conversation, and guessing one must be hopeless (ownership is still checked on every read).
 */
export function newResponseId(): string {
  return `resp_${randomBytes(24).toString("hex")}`;
}

export function newItemId(prefix: "msg" | "fc" | "rs"): string {
  return `${prefix}_${randomBytes(16).toString("hex")}`;
}

const RESPONSE_ID = /^resp_[A-Za-z0-9]{1,128}$/;

/** A syntactically valid response id (anything else is a 404 without a database read). */
export function isResponseId(value: string): boolean {
  return RESPONSE_ID.test(value);
}
