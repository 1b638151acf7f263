import type { ProviderOptions, ReasoningPart } from "../../core/types/chat.js";

/**
 * Reasoning that must come back verbatim on the next turn travels in a reasoning item's `encrypted_content`, as
 * OpenAI's own encrypted reasoning does: Anthropic thinking signatures and redacted thinking, and provider data
 * attached to tool calls (Gemini `thoughtSignature`, keyed by the call's `call_id`). The gateway's form is
 * `sbr1.` + base64url(JSON): opaque to clients and only ever decoded by the gateway. It is not encrypted: it holds
 * nothing the caller did not receive from the model already.
 */
const PREFIX = "sbr1.";

interface EncodedEntry {
  /** Reasoning text, signature, redacted data of one part. */
  t?: string;
  s?: string;
  r?: string;
  /** Provider options of the tool call with this call id. */
  c?: string;
  o?: ProviderOptions;
}

export interface ReasoningState {
  parts: ReasoningPart[];
  /** Provider options by tool call id. */
  toolCalls: Map<string, ProviderOptions>;
}

/** Undefined when there is nothing a provider needs back (plain text reasoning needs no state). */
export function encodeReasoningState(
  parts: readonly ReasoningPart[],
  toolCalls: ReadonlyMap<string, ProviderOptions> = new Map(),
): string | undefined {
  const needed =
    toolCalls.size > 0 ||
    parts.some((part) => part.signature !== undefined || part.redactedData !== undefined);
  if (!needed) return undefined;
  const encoded: EncodedEntry[] = parts.map((part) => ({
    ...(part.text !== undefined ? { t: part.text } : {}),
    ...(part.signature !== undefined ? { s: part.signature } : {}),
    ...(part.redactedData !== undefined ? { r: part.redactedData } : {}),
  }));
  for (const [id, options] of toolCalls) encoded.push({ c: id, o: options });
  return PREFIX + Buffer.from(JSON.stringify(encoded), "utf8").toString("base64url");
}

/** The state in a gateway-encoded value; undefined for anything else (another service's encrypted content). */
export function decodeReasoningState(value: string | undefined): ReasoningState | undefined {
  if (value === undefined || !value.startsWith(PREFIX)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded)) return undefined;
  const state: ReasoningState = { parts: [], toolCalls: new Map() };
  for (const entry of decoded as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { t, s, r, c, o } = entry as Record<string, unknown>;
    if (typeof c === "string" && typeof o === "object" && o !== null && !Array.isArray(o)) {
      state.toolCalls.set(c, o as ProviderOptions);
      continue;
    }
    const part: ReasoningPart = {};
    if (typeof t === "string") part.text = t;
    if (typeof s === "string") part.signature = s;
    if (typeof r === "string") part.redactedData = r;
    if (Object.keys(part).length > 0) state.parts.push(part);
  }
  return state;
}
