import { GatewayError, invalidRequest } from "../errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse, Usage } from "../types/chat.js";
import type { RoutingInfo } from "../types/routing.js";
import type { ChatContext, CommittedStream, Dispatcher, ModelDescriptor } from "./dispatcher.js";
import { assertNoEgressFields } from "./forbidden-fields.js";
import { mayUseModel } from "./model-access.js";

/**
 * The transport-neutral heart: both edges call it. It checks what no edge may skip (model access, egress
 * fields), hands the request to the router, and normalises streams so that every stream, whatever the provider,
 * starts with `response-start` and ends with the `finish` of every choice and then exactly one `usage`.
 */
export interface ChatGatewayOptions {
  /** Gateway-wide `drop_params`; a request may also ask for it. */
  dropParams: boolean;
}

export class ChatGateway {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly options: ChatGatewayOptions = { dropParams: false },
  ) {}

  async complete(
    request: ChatRequest,
    context: ChatContext,
  ): Promise<{ response: ChatResponse; routing: RoutingInfo }> {
    this.admit(request, context);
    return this.dispatcher.complete(request, context);
  }

  async stream(request: ChatRequest, context: ChatContext): Promise<CommittedStream> {
    this.admit(request, context);
    const committed = await this.dispatcher.stream(request, context);
    return { routing: committed.routing, events: normaliseStream(committed.events, request.n ?? 1) };
  }

  /** Models the principal may use; a key that may not use a model does not see it. */
  listModels(context: Pick<ChatContext, "principal">): ModelDescriptor[] {
    return this.dispatcher.listModels().filter((model) => mayUseModel(context.principal, model.id));
  }

  private admit(request: ChatRequest, context: ChatContext): void {
    if (this.options.dropParams && request.dropParams === undefined) request.dropParams = true;
    if (request.passthrough !== undefined) assertNoEgressFields(request.passthrough, "");
    if (request.providerOptions !== undefined)
      assertNoEgressFields(request.providerOptions, "provider_options");
    if (request.model.length === 0) throw invalidRequest("'model' is required.", "model");
    if (!this.dispatcher.hasModel(request.model)) {
      throw new GatewayError(
        "model_not_found",
        `The model '${request.model}' does not exist or is not served here.`,
        {
          param: "model",
          reason: "model_not_found",
        },
      );
    }
    if (!mayUseModel(context.principal, request.model)) {
      throw new GatewayError("permission_denied", `This key may not use the model '${request.model}'.`, {
        param: "model",
        reason: "model_not_allowed",
      });
    }
  }
}

function mergeUsage(into: Usage | undefined, next: Usage): Usage {
  if (into === undefined) return next;
  // Providers that report usage in several events report running totals: keep the largest of each count.
  const merged: Usage = { ...into };
  for (const key of Object.keys(next) as (keyof Usage)[]) {
    const value = next[key];
    if (value !== undefined) merged[key] = Math.max(merged[key] ?? 0, value);
  }
  merged.totalTokens = Math.max(merged.totalTokens, merged.promptTokens + merged.completionTokens);
  return merged;
}

/**
 * Keeps every upstream batch together (one upstream chunk → one downstream chunk) except `usage`, which is held
 * back and sent once, last; choices that never reported a finish get one before it.
 */
async function* normaliseStream(
  source: AsyncIterable<ChatEvent[]>,
  choices: number,
): AsyncGenerator<ChatEvent[]> {
  let usage: Usage | undefined;
  let sawStart = false;
  const finished = new Set<number>();
  for await (const batch of source) {
    let out = batch;
    let hasUsage = false;
    for (const event of batch) {
      if (event.type === "usage") hasUsage = true;
      else if (event.type === "finish") finished.add(event.choice);
      else if (event.type === "response-start") sawStart = true;
    }
    if (!sawStart) {
      sawStart = true;
      out = [{ type: "response-start", id: "", model: "", created: Math.floor(Date.now() / 1000) }, ...out];
    }
    if (hasUsage) {
      out = [];
      for (const event of batch) {
        if (event.type === "usage") usage = mergeUsage(usage, event.usage);
        else out.push(event);
      }
    }
    if (out.length > 0) yield out;
  }
  const tail: ChatEvent[] = [];
  for (let choice = 0; choice < choices; choice++) {
    if (!finished.has(choice)) tail.push({ type: "finish", choice, reason: "stop" });
  }
  if (tail.length > 0) yield tail;
  yield [{ type: "usage", usage: usage ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 } }];
}
