import * as assert from "node:assert/strict";
import type { ChatEvent, FinishReason, Usage } from "../../../src/core/types/chat.js";
import type { StreamDecoder, UpstreamMessage } from "../../../src/core/types/provider.js";

export interface CollectedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface CollectedChoice {
  text: string;
  reasoning: string;
  signatures: string[];
  redacted: string[];
  toolCalls: CollectedToolCall[];
  finish?: FinishReason;
  providerFinish?: string;
}

export interface Collected {
  events: ChatEvent[];
  batches: ChatEvent[][];
  choices: Map<number, CollectedChoice>;
  usage?: Usage;
}

function choiceOf(collected: Collected, index: number): CollectedChoice {
  let choice = collected.choices.get(index);
  if (choice === undefined) {
    choice = { text: "", reasoning: "", signatures: [], redacted: [], toolCalls: [] };
    collected.choices.set(index, choice);
  }
  return choice;
}

/**
 * Folds a decoder's batches into per-choice results and checks the event rules every provider must keep:
 * response-start first and once; tool calls start, then deltas, then end; finish once per choice; one usage, last.
 */
export function collect(batches: ChatEvent[][]): Collected {
  const collected: Collected = { events: batches.flat(), batches, choices: new Map() };
  const open = new Map<string, CollectedToolCall>();
  const ended = new Set<string>();
  collected.events.forEach((event, position) => {
    if (position === 0) assert.equal(event.type, "response-start", "response-start comes first");
    else assert.notEqual(event.type, "response-start", "response-start comes once");
    if (collected.usage !== undefined) assert.fail(`an event (${event.type}) followed usage`);
    switch (event.type) {
      case "response-start":
        break;
      case "text-delta":
        choiceOf(collected, event.choice).text += event.text;
        break;
      case "refusal-delta":
        break;
      case "reasoning-delta": {
        const choice = choiceOf(collected, event.choice);
        if (event.text !== undefined) choice.reasoning += event.text;
        if (event.signature !== undefined) choice.signatures.push(event.signature);
        if (event.redactedData !== undefined) choice.redacted.push(event.redactedData);
        break;
      }
      case "tool-call-start": {
        const key = `${event.choice}:${event.index}`;
        assert.ok(!open.has(key) && !ended.has(key), `tool call ${key} starts once`);
        assert.ok(event.id !== "", "tool calls have an id");
        const call = { id: event.id, name: event.name, arguments: "" };
        open.set(key, call);
        choiceOf(collected, event.choice).toolCalls.push(call);
        break;
      }
      case "tool-call-delta": {
        const call = open.get(`${event.choice}:${event.index}`);
        assert.ok(call, `tool-call-delta for an open call ${event.choice}:${event.index}`);
        call.arguments += event.argumentsDelta;
        break;
      }
      case "tool-call-end": {
        const key = `${event.choice}:${event.index}`;
        assert.ok(open.has(key), `tool-call-end for an open call ${key}`);
        open.delete(key);
        ended.add(key);
        break;
      }
      case "logprobs":
        break;
      case "finish": {
        const choice = choiceOf(collected, event.choice);
        assert.equal(choice.finish, undefined, "finish comes once per choice");
        choice.finish = event.reason;
        choice.providerFinish = event.providerReason;
        break;
      }
      case "usage":
        collected.usage = event.usage;
        break;
    }
  });
  assert.equal(open.size, 0, "every tool call ended");
  for (const choice of collected.choices.values()) {
    for (const call of choice.toolCalls) {
      assert.doesNotThrow(() => JSON.parse(call.arguments), `arguments of ${call.name} are JSON`);
    }
  }
  return collected;
}

/** Runs messages through a decoder, one batch per message plus the end() batch. */
export function decodeAll(decoder: StreamDecoder, messages: UpstreamMessage[]): ChatEvent[][] {
  const batches = messages.map((message) => decoder.decode(message));
  batches.push(decoder.end());
  return batches.filter((batch) => batch.length > 0);
}

/** The one choice of a single-choice stream. */
export function onlyChoice(collected: Collected): CollectedChoice {
  assert.equal(collected.choices.size, 1);
  return collected.choices.get(0) as CollectedChoice;
}
