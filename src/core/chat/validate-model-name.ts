import { invalidRequest } from "../errors/gateway-error.js";

/** The longest model name we accept (the longest real ones, Bedrock ARNs, stay well under 200). */
export const MAX_MODEL_NAME_LENGTH = 256;

/**
 * Visible ASCII only (0x21–0x7E): every real model name fits (`openai/gpt-4o-mini`,
 * `bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0`, `ollama/llama3:8b`, `vertex_ai/gemini-1.5-pro@001`,
 * `huggingface/org/model`, ARNs, fine-tune ids `ft:gpt-4o-mini:org::id`), and nothing that can break a header
 * (CR, LF, NUL, non-Latin-1), a log line or a URL hides in it.
 */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Checks a model name a caller sent, before it is routed, metered or sent anywhere (GUARDS 8b): 1–256 visible
 * ASCII characters, no `.` or `..` path segment and no empty segment (`a//b`, a leading or trailing `/`), which
 * no real name has and which a wildcard deployment would otherwise carry into an upstream URL path. Throws a 400
 * naming `param`. Both edges call it (REST with `model`, Connect with `request.model`).
 */
export function validateModelName(model: string, param = "model"): void {
  if (model.length === 0) throw invalidRequest(`'${param}' is required.`, param);
  if (model.length > MAX_MODEL_NAME_LENGTH) {
    throw invalidRequest(`'${param}' must be at most ${MAX_MODEL_NAME_LENGTH} characters.`, param);
  }
  if (!VISIBLE_ASCII.test(model)) {
    throw invalidRequest(
      `'${param}' may only hold visible ASCII characters (no spaces, control characters or non-ASCII).`,
      param,
    );
  }
  for (const segment of model.split("/")) {
    if (segment === "." || segment === ".." || segment.length === 0) {
      throw invalidRequest(`'${param}' must not hold '.', '..' or empty path segments.`, param);
    }
  }
}
