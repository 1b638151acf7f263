import { asArray, asObject, asString, type JsonObject } from "../shared/json.js";

/**
 * Mistral speaks OpenAI's Chat Completions wire with a few differences, normalised here so that the OpenAI
 * parsers can read it: Magistral returns `content` as an array of typed chunks (`thinking` chunks holding text
 * parts, then `text` chunks) instead of a string.
 */

function textOfParts(parts: unknown[] | undefined): string {
  let text = "";
  for (const item of parts ?? []) {
    const part = asObject(item);
    if (part?.["type"] === "text") text += asString(part["text"]) ?? "";
  }
  return text;
}

/**
 * Rewrites a message or delta whose `content` is a chunk array into OpenAI's shape: text chunks joined as
 * `content`, thinking chunks joined as `reasoning_content`. Returns the object unchanged otherwise.
 */
export function normaliseMistralContent(message: JsonObject): JsonObject {
  const parts = asArray(message["content"]);
  if (parts === undefined) return message;
  let text = "";
  let thinking = "";
  let sawText = false;
  for (const item of parts) {
    const part = asObject(item);
    if (part === undefined) continue;
    if (part["type"] === "text") {
      sawText = true;
      text += asString(part["text"]) ?? "";
    } else if (part["type"] === "thinking") {
      const inner = part["thinking"];
      thinking += typeof inner === "string" ? inner : textOfParts(asArray(inner));
    }
  }
  const out: JsonObject = { ...message, content: sawText ? text : null };
  if (thinking !== "") out["reasoning_content"] = thinking;
  return out;
}

/** Applies normaliseMistralContent to every choice's `message` and `delta` of a response or chunk. */
export function normaliseMistralBody(body: unknown): unknown {
  const root = asObject(body);
  const choices = asArray(root?.["choices"]);
  if (root === undefined || choices === undefined) return body;
  return {
    ...root,
    choices: choices.map((item) => {
      const choice = asObject(item);
      if (choice === undefined) return item;
      const out: JsonObject = { ...choice };
      const message = asObject(choice["message"]);
      if (message !== undefined) out["message"] = normaliseMistralContent(message);
      const delta = asObject(choice["delta"]);
      if (delta !== undefined) out["delta"] = normaliseMistralContent(delta);
      return out;
    }),
  };
}
