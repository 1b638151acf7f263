import type { GuardrailConfig } from "../config/guardrail-config.js";
import { holdsSecret, registeredSecretCount } from "../shared/secret-scrubber.js";
import { API_KEY, API_KEY_PREFILTER } from "./pii.js";
import { regexRule, type TextMatch, type TextRule } from "./text-rules.js";

/**
 * Secret detection: credentials must not be sent to a provider (or, post_call, shown to a caller). Provider and
 * platform key shapes, PEM private keys, JWTs, AWS secret keys next to their name, passwords in URLs and
 * `password=…`-style assignments, and every secret this gateway itself holds (provider keys, the master key:
 * the process-wide scrubber's registered values).
 */
const PEM =
  /-----BEGIN (?:[A-Z]{1,20} )?PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,10000}?(?:-----END (?:[A-Z]{1,20} )?PRIVATE KEY(?: BLOCK)?-----|$)/g;
const AWS_SECRET =
  /(?<=aws_?secret_?(?:access_?)?key["']?\s{0,4}[:=]\s{0,4}["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi;
const URL_PASSWORD = /(?<=\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,100}:)[^\s@/]{3,200}(?=@)/gi;
const ASSIGNMENT =
  /(?<=\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)["']?\s{0,4}[:=]\s{0,4}["']?)[^\s"',;]{8,200}/gi;

export function secretRules(config: GuardrailConfig): TextRule[] {
  const base = { guardrail: config.name, label: "SECRET", action: config.action };
  const rules = [
    regexRule(
      { ...base, description: "an API key" },
      new RegExp(API_KEY.source, "g"),
      undefined,
      API_KEY_PREFILTER,
    ),
    regexRule(
      { ...base, description: "a private key" },
      new RegExp(PEM.source, "g"),
      undefined,
      "PRIVATE KEY",
    ),
    regexRule(
      { ...base, description: "an AWS secret key" },
      new RegExp(AWS_SECRET.source, "gi"),
      undefined,
      /aws_?secret/i,
    ),
    regexRule(
      { ...base, description: "a password in a URL" },
      new RegExp(URL_PASSWORD.source, "gi"),
      undefined,
      "://",
    ),
    regexRule(
      { ...base, description: "a credential" },
      new RegExp(ASSIGNMENT.source, "gi"),
      undefined,
      /password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token/i,
    ),
  ];
  // The gateway's own secrets: the scrubber knows them (and credential shapes beyond ours); a text that holds one
  // is matched whole.
  const registered: TextRule = {
    ...base,
    description: "a credential of this gateway",
    find(text: string, out: TextMatch[]) {
      if (registeredSecretCount() === 0 || out.some((match) => match.rule.guardrail === config.name)) return;
      if (holdsSecret(text)) out.push({ start: 0, end: text.length, rule: registered });
    },
  };
  rules.push(registered);
  return rules;
}
