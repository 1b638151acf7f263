/**
 * Recorded Gemini requests come from other SDKs (pydantic-ai's google-genai, js-genai) that spell some fields
 * differently from us: upper-case OpenAPI types (`OBJECT`), snake_case keys (`file_uri`, `thinking_budget`),
 * a `role` on systemInstruction. The API accepts both spellings; this normalises a recorded body to ours so
 * that the comparison is about content, and each test states any remaining, deliberate difference.
 */
/** Only the API's own field names are renamed; user data (e.g. a tool result's keys) is left alone. */
const RENAMED: Record<string, string> = {
  parameters_json_schema: "parameters",
  file_uri: "fileUri",
  mime_type: "mimeType",
  thinking_budget: "thinkingBudget",
};

export function normalizeGeminiBody(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeGeminiBody);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    const camel = RENAMED[key] ?? key;
    out[camel] =
      key === "type" && typeof entry === "string" ? entry.toLowerCase() : normalizeGeminiBody(entry);
  }
  const system = out["systemInstruction"];
  if (typeof system === "object" && system !== null) delete (system as Record<string, unknown>)["role"];
  return out;
}
