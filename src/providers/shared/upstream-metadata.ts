import type { ChatEvent, ChatResponse } from "../../core/types/chat.js";
import { scrubSecrets } from "../../shared/secret-scrubber.js";

/**
 * The identifiers an upstream chooses and the gateway relays as they are — response `id`, `model`,
 * `system_fingerprint`, `service_tier`, tool-call ids — scrubbed where the upstream answer enters the gateway
 * (execute.ts), because a proxy that echoes our request headers may put them there too. Generated content is
 * the product and is relayed untouched. Only `response-start` and `tool-call-start` events cost a scrub; every
 * other event is one type comparison.
 */
export function scrubUpstreamEvents(events: ChatEvent[]): void {
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as ChatEvent;
    if (event.type === "response-start") {
      events[index] = {
        ...event,
        id: scrubSecrets(event.id),
        model: scrubSecrets(event.model),
        ...(typeof event.systemFingerprint === "string"
          ? { systemFingerprint: scrubSecrets(event.systemFingerprint) }
          : {}),
        ...(typeof event.serviceTier === "string" ? { serviceTier: scrubSecrets(event.serviceTier) } : {}),
      };
    } else if (event.type === "tool-call-start") {
      events[index] = { ...event, id: scrubSecrets(event.id) };
    }
  }
}

/** The same for a whole (non-streamed) response. */
export function scrubUpstreamResponse(response: ChatResponse): ChatResponse {
  response.id = scrubSecrets(response.id);
  response.model = scrubSecrets(response.model);
  if (typeof response.systemFingerprint === "string")
    response.systemFingerprint = scrubSecrets(response.systemFingerprint);
  if (typeof response.serviceTier === "string") response.serviceTier = scrubSecrets(response.serviceTier);
  for (const choice of response.choices) {
    for (const call of choice.message.toolCalls ?? []) call.id = scrubSecrets(call.id);
  }
  return response;
}
