import type { ChatEvent } from "../core/types/chat.js";
import type { OpenAIChunkWriter } from "../rest/to-openai.js";
import { toLibraryError } from "./errors.js";
import type { ChatCompletionChunk } from "./types.js";

/**
 * A streamed completion: an async iterable of `chat.completion.chunk` objects, one per upstream chunk. Leaving the
 * loop early (`break`), calling `abort()`, or the call's AbortSignal firing cancels the upstream request.
 */
export class CompletionStream implements AsyncIterable<ChatCompletionChunk> {
  private pending: ChatCompletionChunk[] = [];
  private finished = false;

  constructor(
    private readonly events: AsyncIterator<ChatEvent[]>,
    private readonly writer: OpenAIChunkWriter,
  ) {}

  /** Stops the stream and aborts its upstream request. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.pending = [];
    await this.events.return?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    return {
      next: async () => {
        while (this.pending.length === 0) {
          if (this.finished) return { done: true, value: undefined };
          let next: IteratorResult<ChatEvent[]>;
          try {
            next = await this.events.next();
          } catch (error) {
            this.finished = true;
            throw toLibraryError(error);
          }
          if (next.done === true) {
            this.finished = true;
            break;
          }
          this.pending.push(...(this.writer.render(next.value) as unknown as ChatCompletionChunk[]));
        }
        const value = this.pending.shift();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return: async () => {
        await this.abort();
        return { done: true, value: undefined };
      },
    };
  }
}
