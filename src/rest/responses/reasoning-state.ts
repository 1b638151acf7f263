import type { ReasoningPart } from "../../core/types/chat.js";

/**
 * Reasoning that must come back verbatim on the next turn (Anthropic thinking signatures, redacted thinking,
 * Gemini-style opaque data) travels in a reasoning item's `encrypted_content`, as OpenAI's own encrypted
 * reasoning does. The gateway's form is `sbr1.` + base64url(JSON): it is opaque to clients and only ever decoded
 * by the gateway. It is not encrypted: it holds nothing the caller did not receive from the model already.
 */
const PREFIX = "sbr1.";

interface EncodedPart {
  t?: string;
  s?: string;
  r?: string;
}

/** Undefined when there is nothing a provider needs back (plain text reasoning needs no state). */
export function encodeReasoningState(parts: readonly ReasoningPart[]): string | undefined {
  if (!parts.some((part) => part.signature !== undefined || part.redactedData !== undefined))
    return undefined;
  const encoded: EncodedPart[] = parts.map((part) => ({
    ...(part.text !== undefined ? { t: part.text } : {}),
    ...(part.signature !== undefined ? { s: part.signature } : {}),
    ...(part.redactedData !== undefined ? { r: part.redactedData } : {}),
  }));
  return PREFIX + Buffer.from(JSON.stringify(encoded), "utf8").toString("base64url");
}

/** The parts of a gateway-encoded state; undefined for anything else (another service's encrypted content). */
export function decodeReasoningState(value: string | undefined): ReasoningPart[] | undefined {
  if (value === undefined || !value.startsWith(PREFIX)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded)) return undefined;
  const parts: ReasoningPart[] = [];
  for (const entry of decoded as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { t, s, r } = entry as Record<string, unknown>;
    const part: ReasoningPart = {};
    if (typeof t === "string") part.text = t;
    if (typeof s === "string") part.signature = s;
    if (typeof r === "string") part.redactedData = r;
    if (Object.keys(part).length > 0) parts.push(part);
  }
  return parts;
}
