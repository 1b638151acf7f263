import { isIPv4, isIPv6 } from "node:net";
import type { GuardrailAction, GuardrailConfig, PiiEntity } from "../config/guardrail-config.js";
import { PII_ENTITIES } from "../config/guardrail-config.js";
import { regexRule, type TextRule } from "./text-rules.js";

/**
 * PII detectors, by Presidio's entity names. Each is a bounded regular expression for candidates and a
 * validator that keeps false positives down: a Luhn check and an issuer prefix for card numbers, ISO 7064
 * mod-97 for IBANs, Node's own address parser for IPs (plus "this is a version string" context), separators or a
 * leading + for phone numbers (a bare digit run is an order number). The corpus in
 * test/fixtures/guardrails/ measures what is caught and what is wrongly caught.
 */

const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
/** File extensions after an `@` are retina image names (icon@2x.png), not mail domains. */
const FILE_TLDS = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "pdf", "js", "css"]);

const PHONE =
  /(?<![\w+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,8}){1,4}(?![\w]|[.-]\d)|(?<![\w+])\+\d{8,15}(?!\w)/g;
const DATE_LIKE = /^\d{4}[-.]\d{2}[-.]\d{2}$|^\d{2}[-.]\d{2}[-.]\d{4}$/;

const CARD = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g;
const CARD_ISSUER = /^(?:4|5[1-5]|2[2-7]|3[47]|3[0689]|35|6(?:011|5|4[4-9]|22))/;

const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const VERSION_CONTEXT = /(?:\bv|\bver\.?|\bversion|\brelease|\bbuild|\bsdk|\bnode|\bpython|\bchrome)\s*$/i;
const IPV6 =
  /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;

/** Provider and platform credential shapes (also used by secret detection). */
export const API_KEY =
  /(?<![A-Za-z0-9_-])(?:sk-(?:proj-|ant-(?:api\d{2}-)?|svcacct-)?[A-Za-z0-9_-]{20,200}|sk_(?:live|test)_[A-Za-z0-9]{16,200}|rk_(?:live|test)_[A-Za-z0-9]{16,200}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abposr]-[A-Za-z0-9-]{10,200}|glpat-[A-Za-z0-9_-]{20,100}|hf_[A-Za-z0-9]{30,100}|eyJ[A-Za-z0-9_-]{10,2000}\.eyJ[A-Za-z0-9_-]{10,4000}\.[A-Za-z0-9_-]{10,2000})(?![A-Za-z0-9_-])/g;

/** Luhn's check digit test over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ISO 13616 / ISO 7064 mod-97-10: the IBAN with its first four characters moved to the end, as a number, is 1 mod 97. */
export function ibanValid(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 && code <= 90 ? code - 55 : code - 48;
    if (value < 0 || value > 35) return false;
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** Every API-key shape holds one of these. */
export const API_KEY_PREFILTER = /sk-|sk_|rk_|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|xox|glpat-|hf_|eyJ/;

const DETECTORS: Record<
  PiiEntity,
  {
    description: string;
    pattern: RegExp;
    accept?: (candidate: string, text: string, start: number) => boolean;
    prefilter?: string | RegExp;
  }
> = {
  EMAIL_ADDRESS: {
    description: "an email address",
    pattern: EMAIL,
    prefilter: "@",
    accept: (candidate) => !FILE_TLDS.has(candidate.slice(candidate.lastIndexOf(".") + 1).toLowerCase()),
  },
  PHONE_NUMBER: {
    description: "a phone number",
    pattern: PHONE,
    prefilter: /\d[ .-]?\d/,
    accept: (candidate) => {
      const digits = candidate.replace(/\D/g, "");
      const international = candidate.startsWith("+");
      if (digits.length < (international ? 8 : 10) || digits.length > 15) return false;
      if (DATE_LIKE.test(candidate)) return false;
      // Dotted groups of at most three digits are versions or addresses, not phone numbers.
      if (!international && /^\d{1,3}(?:\.\d{1,3})+$/.test(candidate)) return false;
      return true;
    },
  },
  CREDIT_CARD: {
    description: "a payment card number",
    pattern: CARD,
    accept: (candidate) => {
      const digits = candidate.replace(/[ -]/g, "");
      return digits.length >= 13 && digits.length <= 19 && CARD_ISSUER.test(digits) && luhnValid(digits);
    },
  },
  IBAN_CODE: {
    description: "an IBAN",
    pattern: IBAN,
    accept: (candidate) => ibanValid(candidate.replace(/ /g, "")),
  },
  IP_ADDRESS: {
    description: "an IP address",
    pattern: new RegExp(`${IPV4.source}|${IPV6.source}`, "g"),
    prefilter: /\d\.\d{1,3}\.|:[0-9A-Fa-f]{0,4}:/,
    accept: (candidate, text, start) => {
      if (candidate.includes(":")) {
        if (!isIPv6(candidate) || !/[0-9A-Fa-f]/.test(candidate)) return false;
        return candidate.includes("::") || candidate.split(":").length >= 7;
      }
      if (!isIPv4(candidate)) return false;
      return !VERSION_CONTEXT.test(text.slice(Math.max(0, start - 16), start));
    },
  },
  API_KEY: { description: "an API key", pattern: API_KEY, prefilter: API_KEY_PREFILTER },
};

/** The rules of a `pii` guardrail: the configured entities (default: all), each with its action. */
export function piiRules(config: GuardrailConfig): TextRule[] {
  const configured = Object.keys(config.entities) as PiiEntity[];
  const entities: PiiEntity[] = configured.length > 0 ? configured : [...PII_ENTITIES];
  return entities.map((entity) => {
    const detector = DETECTORS[entity];
    const action: GuardrailAction = config.entities[entity] ?? config.action;
    return regexRule(
      { guardrail: config.name, label: entity, description: detector.description, action },
      new RegExp(detector.pattern.source, "g"),
      detector.accept,
      detector.prefilter,
    );
  });
}
