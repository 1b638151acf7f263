import type { GuardrailConfig, GuardrailMode } from "../config/guardrail-config.js";
import type { ChatContext } from "../core/chat/dispatcher.js";
import type { GuardrailRun, Guardrails, StreamGuard } from "../core/chat/guardrail-port.js";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse, Message } from "../core/types/chat.js";
import { registerSecrets } from "../shared/secret-scrubber.js";
import { bannedWordRules } from "./banned-words.js";
import { type CustomDecider, loadCustomGuardrail } from "./custom-guardrail.js";
import {
  applyDecision,
  decideWithin,
  type GuardrailDecision,
  type GuardrailInput,
  inputOf,
} from "./external-decision.js";
import { httpDecider } from "./http-guardrail.js";
import { checkStructuredOutput, compileConfiguredSchema } from "./json-schema.js";
import { checkLimits } from "./limits.js";
import { piiRules } from "./pii.js";
import { secretRules } from "./secrets.js";
import { StreamMasker } from "./stream-masker.js";
import { maskText, type TextRule } from "./text-rules.js";

/** One configured guardrail, built: its text rules, or its external decider. */
interface BuiltGuardrail {
  config: GuardrailConfig;
  rules: TextRule[];
  decide?: {
    pre?: ((input: GuardrailInput, signal: AbortSignal) => Promise<GuardrailDecision>) | undefined;
    post?: ((input: GuardrailInput, signal: AbortSignal) => Promise<GuardrailDecision>) | undefined;
  };
}

/** A stream's answer text kept for end-of-stream checks (JSON schema, HTTP, custom) is bounded. */
const MAX_CHECKED_ANSWER_CHARS = 1_048_576;

/**
 * Builds every configured guardrail (custom modules are imported, JSON schemas compiled, HTTP credentials
 * registered with the secret scrubber). Throws on a guardrail that cannot be built: a gateway must not start
 * without a guardrail its config asks for.
 */
export async function createGuardrails(configs: readonly GuardrailConfig[]): Promise<GuardrailEngine> {
  const built: BuiltGuardrail[] = [];
  for (const config of configs) {
    switch (config.type) {
      case "pii":
        built.push({ config, rules: piiRules(config) });
        break;
      case "secret_detection":
        built.push({ config, rules: secretRules(config) });
        break;
      case "banned_words":
        built.push({ config, rules: bannedWordRules(config) });
        break;
      case "limits":
        built.push({ config, rules: [] });
        break;
      case "json_schema":
        compileConfiguredSchema(config);
        built.push({ config, rules: [] });
        break;
      case "http": {
        registerSecrets([config.apiKey, ...Object.values(config.headers)]);
        const decider = httpDecider(config);
        built.push({ config, rules: [], decide: { pre: decider, post: decider } });
        break;
      }
      case "custom": {
        const custom: CustomDecider = await loadCustomGuardrail(config);
        built.push({
          config,
          rules: [],
          decide: {
            pre: custom.preCall && ((input) => (custom.preCall as NonNullable<typeof custom.preCall>)(input)),
            post:
              custom.postCall && ((input) => (custom.postCall as NonNullable<typeof custom.postCall>)(input)),
          },
        });
        break;
      }
    }
  }
  return new GuardrailEngine(built);
}

/**
 * The Guardrails port over the configured guardrails. Which run on a request: every `default_on` one, those the
 * key and its team enforce (`metadata.guardrails`), and those the request turns on (`guardrails: [...]`); a
 * request may turn one off (`guardrails: {name: false}`) only when the guardrail allows it and neither the key
 * nor the team enforces it.
 */
export class GuardrailEngine implements Guardrails {
  private readonly byName = new Map<string, BuiltGuardrail>();
  private readonly defaultOn: BuiltGuardrail[];

  constructor(guardrails: readonly BuiltGuardrail[]) {
    for (const guardrail of guardrails) this.byName.set(guardrail.config.name, guardrail);
    this.defaultOn = guardrails.filter((guardrail) => guardrail.config.defaultOn);
  }

  /** Names of the configured guardrails (for checks elsewhere, e.g. listing). */
  names(): string[] {
    return [...this.byName.keys()];
  }

  plan(request: ChatRequest, context: ChatContext): GuardrailRun | undefined {
    const principal = context.principal;
    const enforced = [...(principal.guardrails ?? []), ...(principal.teamGuardrails ?? [])];
    const selection = request.guardrails;
    if (enforced.length === 0 && this.defaultOn.length === 0 && selection === undefined) return undefined;
    const active = new Set<BuiltGuardrail>(this.defaultOn);
    for (const name of enforced) {
      const guardrail = this.byName.get(name);
      if (guardrail === undefined) {
        // Fail closed: the key asks for a check this gateway cannot run.
        throw new GatewayError(
          "internal",
          `This key requires the guardrail '${name}', which this gateway does not define.`,
          { reason: "guardrail_not_configured" },
        );
      }
      active.add(guardrail);
    }
    for (const name of selection?.enable ?? []) active.add(this.named(name));
    for (const name of selection?.disable ?? []) {
      const guardrail = this.named(name);
      if (enforced.includes(name)) {
        throw new GatewayError(
          "permission_denied",
          `The guardrail '${name}' is enforced for this key; a request cannot turn it off.`,
          { param: "guardrails", reason: "guardrail_enforced" },
        );
      }
      if (guardrail.config.defaultOn && !guardrail.config.allowRequestOptOut) {
        throw new GatewayError(
          "permission_denied",
          `The guardrail '${name}' runs on every request; a request cannot turn it off.`,
          { param: "guardrails", reason: "guardrail_enforced" },
        );
      }
      if (!selection?.enable.includes(name)) active.delete(guardrail);
    }
    if (active.size === 0) return undefined;
    // Configured order, whatever the order of selection.
    const ordered = [...this.byName.values()].filter((guardrail) => active.has(guardrail));
    return new GuardrailRunner(ordered, context.requestId);
  }

  private named(name: string): BuiltGuardrail {
    const guardrail = this.byName.get(name);
    if (guardrail === undefined) throw invalidRequest(`There is no guardrail named '${name}'.`, "guardrails");
    return guardrail;
  }
}

class GuardrailRunner implements GuardrailRun {
  private readonly pre: BuiltGuardrail[];
  private readonly during: BuiltGuardrail[];
  private readonly post: BuiltGuardrail[];
  readonly duringCall: ((request: ChatRequest, signal: AbortSignal) => Promise<void>) | undefined;

  constructor(
    guardrails: readonly BuiltGuardrail[],
    private readonly requestId: string,
  ) {
    const inMode = (mode: GuardrailMode) =>
      guardrails.filter((guardrail) => guardrail.config.modes.includes(mode));
    this.pre = inMode("pre_call");
    this.during = inMode("during_call");
    this.post = inMode("post_call");
    this.duringCall =
      this.during.length === 0
        ? undefined
        : (request, signal) => this.checkRequest(this.during, "during_call", request, signal);
  }

  preCall(request: ChatRequest, signal: AbortSignal): Promise<void> {
    return this.checkRequest(this.pre, "pre_call", request, signal);
  }

  private async checkRequest(
    guardrails: readonly BuiltGuardrail[],
    mode: GuardrailMode,
    request: ChatRequest,
    signal: AbortSignal,
  ): Promise<void> {
    for (const guardrail of guardrails) {
      const { config } = guardrail;
      if (config.type === "limits") checkLimits(config, request);
      if (guardrail.rules.length > 0) {
        for (const message of request.messages) maskMessage(guardrail.rules, message);
      }
      const decide = guardrail.decide?.pre;
      if (decide !== undefined) {
        const decision = await decideWithin(config, signal, (inner) =>
          decide(inputOf(config, mode, request, this.requestId), inner),
        );
        applyDecision(config, decision, request, undefined, mode === "pre_call");
      }
    }
  }

  async postCall(response: ChatResponse, request: ChatRequest, signal: AbortSignal): Promise<void> {
    for (const guardrail of this.post) {
      const { config } = guardrail;
      if (guardrail.rules.length > 0) {
        for (const choice of response.choices) {
          const message = choice.message;
          if (message.content !== null)
            message.content = maskText(guardrail.rules, message.content, "answer");
          if (typeof message.refusal === "string")
            message.refusal = maskText(guardrail.rules, message.refusal, "answer");
          for (const call of message.toolCalls ?? [])
            call.arguments = maskText(guardrail.rules, call.arguments, "answer");
        }
      }
      if (config.type === "json_schema") {
        checkStructuredOutput(
          config,
          request,
          response.choices.map((choice) => choice.message.content),
        );
      }
      const decide = guardrail.decide?.post;
      if (decide !== undefined) {
        const decision = await decideWithin(config, signal, (inner) =>
          decide(inputOf(config, "post_call", request, this.requestId, response), inner),
        );
        applyDecision(config, decision, request, response, true);
      }
    }
  }

  streamGuard(request: ChatRequest, signal: AbortSignal): StreamGuard | undefined {
    if (this.post.length === 0) return undefined;
    const rules = this.post.flatMap((guardrail) => guardrail.rules);
    const hold = Math.max(
      0,
      ...this.post.map((guardrail) => (guardrail.rules.length > 0 ? guardrail.config.streamHoldChars : 0)),
    );
    const atEnd = this.post.filter(
      (guardrail) => guardrail.config.type === "json_schema" || guardrail.decide?.post !== undefined,
    );
    return new GuardedStream(
      rules.length > 0 ? new StreamMasker(rules, hold) : undefined,
      atEnd,
      request,
      signal,
      this.requestId,
    );
  }
}

/** post_call over a stream: masking as text flows, then the checks that need the whole answer at its end. */
class GuardedStream implements StreamGuard {
  private readonly texts = new Map<number, string>();
  private overflow = false;

  constructor(
    private readonly masker: StreamMasker | undefined,
    private readonly atEnd: readonly BuiltGuardrail[],
    private readonly request: ChatRequest,
    private readonly signal: AbortSignal,
    private readonly requestId: string,
  ) {}

  async push(batch: ChatEvent[]): Promise<ChatEvent[]> {
    const out = this.masker === undefined ? batch : this.masker.push(batch);
    if (this.atEnd.length > 0) this.keep(out);
    return out;
  }

  async end(): Promise<ChatEvent[]> {
    const out = this.masker === undefined ? [] : this.masker.end();
    if (this.atEnd.length === 0) return out;
    this.keep(out);
    const choices = [...this.texts.entries()].sort(([a], [b]) => a - b);
    const response: ChatResponse = {
      id: "",
      model: this.request.model,
      created: 0,
      choices: choices.map(([index, content]) => ({ index, message: { content }, finishReason: "stop" })),
    };
    for (const guardrail of this.atEnd) {
      const { config } = guardrail;
      if (this.overflow) {
        throw new GatewayError(
          "guardrail_violation",
          `Blocked by guardrail '${config.name}': the answer is too long to check.`,
          { reason: "guardrail_violation" },
        );
      }
      if (config.type === "json_schema")
        checkStructuredOutput(
          config,
          this.request,
          choices.map(([, text]) => text),
        );
      const decide = guardrail.decide?.post;
      if (decide !== undefined) {
        const decision = await decideWithin(config, this.signal, (inner) =>
          decide(inputOf(config, "post_call", this.request, this.requestId, response), inner),
        );
        // What was streamed cannot be rewritten: a mask counts as a block here.
        applyDecision(config, decision, this.request, response, false);
      }
    }
    return out;
  }

  private keep(events: readonly ChatEvent[]): void {
    for (const event of events) {
      if (event.type !== "text-delta") continue;
      const text = (this.texts.get(event.choice) ?? "") + event.text;
      if (text.length > MAX_CHECKED_ANSWER_CHARS) {
        this.overflow = true;
        continue;
      }
      this.texts.set(event.choice, text);
    }
  }
}

/** Masks a message's text (string or text parts) and its tool-call arguments in place; throws on a block. */
function maskMessage(rules: readonly TextRule[], message: Message): void {
  const where = message.role === "tool" ? "tool result" : "prompt";
  if (typeof message.content === "string") message.content = maskText(rules, message.content, where);
  else if (message.content !== null) {
    for (const part of message.content)
      if (part.type === "text") part.text = maskText(rules, part.text, where);
  }
  for (const call of message.toolCalls ?? []) call.arguments = maskText(rules, call.arguments, where);
}
