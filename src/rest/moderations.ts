import { z } from "zod";
import type { ChatContext } from "../core/chat/dispatcher.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { ModerationInput, ModerationRequest } from "../core/moderations/moderation-types.js";
import { formatPath } from "./from-openai.js";
import { readJsonBody, sendJson } from "./http-io.js";
import { meteringHeaders } from "./metering-headers.js";
import type { RestContext } from "./rest-shim.js";
import { routingHeaders } from "./routing-headers.js";

/** OpenAI's default moderation model, used when the caller names none (the official SDKs send none by default). */
export const DEFAULT_MODERATION_MODEL = "omni-moderation-latest";

const partSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: z.string() }),
  z.strictObject({ type: z.literal("image_url"), image_url: z.strictObject({ url: z.string() }) }),
]);

/** OpenAI's `CreateModerationRequest`, strictly (an unknown field is a 400 naming it), plus the gateway's routing fields. */
const moderationRequestSchema = z.strictObject({
  model: z.string().min(1).max(512).optional(),
  input: z.union([z.string(), z.array(z.string()), z.array(partSchema)]),
  user: z.string().max(512).optional(),
  fallbacks: z.array(z.string().min(1).max(512)).max(10).optional(),
  timeout: z.number().gt(0).max(3600).optional(),
});

/** The REST body → the canonical request; every failure is a 400 naming the field. */
export function fromModerationRequest(body: unknown): ModerationRequest {
  const parsed = moderationRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) throw invalidRequest("The request body is not a valid moderation request.");
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0] ?? "";
      throw invalidRequest(`Unrecognized field '${key}'.`, key);
    }
    const param = formatPath(issue.path);
    throw invalidRequest(
      param === "input"
        ? "'input' must be a string, an array of strings, or an array of text and image_url parts."
        : `Invalid value for '${param}': ${issue.message}.`,
      param,
    );
  }
  const value = parsed.data;
  const raw = value.input;
  let input: ModerationInput;
  if (typeof raw === "string") input = { kind: "text", texts: [raw], single: true };
  else if (raw.every((item): item is string => typeof item === "string"))
    input = { kind: "text", texts: raw, single: false };
  else
    input = {
      kind: "parts",
      parts: (raw as z.infer<typeof partSchema>[]).map((part) =>
        part.type === "text"
          ? { type: "text", text: part.text }
          : { type: "image_url", url: part.image_url.url },
      ),
    };
  return {
    model: value.model ?? DEFAULT_MODERATION_MODEL,
    input,
    ...(value.user !== undefined ? { user: value.user } : {}),
    ...(value.fallbacks !== undefined || value.timeout !== undefined
      ? {
          routing: {
            ...(value.fallbacks !== undefined ? { fallbacks: value.fallbacks } : {}),
            ...(value.timeout !== undefined ? { timeoutMs: Math.round(value.timeout * 1000) } : {}),
          },
        }
      : {}),
  };
}

/** POST /v1/moderations: OpenAI in, the moderations gateway, the upstream's results out. */
export async function handleModerations(context: RestContext): Promise<number> {
  const { request: httpRequest, response, deps, requestId } = context;
  const gateway = deps.moderations;
  if (gateway === undefined) {
    throw new GatewayError("not_found", "Moderations are not served by this gateway.", {
      reason: "route_not_found",
    });
  }
  const body = await readJsonBody(httpRequest, deps.maxBodyBytes);
  const request = fromModerationRequest(body);
  context.log.model = request.model;
  context.log.stream = false;
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort(new Error("client disconnected"));
  });
  const call: ChatContext = {
    requestId,
    principal: context.principal ?? { keyId: "anonymous", role: "user", display: "" },
    signal: controller.signal,
  };
  const { result, routing, metering, usage } = await gateway.run(request, call);
  context.log.deployment = routing.deployment;
  context.log.provider = routing.provider;
  sendJson(
    response,
    200,
    { id: result.id ?? `modr-${requestId}`, model: result.model ?? routing.model, results: result.results },
    {
      ...routingHeaders(routing, requestId),
      ...meteringHeaders(metering),
      ...(usage.estimated ? { "x-switchboard-usage-estimated": "true" } : {}),
    },
  );
  return 200;
}
