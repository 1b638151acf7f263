import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import type { ConfigLeaves } from "./config-leaves.js";

/**
 * The top-level `guardrails:` list, as LiteLLM spells it (`guardrail_name`, `litellm_params.guardrail`, `mode`,
 * `default_on`), turned into typed GuardrailConfig values. Strict: an unknown key, an unknown guardrail type, a
 * key that does not apply to the type, or a regular expression that could backtrack without bound is a startup
 * error, because a guardrail silently weakened is worse than a gateway that does not start. docs/guardrails.md.
 */

export const GUARDRAIL_MODES = ["pre_call", "during_call", "post_call"] as const;
export type GuardrailMode = (typeof GUARDRAIL_MODES)[number];

/** Switchboard's built-in and custom guardrail types. */
export const GUARDRAIL_TYPES = [
  "pii",
  "secret_detection",
  "banned_words",
  "limits",
  "json_schema",
  "http",
  "custom",
] as const;
export type GuardrailType = (typeof GUARDRAIL_TYPES)[number];

/** LiteLLM's names for the same things, accepted so a LiteLLM config keeps its meaning. */
const TYPE_ALIASES: Record<string, GuardrailType> = {
  presidio: "pii",
  "hide-secrets": "secret_detection",
  hide_secrets: "secret_detection",
  generic_guardrail_api: "http",
};

/** PII entities, by Presidio's names (LiteLLM's `pii_entities_config` keys). */
export const PII_ENTITIES = [
  "EMAIL_ADDRESS",
  "PHONE_NUMBER",
  "CREDIT_CARD",
  "IBAN_CODE",
  "IP_ADDRESS",
  "API_KEY",
] as const;
export type PiiEntity = (typeof PII_ENTITIES)[number];

export type GuardrailAction = "mask" | "block";

export interface GuardrailConfig {
  name: string;
  type: GuardrailType;
  modes: readonly GuardrailMode[];
  /** Runs on every request unless the request turns it off (and it allows that). */
  defaultOn: boolean;
  /** A request may turn this guardrail off (`guardrails: {name: false}`) unless its key or team enforces it. */
  allowRequestOptOut: boolean;
  /** pii, secret_detection, banned_words: what a match does. */
  action: GuardrailAction;
  /** pii: the entities to look for and what each does (default: every entity, with `action`). */
  entities: Partial<Record<PiiEntity, GuardrailAction>>;
  /** banned_words: literal words or phrases (case-insensitive, whole words). */
  bannedWords: readonly string[];
  /** banned_words: regular expressions, checked at startup for unbounded backtracking. */
  bannedPatterns: readonly string[];
  /** limits. */
  maxPromptChars: number | undefined;
  maxMessages: number | undefined;
  maxTools: number | undefined;
  /** json_schema: the schema answers must satisfy; absent: the request's own `response_format` schema. */
  jsonSchema: Record<string, unknown> | undefined;
  /** http: where to POST, and with what credential. */
  apiBase: string | undefined;
  apiKey: string | undefined;
  headers: Record<string, string>;
  /** http and custom: how long the guardrail may take. */
  timeoutMs: number;
  /** http and custom: what an error or a timeout means. Default false: the request is refused (fail closed). */
  failOpen: boolean;
  /** custom: absolute path of the ES module exporting `preCall` and/or `postCall`. */
  modulePath: string | undefined;
  /** Streams: how many characters of generated text may be held back so that a match split across chunks is seen whole. */
  streamHoldChars: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_STREAM_HOLD_CHARS = 256;
const MAX_STREAM_HOLD_CHARS = 4_096;

/** Which `litellm_params` keys each type takes (besides guardrail, mode, default_on, allow_request_opt_out). */
const KEYS_OF: Record<GuardrailType, readonly string[]> = {
  pii: ["action", "pii_entities_config", "stream_hold_chars"],
  secret_detection: ["action", "stream_hold_chars"],
  banned_words: ["action", "banned_words", "banned_regex", "stream_hold_chars"],
  limits: ["max_prompt_chars", "max_messages", "max_tools"],
  json_schema: ["json_schema"],
  http: ["api_base", "api_key", "headers", "timeout", "fail_open"],
  custom: ["module", "timeout", "fail_open"],
};

/** The modes each type can run in. */
const MODES_OF: Record<GuardrailType, readonly GuardrailMode[]> = {
  pii: ["pre_call", "during_call", "post_call"],
  secret_detection: ["pre_call", "during_call", "post_call"],
  banned_words: ["pre_call", "during_call", "post_call"],
  limits: ["pre_call", "during_call"],
  json_schema: ["post_call"],
  http: ["pre_call", "during_call", "post_call"],
  custom: ["pre_call", "during_call", "post_call"],
};

const DEFAULT_MODES: Record<GuardrailType, readonly GuardrailMode[]> = {
  pii: ["pre_call"],
  secret_detection: ["pre_call"],
  banned_words: ["pre_call"],
  limits: ["pre_call"],
  json_schema: ["post_call"],
  http: ["pre_call"],
  custom: ["pre_call"],
};

/** The zod schema of one `guardrails:` entry (values resolved; cross-field rules are checked by buildGuardrails). */
export function createGuardrailEntrySchema(
  leaf: ConfigLeaves,
  nested: <Shape extends z.ZodRawShape>(name: string, shape: Shape) => z.ZodObject<Shape, z.core.$strict>,
) {
  const action = leaf.oneOf(["mask", "block"] as const);
  const entityAction = leaf.oneOf(["MASK", "BLOCK", "mask", "block"] as const);
  const params = nested("guardrails[].litellm_params", {
    guardrail: leaf.string(),
    mode: z.union([leaf.oneOf(GUARDRAIL_MODES), z.array(leaf.oneOf(GUARDRAIL_MODES)).min(1)]).optional(),
    default_on: leaf.boolean().optional(),
    allow_request_opt_out: leaf.boolean().optional(),
    action: action.optional(),
    pii_entities_config: z.partialRecord(z.enum(PII_ENTITIES), entityAction).optional(),
    stream_hold_chars: leaf.positiveCount().optional(),
    banned_words: z.array(leaf.string()).max(10_000).optional(),
    banned_regex: z.array(leaf.string()).max(1_000).optional(),
    max_prompt_chars: leaf.positiveCount().optional(),
    max_messages: leaf.positiveCount().optional(),
    max_tools: leaf.count().optional(),
    json_schema: leaf.jsonObject().optional(),
    api_base: leaf.httpUrl().optional(),
    api_key: leaf.string().optional(),
    headers: z.record(z.string().min(1), leaf.scalarString()).optional(),
    timeout: leaf.positive().optional(),
    fail_open: leaf.boolean().optional(),
    module: leaf.string().optional(),
  });
  return nested("guardrails[]", {
    guardrail_name: leaf.string(),
    litellm_params: params,
    default_on: leaf.boolean().optional(),
    // Shown by LiteLLM's GET /guardrails/list; accepted and not served here.
    guardrail_info: z.unknown().optional(),
  });
}

export type RawGuardrailEntry = z.output<ReturnType<typeof createGuardrailEntrySchema>>;

/** Typed guardrails from the raw list; problems are pushed with their paths (the load fails if any). */
export function buildGuardrails(
  entries: readonly RawGuardrailEntry[],
  cwd: string,
  problems: string[],
): GuardrailConfig[] {
  const out: GuardrailConfig[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const at = `guardrails[${index}]`;
    const name = entry.guardrail_name;
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
      problems.push(
        `${at}.guardrail_name: 1..64 letters, digits and _ . : - (it is used as a name in requests)`,
      );
      return;
    }
    if (seen.has(name)) {
      problems.push(`${at}.guardrail_name: '${name}' is defined twice`);
      return;
    }
    seen.add(name);
    const params = entry.litellm_params;
    const given = params.guardrail;
    const type = (GUARDRAIL_TYPES as readonly string[]).includes(given)
      ? (given as GuardrailType)
      : TYPE_ALIASES[given];
    if (type === undefined) {
      problems.push(
        `${at}.litellm_params.guardrail: '${given}' is not supported; use one of ${GUARDRAIL_TYPES.join(", ")} (a vendor API can be reached with 'http')`,
      );
      return;
    }
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      if (["guardrail", "mode", "default_on", "allow_request_opt_out"].includes(key)) continue;
      if (!KEYS_OF[type].includes(key)) {
        problems.push(`${at}.litellm_params.${key}: does not apply to a '${type}' guardrail`);
      }
    }
    const modes =
      params.mode === undefined
        ? DEFAULT_MODES[type]
        : [...new Set(Array.isArray(params.mode) ? params.mode : [params.mode])];
    for (const mode of modes) {
      if (!MODES_OF[type].includes(mode)) {
        problems.push(`${at}.litellm_params.mode: a '${type}' guardrail cannot run ${mode}`);
      }
    }
    const actionValue = params.action ?? (type === "pii" ? "mask" : "block");
    const entities: Partial<Record<PiiEntity, GuardrailAction>> = {};
    for (const [entity, value] of Object.entries(params.pii_entities_config ?? {})) {
      if (value !== undefined) entities[entity as PiiEntity] = value.toLowerCase() as GuardrailAction;
    }
    const masks =
      type === "pii" || type === "secret_detection" || type === "banned_words"
        ? actionValue === "mask" || Object.values(entities).includes("mask")
        : false;
    if (masks && modes.includes("during_call")) {
      problems.push(
        `${at}.litellm_params.mode: during_call runs while the request is already upstream, so it can only block; mask in pre_call`,
      );
    }
    if (type === "banned_words") {
      if ((params.banned_words?.length ?? 0) + (params.banned_regex?.length ?? 0) === 0) {
        problems.push(`${at}.litellm_params: a banned_words guardrail needs banned_words or banned_regex`);
      }
      (params.banned_regex ?? []).forEach((pattern, patternIndex) => {
        const why = unsafePatternReason(pattern);
        if (why !== undefined) problems.push(`${at}.litellm_params.banned_regex[${patternIndex}]: ${why}`);
      });
    }
    if (type === "limits" && params.max_prompt_chars === undefined && params.max_messages === undefined) {
      if (params.max_tools === undefined) {
        problems.push(
          `${at}.litellm_params: a limits guardrail needs max_prompt_chars, max_messages or max_tools`,
        );
      }
    }
    if (type === "http" && params.api_base === undefined) {
      problems.push(`${at}.litellm_params.api_base: required for an http guardrail`);
    }
    if (type === "custom" && params.module === undefined) {
      problems.push(`${at}.litellm_params.module: required for a custom guardrail (path of an ES module)`);
    }
    const hold = params.stream_hold_chars ?? DEFAULT_STREAM_HOLD_CHARS;
    if (hold > MAX_STREAM_HOLD_CHARS) {
      problems.push(`${at}.litellm_params.stream_hold_chars: at most ${MAX_STREAM_HOLD_CHARS}`);
    }
    out.push({
      name,
      type,
      modes,
      defaultOn: params.default_on ?? entry.default_on ?? false,
      allowRequestOptOut: params.allow_request_opt_out ?? false,
      action: actionValue,
      entities,
      bannedWords: params.banned_words ?? [],
      bannedPatterns: params.banned_regex ?? [],
      maxPromptChars: params.max_prompt_chars,
      maxMessages: params.max_messages,
      maxTools: params.max_tools,
      jsonSchema: params.json_schema,
      apiBase: params.api_base,
      apiKey: params.api_key,
      headers: params.headers ?? {},
      timeoutMs: Math.round((params.timeout ?? DEFAULT_TIMEOUT_MS / 1000) * 1000),
      failOpen: params.fail_open ?? false,
      modulePath:
        params.module === undefined
          ? undefined
          : isAbsolute(params.module)
            ? params.module
            : resolve(cwd, params.module),
      streamHoldChars: Math.min(hold, MAX_STREAM_HOLD_CHARS),
    });
  });
  return out;
}

const MAX_PATTERN_LENGTH = 512;

/**
 * Why a configured regular expression is refused, or undefined when it is accepted. JavaScript's engine
 * backtracks, so patterns are restricted to a shape that cannot blow up: no backreferences, no lookaround, and
 * no quantified group that itself holds a quantifier or an alternation (`(a+)+`, `(a|ab)*`), bounded repeats at
 * most 1000; texts are also scanned in bounded windows (banned-words.ts). Then it must compile.
 */
export function unsafePatternReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(pattern))
    return "backreferences are not allowed (they can backtrack without bound)";
  if (/\(\?<?[=!]/.test(pattern)) return "lookaround is not allowed";
  // Walk groups: for each group, whether it holds a quantifier or an alternation; refuse it when quantified.
  const stack: { quantified: boolean; alternation: boolean }[] = [];
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "\\") {
      index++;
      continue;
    }
    if (inClass) {
      if (char === "]") inClass = false;
      continue;
    }
    if (char === "[") {
      inClass = true;
      continue;
    }
    if (char === "(") {
      stack.push({ quantified: false, alternation: false });
      continue;
    }
    if (char === "|") {
      const top = stack[stack.length - 1];
      if (top !== undefined) top.alternation = true;
      continue;
    }
    if (char === "*" || char === "+" || char === "{") {
      if (char === "{") {
        const bound = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(index));
        if (bound === null) continue;
        const upper =
          bound[2] === undefined
            ? Number(bound[1])
            : bound[2] === ""
              ? Number.POSITIVE_INFINITY
              : Number(bound[2]);
        if (Number.isFinite(upper) && upper > 1000) return "a bounded repeat above 1000";
      }
      const top = stack[stack.length - 1];
      if (top !== undefined) top.quantified = true;
      continue;
    }
    if (char === ")") {
      const group = stack.pop();
      if (group === undefined) return "unbalanced parentheses";
      const next = pattern[index + 1];
      const quantifiedGroup =
        next === "*" ||
        next === "+" ||
        (next === "{" &&
          /^\{\d+(,\d*)?\}/.test(pattern.slice(index + 1)) &&
          !/^\{[01]\}/.test(pattern.slice(index + 1)));
      if (quantifiedGroup && (group.quantified || group.alternation)) {
        return "a repeated group may not contain a quantifier or an alternation (it could backtrack without bound)";
      }
      // A group's own quantifiers count for the enclosing group.
      const parent = stack[stack.length - 1];
      if (parent !== undefined && (group.quantified || quantifiedGroup)) parent.quantified = true;
    }
  }
  if (stack.length > 0) return "unbalanced parentheses";
  try {
    new RegExp(pattern, "giu");
  } catch {
    return "not a valid regular expression";
  }
  return undefined;
}
