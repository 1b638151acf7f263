import type { ChatEvent, ChatResponse, ReasoningPart, TokenLogprob, Usage } from "../core/types/chat.js";

/** Our Usage → OpenAI's usage object (details only where known). */
export function toOpenAIUsage(usage: Usage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  };
  const prompt: Record<string, number> = {};
  if (usage.cachedPromptTokens !== undefined) prompt["cached_tokens"] = usage.cachedPromptTokens;
  if (usage.audioPromptTokens !== undefined) prompt["audio_tokens"] = usage.audioPromptTokens;
  if (usage.cacheWriteTokens !== undefined) prompt["cache_creation_tokens"] = usage.cacheWriteTokens;
  if (Object.keys(prompt).length > 0) out["prompt_tokens_details"] = prompt;
  const completion: Record<string, number> = {};
  if (usage.reasoningTokens !== undefined) completion["reasoning_tokens"] = usage.reasoningTokens;
  if (usage.audioCompletionTokens !== undefined) completion["audio_tokens"] = usage.audioCompletionTokens;
  if (usage.acceptedPredictionTokens !== undefined) {
    completion["accepted_prediction_tokens"] = usage.acceptedPredictionTokens;
  }
  if (usage.rejectedPredictionTokens !== undefined) {
    completion["rejected_prediction_tokens"] = usage.rejectedPredictionTokens;
  }
  if (Object.keys(completion).length > 0) out["completion_tokens_details"] = completion;
  if (usage.costUsd !== undefined) out["cost"] = usage.costUsd;
  // The gateway estimated these counts (the provider reported none); the ledger row is flagged the same way.
  if (usage.estimated === true) out["estimated"] = true;
  return out;
}

/** Reasoning as LiteLLM exposes it: plain `reasoning_content`, and `thinking_blocks` carrying signatures. */
function reasoningFields(reasoning: ReasoningPart[] | undefined): Record<string, unknown> {
  if (reasoning === undefined || reasoning.length === 0) return {};
  const text = reasoning.map((part) => part.text ?? "").join("");
  const blocks = reasoning.map((part) =>
    part.redactedData !== undefined
      ? { type: "redacted_thinking", data: part.redactedData }
      : { type: "thinking", thinking: part.text ?? "", signature: part.signature ?? null },
  );
  return { reasoning_content: text, thinking_blocks: blocks };
}

/**
 * Token log probabilities in OpenAI's spelling (`top_logprobs`). Tolerant: providers that relay OpenAI's JSON as
 * is already carry `top_logprobs`; the domain type (the mock, converted providers) carries `topLogprobs`.
 */
function openAITokens(tokens: readonly TokenLogprob[] | null): unknown[] | null {
  if (tokens === null) return null;
  return tokens.map((token) => {
    const wire = token as TokenLogprob & { top_logprobs?: unknown };
    const { topLogprobs, top_logprobs, ...rest } = wire;
    return { ...rest, top_logprobs: topLogprobs ?? top_logprobs ?? [] };
  });
}

/** ChatResponse → OpenAI `chat.completion`. */
export function toOpenAIResponse(response: ChatResponse, fallbackId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: response.id.length > 0 ? response.id : fallbackId,
    object: "chat.completion",
    created: response.created,
    model: response.model,
    choices: response.choices.map((choice) => {
      const message: Record<string, unknown> = {
        role: "assistant",
        content: choice.message.content,
        refusal: choice.message.refusal ?? null,
      };
      if (choice.message.toolCalls !== undefined && choice.message.toolCalls.length > 0) {
        message["tool_calls"] = choice.message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.arguments },
          ...(call.providerOptions ? { provider_specific_fields: call.providerOptions } : {}),
        }));
      }
      if (choice.message.annotations !== undefined) message["annotations"] = choice.message.annotations;
      Object.assign(message, reasoningFields(choice.message.reasoning));
      return {
        index: choice.index,
        message,
        logprobs:
          choice.logprobs === undefined || choice.logprobs === null
            ? null
            : {
                content: openAITokens(choice.logprobs.content),
                refusal: openAITokens(choice.logprobs.refusal ?? null),
              },
        finish_reason: choice.finishReason ?? "stop",
      };
    }),
  };
  if (response.usage !== undefined) out["usage"] = toOpenAIUsage(response.usage);
  // OpenAI's schema types it as a string: a provider's `null` (Azure sends one) is left out, not relayed.
  if (typeof response.systemFingerprint === "string") out["system_fingerprint"] = response.systemFingerprint;
  if (response.serviceTier !== undefined) out["service_tier"] = response.serviceTier;
  return out;
}

interface RenderedChoice {
  index: number;
  delta: Record<string, unknown>;
  logprobs: unknown;
  finish_reason: string | null;
}

interface ChoiceDelta {
  index: number;
  delta: Record<string, unknown>;
  logprobs?: unknown;
  finish_reason: string | null;
}

/**
 * Turns event batches into `chat.completion.chunk` JSON, one batch → one chunk, so that the stream the caller
 * sees has exactly the rhythm of the upstream's. Stateful: remembers the response metadata and which choices
 * have had their `role` already.
 */
export class OpenAIChunkWriter {
  private id: string;
  private model: string;
  private created = Math.floor(Date.now() / 1000);
  private systemFingerprint: string | null | undefined;
  private serviceTier: string | null | undefined;
  private readonly roleSent = new Set<number>();
  private prefix = "";

  constructor(
    fallbackId: string,
    fallbackModel: string,
    private readonly includeUsage: boolean,
  ) {
    this.id = fallbackId;
    this.model = fallbackModel;
  }

  /** Renders one batch; returns the SSE text to write ("" when the batch has nothing for the caller). */
  write(batch: readonly ChatEvent[]): string {
    const { choices, usages } = this.fold(batch);
    let out = choices !== undefined ? this.chunk(choices, null) : "";
    if (this.includeUsage) for (const usage of usages) out += this.chunk([], toOpenAIUsage(usage));
    return out;
  }

  /**
   * Renders one batch as `chat.completion.chunk` objects (the in-process library's stream): the same chunks
   * `write` serialises, without the SSE framing.
   */
  render(batch: readonly ChatEvent[]): Record<string, unknown>[] {
    const { choices, usages } = this.fold(batch);
    const head = (): Record<string, unknown> => ({
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      ...(typeof this.systemFingerprint === "string" ? { system_fingerprint: this.systemFingerprint } : {}),
      ...(this.serviceTier !== undefined ? { service_tier: this.serviceTier } : {}),
    });
    const out: Record<string, unknown>[] = [];
    if (choices !== undefined)
      out.push({ ...head(), choices, ...(this.includeUsage ? { usage: null } : {}) });
    if (this.includeUsage)
      for (const usage of usages) out.push({ ...head(), choices: [], usage: toOpenAIUsage(usage) });
    return out;
  }

  /** One batch folded into the choices' deltas (undefined when none) and the usage reports it carries. */
  private fold(batch: readonly ChatEvent[]): { choices: RenderedChoice[] | undefined; usages: Usage[] } {
    let choices: ChoiceDelta[] | undefined;
    const usages: Usage[] = [];
    const choiceFor = (index: number): ChoiceDelta => {
      choices ??= [];
      for (const choice of choices) if (choice.index === index) return choice;
      const delta: Record<string, unknown> = {};
      if (!this.roleSent.has(index)) {
        this.roleSent.add(index);
        delta["role"] = "assistant";
      }
      const created: ChoiceDelta = { index, delta, finish_reason: null };
      choices.push(created);
      return created;
    };
    for (const event of batch) {
      switch (event.type) {
        case "response-start":
          if (event.id.length > 0) this.id = event.id;
          if (event.model.length > 0) this.model = event.model;
          this.created = event.created;
          this.systemFingerprint = event.systemFingerprint;
          this.serviceTier = event.serviceTier;
          this.prefix = "";
          break;
        case "text-delta": {
          const delta = choiceFor(event.choice).delta;
          delta["content"] =
            typeof delta["content"] === "string" ? delta["content"] + event.text : event.text;
          break;
        }
        case "refusal-delta": {
          const delta = choiceFor(event.choice).delta;
          delta["refusal"] =
            typeof delta["refusal"] === "string" ? delta["refusal"] + event.text : event.text;
          break;
        }
        case "reasoning-delta": {
          const delta = choiceFor(event.choice).delta;
          if (event.text !== undefined) {
            delta["reasoning_content"] =
              typeof delta["reasoning_content"] === "string"
                ? delta["reasoning_content"] + event.text
                : event.text;
          }
          if (event.signature !== undefined || event.redactedData !== undefined) {
            const blocks = (delta["thinking_blocks"] as unknown[] | undefined) ?? [];
            blocks.push(
              event.redactedData !== undefined
                ? { type: "redacted_thinking", data: event.redactedData }
                : { type: "thinking", thinking: event.text ?? "", signature: event.signature },
            );
            delta["thinking_blocks"] = blocks;
          }
          break;
        }
        case "tool-call-start": {
          const delta = choiceFor(event.choice).delta;
          const calls = (delta["tool_calls"] as Record<string, unknown>[] | undefined) ?? [];
          calls.push({
            index: event.index,
            id: event.id,
            type: "function",
            function: { name: event.name, arguments: "" },
            ...(event.providerOptions ? { provider_specific_fields: event.providerOptions } : {}),
          });
          delta["tool_calls"] = calls;
          break;
        }
        case "tool-call-delta": {
          const delta = choiceFor(event.choice).delta;
          const calls = (delta["tool_calls"] as Record<string, unknown>[] | undefined) ?? [];
          const open = calls.find((call) => call["index"] === event.index);
          if (open !== undefined) {
            const fn = open["function"] as { arguments: string };
            fn.arguments += event.argumentsDelta;
          } else {
            calls.push({ index: event.index, function: { arguments: event.argumentsDelta } });
          }
          delta["tool_calls"] = calls;
          break;
        }
        case "tool-call-end":
          break;
        case "logprobs":
          choiceFor(event.choice).logprobs = {
            content: openAITokens(event.content),
            refusal: openAITokens(event.refusal ?? null),
          };
          break;
        case "finish":
          choiceFor(event.choice).finish_reason = event.reason === "error" ? "stop" : event.reason;
          break;
        case "usage":
          usages.push(event.usage);
          break;
      }
    }
    const rendered = choices?.map((choice) => ({
      index: choice.index,
      delta: choice.delta,
      logprobs: choice.logprobs ?? null,
      finish_reason: choice.finish_reason,
    }));
    return { choices: rendered, usages };
  }

  private chunk(choices: unknown[], usage: Record<string, unknown> | null): string {
    if (this.prefix.length === 0) {
      // The fixed head of every chunk, serialised once per stream.
      let head = `{"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${this.created},"model":${JSON.stringify(this.model)}`;
      if (typeof this.systemFingerprint === "string")
        head += `,"system_fingerprint":${JSON.stringify(this.systemFingerprint)}`;
      if (this.serviceTier !== undefined) head += `,"service_tier":${JSON.stringify(this.serviceTier)}`;
      this.prefix = head;
    }
    const tail = this.includeUsage ? `,"usage":${JSON.stringify(usage)}}` : "}";
    return `data: ${this.prefix},"choices":${JSON.stringify(choices)}${tail}\n\n`;
  }
}
