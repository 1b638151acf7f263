import { z } from "zod";

/**
 * Ollama native chat API (`POST /api/chat`) wire types. Streams are NDJSON; every line is a chunk of the same
 * shape as the non-streaming answer, the last one with `done: true` and the counters.
 */

export interface OllamaToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

export type OllamaMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string; images?: string[] }
  | { role: "assistant"; content: string; thinking?: string; tool_calls?: OllamaToolCall[] }
  | { role: "tool"; content: string; tool_name?: string };

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  /** Ollama streams by default, so this is always sent. */
  stream: boolean;
  tools?: {
    type: "function";
    function: { name: string; description?: string; parameters: Record<string, unknown> };
  }[];
  format?: "json" | Record<string, unknown>;
  options?: Record<string, unknown>;
  think?: boolean;
  [extra: string]: unknown;
}

export const ollamaChunkSchema = z.object({
  model: z.string().nullish(),
  created_at: z.string().nullish(),
  message: z
    .object({
      content: z.string().nullish(),
      thinking: z.string().nullish(),
      tool_calls: z
        .array(
          z.object({
            id: z.string().nullish(),
            function: z.object({ name: z.string(), arguments: z.unknown().optional() }),
          }),
        )
        .nullish(),
    })
    .nullish(),
  done: z.boolean().nullish(),
  done_reason: z.string().nullish(),
  prompt_eval_count: z.number().nullish(),
  eval_count: z.number().nullish(),
  error: z.unknown().optional(),
});
export type OllamaChunk = z.infer<typeof ollamaChunkSchema>;
