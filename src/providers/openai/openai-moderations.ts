import { GatewayError } from "../../core/errors/gateway-error.js";
import {
  expectedResults,
  type ModerationRequest,
  type ModerationResult,
} from "../../core/moderations/moderation-types.js";
import type { OperationAdapter } from "../../core/operations/operation-adapter.js";
import { asArray, asObject, asString } from "../shared/json.js";
import type { OpenAIWireOptions } from "./convert-to-openai-request.js";
import { parseOpenAIError } from "./openai-error.js";

/**
 * The `/moderations` body: the deployment's model (the gateway decides it, even when the caller named none) and
 * the input in the form the caller used (a string, a list of strings, or multimodal parts).
 */
export function convertToOpenAIModerationBody(
  request: ModerationRequest,
  model: string,
): Record<string, unknown> {
  const input = request.input;
  return {
    model,
    input:
      input.kind === "parts"
        ? input.parts.map((part) =>
            part.type === "text"
              ? { type: "text", text: part.text }
              : { type: "image_url", image_url: { url: part.url } },
          )
        : input.single
          ? input.texts[0]
          : input.texts,
  };
}

/**
 * `{id:"modr-…", model, results:[{flagged, categories, category_scores, …}]}` (openai/moderations-basic.json),
 * each result passed on as written. One result per input, or a protocol error (never a short list).
 */
export function parseOpenAIModerationResponse(
  provider: string,
  body: unknown,
  request: ModerationRequest,
): ModerationResult {
  const root = asObject(body);
  const results = asArray(root?.["results"]);
  const expected = expectedResults(request.input);
  if (root === undefined || results === undefined || results.length !== expected) {
    throw new GatewayError(
      "upstream_protocol",
      `Provider '${provider}' returned an unreadable moderation answer (${results?.length ?? "no"} results for ${expected} inputs).`,
      { provider, reason: "upstream_protocol" },
    );
  }
  const parsed = results.map((item) => {
    const result = asObject(item);
    if (result === undefined || typeof result["flagged"] !== "boolean") {
      throw new GatewayError(
        "upstream_protocol",
        `Provider '${provider}' returned a moderation result without 'flagged'.`,
        {
          provider,
          reason: "upstream_protocol",
        },
      );
    }
    return result;
  });
  const id = asString(root["id"]);
  const model = asString(root["model"]);
  return { results: parsed, ...(id !== undefined ? { id } : {}), ...(model !== undefined ? { model } : {}) };
}

/** OpenAI's `/moderations` (OpenAI, or any server on its wire through `api_base`). No provider options. */
export function createOpenAIModerations(
  wire: OpenAIWireOptions,
): OperationAdapter<ModerationRequest, ModerationResult> {
  return {
    options: [],
    buildRequest(request, context) {
      const params = context.deployment.params;
      const base = (params.apiBase ?? wire.defaultBase).replace(/\/+$/, "");
      const headers: Record<string, string> = {
        ...params.extraHeaders,
        "content-type": "application/json",
        accept: "application/json",
      };
      if (params.apiKey !== undefined && params.apiKey.length > 0)
        Object.assign(headers, wire.authHeader(params.apiKey));
      if (params.organization !== undefined) headers["openai-organization"] = params.organization;
      return {
        url: `${base}/moderations`,
        method: "POST",
        headers,
        body: JSON.stringify(convertToOpenAIModerationBody(request, context.deployment.model)),
      };
    },
    parseResponse: (body, context) => parseOpenAIModerationResponse(wire.provider, body, context.request),
    parseError: (status, bodyText, headers) => parseOpenAIError(wire.provider, status, bodyText, headers),
  };
}
