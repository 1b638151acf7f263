import { asArray, asObject } from "../shared/json.js";

/**
 * Azure OpenAI speaks OpenAI's wire. Its one stream difference: the first chunk (and sometimes others) carries
 * only `prompt_filter_results` with `choices: []`, an empty id and model and `created: 0`. It holds nothing for
 * the caller and must not become the response-start.
 */
export function isPromptFilterOnlyChunk(chunk: unknown): boolean {
  const root = asObject(chunk);
  if (root === undefined) return false;
  const choices = asArray(root["choices"]);
  return (
    root["prompt_filter_results"] !== undefined &&
    (choices === undefined || choices.length === 0) &&
    (root["usage"] === undefined || root["usage"] === null)
  );
}

/** The default `api-version` when neither the deployment nor AZURE_API_VERSION sets one (latest GA data plane). */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";
