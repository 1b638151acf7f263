import { checks, type OptionRule, type ProviderOptionsPolicy } from "../shared/provider-options.js";

const NUMBER: OptionRule = { check: checks.number };
const BOOLEAN: OptionRule = { check: checks.boolean };

/**
 * What callers may add to an Ollama `/api/chat` body (GUARDS 8b): `keep_alive`, and under `options` the
 * runtime knobs Ollama documents (docs/modelfile.md, "PARAMETER") that the request does not model. Refused:
 * `model`, `messages`, `stream`, `tools`, `format`, `think`, `template`/`system`/`raw` (they rewrite the prompt)
 * and, under `options`, `num_predict` (the token limit) and every modelled sampling field.
 */
export function ollamaOptions(provider: string): ProviderOptionsPolicy {
  return {
    provider,
    namespaces: provider === "ollama" ? ["ollama"] : [provider, "ollama"],
    allowed: {
      keep_alive: {
        check: (value) =>
          typeof value === "number" || (typeof value === "string" && value.length <= 32)
            ? undefined
            : "it must be a duration",
      },
      options: {
        keys: {
          num_ctx: NUMBER,
          num_keep: NUMBER,
          num_batch: NUMBER,
          num_gpu: NUMBER,
          main_gpu: NUMBER,
          num_thread: NUMBER,
          mirostat: NUMBER,
          mirostat_eta: NUMBER,
          mirostat_tau: NUMBER,
          repeat_last_n: NUMBER,
          repeat_penalty: NUMBER,
          min_p: NUMBER,
          tfs_z: NUMBER,
          typical_p: NUMBER,
          penalize_newline: BOOLEAN,
          low_vram: BOOLEAN,
          use_mmap: BOOLEAN,
          use_mlock: BOOLEAN,
          numa: BOOLEAN,
        },
      },
    },
  };
}
