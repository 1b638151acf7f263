import { GatewayError } from "../../core/errors/gateway-error.js";
import type { RerankResultItem } from "../../core/rerank/rerank-types.js";
import { asArray, asNumber, asObject } from "./json.js";

/** A rerank answer we cannot read: the provider broke its own format. */
export function rerankProtocolError(provider: string, what: string): GatewayError {
  return new GatewayError(
    "upstream_protocol",
    `Provider '${provider}' returned an unreadable rerank answer: ${what}.`,
    {
      provider,
      reason: "upstream_protocol",
    },
  );
}

/**
 * A provider's result list (`[{index, <scoreKey>}]`: Cohere, Together, vLLM/Jina and Voyage say
 * `relevance_score`, Bedrock `relevanceScore`) in the provider's order, checked: every index an integer naming one
 * of the `count` documents, at most once; every score a finite number. Documents the provider echoes are ignored
 * (the edge renders documents from the request).
 */
export function readRerankResults(
  provider: string,
  value: unknown,
  scoreKey: string,
  count: number,
): RerankResultItem[] {
  const list = asArray(value);
  if (list === undefined) throw rerankProtocolError(provider, "no result list");
  const seen = new Set<number>();
  return list.map((item) => {
    const entry = asObject(item);
    const index = asNumber(entry?.["index"]);
    const score = asNumber(entry?.[scoreKey]);
    if (index === undefined || !Number.isInteger(index) || index < 0 || index >= count || seen.has(index))
      throw rerankProtocolError(provider, "a result names no document of the request");
    if (score === undefined || !Number.isFinite(score))
      throw rerankProtocolError(provider, "a result has no score");
    seen.add(index);
    return { index, relevanceScore: score };
  });
}
