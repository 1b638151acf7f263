import { request as undiciRequest } from "undici";
import type { GuardrailConfig } from "../config/guardrail-config.js";
import type { GuardrailDecision, GuardrailInput } from "./external-decision.js";
import { parseDecision } from "./external-decision.js";

/** An answer larger than this is an error (and fails closed): a guardrail's verdict is small. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * The generic HTTP guardrail: POSTs the input as JSON to the configured `api_base` (with `Authorization: Bearer
 * <api_key>` when set, and the configured headers) and parses the decision. Any non-2xx status, a body that is not
 * a decision, or one larger than 4 MiB is an error; the caller (decideWithin) applies the timeout and the
 * fail-closed policy. The URL comes from the config only, never from a request.
 */
export function httpDecider(config: GuardrailConfig) {
  const url = config.apiBase;
  if (url === undefined) throw new Error(`guardrails: '${config.name}' has no api_base`);
  const headers: Record<string, string> = { ...config.headers, "content-type": "application/json" };
  if (config.apiKey !== undefined) headers["authorization"] = `Bearer ${config.apiKey}`;
  return async (input: GuardrailInput, signal: AbortSignal): Promise<GuardrailDecision> => {
    const response = await undiciRequest(url, {
      method: "POST",
      headers,
      body: JSON.stringify(input),
      signal,
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
    });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      await response.body.dump();
      throw new Error(`status ${response.statusCode}`);
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_ANSWER_BYTES) {
        response.body.destroy();
        throw new Error("answer too large");
      }
      chunks.push(buffer);
    }
    return parseDecision(JSON.parse(Buffer.concat(chunks).toString("utf8")));
  };
}
