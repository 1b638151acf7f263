import type { ChatEvent } from "../core/types/chat.js";
import type { UpstreamEventStream } from "../core/types/provider.js";

/**
 * Yields the committed first batch, then the rest; stopping early aborts the upstream request. `onEnd` runs once
 * with the total tokens the stream reported (for tpm accounting and the in-flight lease).
 */
export async function* relay(
  stream: UpstreamEventStream,
  onEnd: (totalTokens: number | undefined) => void,
): AsyncGenerator<ChatEvent[]> {
  let completed = false;
  let total: number | undefined;
  const watch = (batch: ChatEvent[]) => {
    for (const event of batch) if (event.type === "usage") total = event.usage.totalTokens;
  };
  try {
    watch(stream.first);
    yield stream.first;
    while (true) {
      const next = await stream.rest.next();
      if (next.done) break;
      watch(next.value);
      yield next.value;
    }
    completed = true;
  } finally {
    if (!completed) stream.abort();
    onEnd(total);
  }
}
