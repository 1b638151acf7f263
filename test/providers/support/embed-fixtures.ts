/**
 * Embedding fixture helpers: build one upstream call through a provider's `embeddings` adapter, and read the
 * recorded request and response bodies of a cassette (gzip-encoded recorded bodies are inflated).
 */
import { gunzipSync } from "node:zlib";
import type { EmbedInput, EmbedRequest } from "../../../src/core/embeddings/embed-types.js";
import type { EmbedBatchResult } from "../../../src/core/embeddings/embedding-adapter.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import type { ProviderAdapter } from "../../../src/core/types/provider.js";
import { readCassette } from "../../helpers/provider-fixtures.js";

export function texts(...values: string[]): EmbedInput {
  return { kind: "text", texts: values };
}

function embeddingsOf(adapter: ProviderAdapter) {
  if (adapter.kind !== "http" || adapter.embeddings === undefined)
    throw new Error(`${adapter.id} has no embeddings`);
  return adapter.embeddings;
}

/** The upstream call the adapter builds for `request` (all its inputs in one call). */
export async function buildEmbedCall(
  adapter: ProviderAdapter,
  deployment: Deployment,
  request: EmbedRequest,
): Promise<{ url: string; headers: Record<string, string>; body: Record<string, unknown> }> {
  const upstream = await embeddingsOf(adapter).buildRequest(request, request.input, {
    deployment,
    requestId: "req-1",
  });
  return {
    url: upstream.url,
    headers: upstream.headers,
    body: JSON.parse(String(upstream.body)) as Record<string, unknown>,
  };
}

export function parseEmbedAnswer(
  adapter: ProviderAdapter,
  deployment: Deployment,
  body: unknown,
  count: number,
  headers: Record<string, string | string[] | undefined> = {},
): EmbedBatchResult {
  return embeddingsOf(adapter).parseResponse(body, { deployment, requestId: "req-1", count, headers });
}

function bodyOf(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return JSON.parse(value);
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value);
    return JSON.parse((bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8"));
  }
  return value;
}

/** Recorded request body, response body, status and response headers of a cassette interaction. */
export function cassette(path: string, index = 0) {
  const interaction = readCassette(path)[index];
  if (interaction === undefined) throw new Error(`${path} has no interaction ${index}`);
  const request = interaction.request as { parsed_body?: unknown; body?: unknown };
  const response = interaction.response as {
    parsed_body?: unknown;
    body?: { string?: unknown };
    status: { code: number };
    headers?: Record<string, string[]>;
  };
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(response.headers ?? {}))
    headers[name.toLowerCase()] = String(values[0]);
  return {
    request: bodyOf(request.parsed_body ?? request.body) as Record<string, unknown>,
    response: bodyOf(response.parsed_body ?? response.body?.string),
    status: response.status.code,
    headers,
  };
}

/** Drops the `null` fields other SDKs send for "not set" (we omit them instead); a documented normalisation. */
export function withoutNulls(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
}

/** L2 norm, to check a decoded vector is the unit vector the provider sent. */
export function norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < vector.length; index++) sum += (vector[index] as number) ** 2;
  return Math.sqrt(sum);
}
