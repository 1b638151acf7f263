// Response shapes for the fake upstream, modelled field for field on the recordings in
// test/fixtures/conformance (openai/chat-basic.json, openai/chat-stream-text.chunks.jsonl,
// anthropic/messages-basic.json, anthropic/messages-stream-text.sse). They are embedded here so that the benchmark
// runs on a clone without the shared corpus; only the generated text differs from the recordings.

/** Words the generated text is made of (taken from the recorded chat-basic.json answer). */
const WORDS = (
  "Galaxy Day celebrates the universe's vastness, beauty, and our collective curiosity about the cosmos. " +
  "It's a time to honor science, imagination, and our shared human wonder about the stars and beyond."
).split(" ");

/**
 * The text delta carried by content event `index` of a stream. The stream client recomputes it to check that every
 * event arrived once, in order.
 */
export function streamToken(index) {
  return " " + WORDS[index % WORDS.length];
}

/** Text of about `bytes` bytes for unary answers (the "response size" knob). */
export function answerText(bytes) {
  let text = "";
  let index = 0;
  while (text.length < bytes) {
    text += (index === 0 ? "" : " ") + WORDS[index % WORDS.length];
    index += 1;
  }
  return text.slice(0, Math.max(1, bytes));
}

const OPENAI_ID = "chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU";
const OPENAI_MODEL = "gpt-4.1-nano-2025-04-14";
const CREATED = 1770933883;

function openAiUsage(completionTokens) {
  return {
    prompt_tokens: 16,
    completion_tokens: completionTokens,
    total_tokens: 16 + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** A non-streaming /v1/chat/completions body (shape of openai/chat-basic.json). */
export function openAiCompletion(contentBytes) {
  const content = answerText(contentBytes);
  return {
    id: OPENAI_ID,
    object: "chat.completion",
    created: CREATED,
    model: OPENAI_MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: openAiUsage(Math.ceil(content.length / 4)),
    service_tier: "default",
    system_fingerprint: "fp_de604bd877",
  };
}

function openAiChunk(delta, finishReason) {
  return {
    id: OPENAI_ID,
    object: "chat.completion.chunk",
    created: CREATED,
    model: OPENAI_MODEL,
    service_tier: "default",
    system_fingerprint: "fp_de604bd877",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  };
}

/**
 * The SSE events of an OpenAI chat stream with `chunks` JSON events: `chunks - 1` content deltas (the first also
 * carries the role) and a final empty delta with finish_reason "stop", as in the recording; then an optional usage
 * chunk (when the request asked for stream_options.include_usage) and `data: [DONE]`.
 */
export function openAiStreamEvents(chunks, includeUsage) {
  const contentEvents = Math.max(1, chunks - 1);
  const events = [];
  for (let index = 0; index < contentEvents; index += 1) {
    const delta =
      index === 0 ? { role: "assistant", content: streamToken(0) } : { content: streamToken(index) };
    events.push(`data: ${JSON.stringify(openAiChunk(delta, null))}\n\n`);
  }
  events.push(`data: ${JSON.stringify(openAiChunk({}, "stop"))}\n\n`);
  if (includeUsage) {
    const usageChunk = { ...openAiChunk({}, null), choices: [], usage: openAiUsage(contentEvents) };
    events.push(`data: ${JSON.stringify(usageChunk)}\n\n`);
  }
  events.push("data: [DONE]\n\n");
  return events;
}

const ANTHROPIC_ID = "msg_01VdEjxAP5ahtHKrrRdNBteQ";
const ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929";

/** A non-streaming /v1/messages body (shape of anthropic/messages-basic.json). */
export function anthropicMessage(contentBytes) {
  const text = answerText(contentBytes);
  return {
    model: ANTHROPIC_MODEL,
    id: ANTHROPIC_ID,
    type: "message",
    role: "assistant",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: 12,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: Math.ceil(text.length / 4),
      service_tier: "standard",
    },
  };
}

function anthropicEvent(payload) {
  return `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/**
 * The SSE writes of an Anthropic Messages stream (shape of anthropic/messages-stream-text.sse) carrying the same
 * `chunks - 1` content tokens as an OpenAI stream of `chunks` events, in the same number of writes: the opening
 * framing (message_start, content_block_start, ping) goes out with the first text delta and the closing framing
 * (content_block_stop, message_delta, message_stop) is the last write, so that time to first token and the spacing of
 * tokens are the same on both paths.
 */
export function anthropicStreamEvents(chunks) {
  const textEvents = Math.max(1, chunks - 1);
  const delta = (index) =>
    anthropicEvent({
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: streamToken(index) },
    });
  const opening =
    anthropicEvent({
      type: "message_start",
      message: {
        id: ANTHROPIC_ID,
        type: "message",
        role: "assistant",
        content: [],
        model: ANTHROPIC_MODEL,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 11, output_tokens: 1 },
      },
    }) +
    anthropicEvent({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }) +
    anthropicEvent({ type: "ping" });
  const writes = [opening + delta(0)];
  for (let index = 1; index < textEvents; index += 1) writes.push(delta(index));
  writes.push(
    anthropicEvent({ type: "content_block_stop", index: 0 }) +
      anthropicEvent({
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: textEvents },
      }) +
      anthropicEvent({ type: "message_stop" }),
  );
  return writes;
}

/** OpenAI-shaped error body for injected errors. */
export function openAiError(status) {
  const type =
    status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message: `injected ${status} from the fake upstream`, type, param: null, code: null } };
}

/** Anthropic-shaped error body for injected errors. */
export function anthropicError(status) {
  const type = status === 429 ? "rate_limit_error" : status === 529 ? "overloaded_error" : "api_error";
  return { type: "error", error: { type, message: `injected ${status} from the fake upstream` } };
}
