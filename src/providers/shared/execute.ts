import { Agent, errors as undiciErrors, request as undiciRequest } from "undici";
import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../../core/types/chat.js";
import type {
  AttemptLimits,
  HttpProviderAdapter,
  ProviderCallContext,
  StreamDecoder,
  UpstreamEventStream,
} from "../../core/types/provider.js";
import { DEFAULT_ATTEMPT_LIMITS } from "../../core/types/provider.js";
import { createFramer } from "./stream-framer.js";

export type { AttemptLimits, UpstreamEventStream } from "../../core/types/provider.js";
export { DEFAULT_ATTEMPT_LIMITS } from "../../core/types/provider.js";

/**
 * The only code that does upstream I/O. One undici Agent pools keep-alive connections per origin; each attempt
 * gets its own AbortController combining the caller's signal with the attempt's timeouts, so a client that
 * leaves or a deadline that passes tears down the upstream socket at once.
 */
export class UpstreamExecutor {
  private readonly agent: Agent;

  /**
   * `connectionsPerOrigin` defaults to no cap: over HTTP/1.1 every open stream holds a connection, and a cap here
   * would queue streams behind each other (limits on concurrency belong to the router and the keys).
   */
  constructor(options: { connectTimeoutMs?: number; connectionsPerOrigin?: number } = {}) {
    this.agent = new Agent({
      connect: {
        timeout: options.connectTimeoutMs ?? DEFAULT_ATTEMPT_LIMITS.connectTimeoutMs,
        noDelay: true,
      },
      ...(options.connectionsPerOrigin !== undefined ? { connections: options.connectionsPerOrigin } : {}),
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      pipelining: 1,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async complete(
    adapter: HttpProviderAdapter,
    request: ChatRequest,
    context: ProviderCallContext,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<ChatResponse> {
    const attempt = new AttemptController(signal, limits.totalTimeoutMs);
    try {
      const upstream = await adapter.buildRequest(request, context);
      const response = await this.send(upstream, attempt, limits, limits.firstByteTimeoutMs);
      const text = await readText(response.body, limits.maxResponseBytes, adapter.id);
      if (response.statusCode >= 400) throw adapter.parseError(response.statusCode, text, response.headers);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (cause) {
        throw new GatewayError(
          "upstream_protocol",
          `Provider '${adapter.id}' returned a body that is not JSON.`,
          {
            provider: adapter.id,
            upstreamStatus: response.statusCode,
            cause,
          },
        );
      }
      return adapter.parseResponse(body, context);
    } catch (error) {
      throw attempt.translate(error, adapter.id);
    } finally {
      attempt.dispose();
    }
  }

  /**
   * Starts a stream and resolves once the first event batch arrived (or rejects, retryably, before that).
   * The time-to-first-token limit covers connect, headers and the first event.
   */
  async stream(
    adapter: HttpProviderAdapter,
    request: ChatRequest,
    context: ProviderCallContext,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<UpstreamEventStream> {
    const attempt = new AttemptController(signal, limits.totalTimeoutMs);
    const firstTimer = attempt.startTimer(limits.firstByteTimeoutMs, "first token");
    let iterator: AsyncIterator<ChatEvent[]> | undefined;
    try {
      const upstream = await adapter.buildRequest(request, context);
      const response = await this.send(upstream, attempt, limits, limits.firstByteTimeoutMs);
      if (response.statusCode >= 400) {
        const text = await readText(response.body, limits.maxResponseBytes, adapter.id);
        throw adapter.parseError(response.statusCode, text, response.headers);
      }
      const decoder = adapter.createStreamDecoder(request, context);
      iterator = decodeBody(response.body, adapter.framing, decoder, attempt, adapter.id);
      let first = await iterator.next();
      while (!first.done && first.value.length === 0) first = await iterator.next();
      clearTimeout(firstTimer);
      if (first.done) {
        throw new GatewayError(
          "upstream_protocol",
          `Provider '${adapter.id}' ended the stream without events.`,
          {
            provider: adapter.id,
          },
        );
      }
      return { first: first.value, rest: iterator, abort: () => attempt.abort("consumer stopped") };
    } catch (error) {
      clearTimeout(firstTimer);
      attempt.dispose();
      void iterator?.return?.();
      throw attempt.translate(error, adapter.id);
    }
  }

  private async send(
    upstream: {
      url: string;
      method: "POST" | "GET";
      headers: Record<string, string>;
      body: string | Uint8Array;
    },
    attempt: AttemptController,
    limits: AttemptLimits,
    headersTimeoutMs: number,
  ) {
    return undiciRequest(upstream.url, {
      method: upstream.method,
      headers: upstream.headers,
      body: upstream.method === "GET" ? undefined : upstream.body,
      dispatcher: this.agent,
      signal: attempt.signal,
      headersTimeout: headersTimeoutMs,
      bodyTimeout: limits.idleTimeoutMs,
    });
  }
}

/** Combines the caller's signal with the attempt's own deadline and remembers why it aborted. */
class AttemptController {
  private readonly controller = new AbortController();
  private readonly totalTimer: NodeJS.Timeout;
  private readonly onCallerAbort: () => void;
  private readonly callerSignal: AbortSignal;
  private timeoutCause: string | undefined;

  constructor(callerSignal: AbortSignal, totalTimeoutMs: number) {
    this.callerSignal = callerSignal;
    this.onCallerAbort = () => this.controller.abort(callerSignal.reason);
    if (callerSignal.aborted) this.controller.abort(callerSignal.reason);
    else callerSignal.addEventListener("abort", this.onCallerAbort, { once: true });
    this.totalTimer = this.startTimer(totalTimeoutMs, "total");
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  startTimer(ms: number, what: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timeoutCause ??= what;
      this.controller.abort(new Error(`timeout: ${what}`));
    }, ms);
    timer.unref();
    return timer;
  }

  abort(reason: string): void {
    this.controller.abort(new Error(reason));
    this.dispose();
  }

  dispose(): void {
    clearTimeout(this.totalTimer);
    this.callerSignal.removeEventListener("abort", this.onCallerAbort);
  }

  translate(error: unknown, provider: string): GatewayError {
    if (this.timeoutCause !== undefined) {
      return new GatewayError("timeout", `Provider '${provider}' timed out (${this.timeoutCause}).`, {
        provider,
        reason: `timeout_${this.timeoutCause.replace(" ", "_")}`,
        cause: error,
      });
    }
    if (this.callerSignal.aborted) {
      const reason: unknown = this.callerSignal.reason;
      if (reason instanceof GatewayError) return reason;
      return new GatewayError("cancelled", "The request was cancelled by the caller.", {
        provider,
        cause: error,
      });
    }
    if (error instanceof GatewayError) return error;
    return transportError(error, provider);
  }
}

/** Maps undici and socket errors by their stable codes, never by message text. */
function transportError(error: unknown, provider: string): GatewayError {
  const code = errorCode(error);
  let kind: ErrorKind = "connection_error";
  let what = "the connection failed";
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      kind = "timeout";
      what = "connect timed out";
      break;
    case "UND_ERR_HEADERS_TIMEOUT":
      kind = "timeout";
      what = "no response headers in time";
      break;
    case "UND_ERR_BODY_TIMEOUT":
      kind = "timeout";
      what = "the response body went idle";
      break;
    case "ECONNREFUSED":
      what = "connection refused";
      break;
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
    case "EPIPE":
      what = "connection reset";
      break;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      what = "host not found";
      break;
    case "UND_ERR_RES_EXCEEDED_MAX_SIZE":
      kind = "upstream_protocol";
      what = "response too large";
      break;
    default:
      if (!(error instanceof undiciErrors.UndiciError) && !isSystemError(error)) {
        return new GatewayError("internal", "Internal error while calling the provider.", {
          provider,
          cause: error,
        });
      }
  }
  return new GatewayError(kind, `Provider '${provider}': ${what}.`, {
    provider,
    reason: code?.toLowerCase(),
    cause: error,
  });
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { errno?: unknown }).errno === "number";
}

async function readText(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  provider: string,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      throw new GatewayError(
        "upstream_protocol",
        `Provider '${provider}' sent a response over ${maxBytes} bytes.`,
        {
          provider,
          reason: "response_too_large",
        },
      );
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1
    ? (chunks[0] as Buffer).toString("utf8")
    : Buffer.concat(chunks).toString("utf8");
}

async function* decodeBody(
  body: AsyncIterable<Uint8Array>,
  framing: HttpProviderAdapter["framing"],
  decoder: StreamDecoder,
  attempt: AttemptController,
  provider: string,
): AsyncGenerator<ChatEvent[]> {
  const framer = createFramer(framing);
  let completed = false;
  try {
    for await (const chunk of body) {
      for (const message of framer.push(chunk)) {
        const events = decoder.decode(message);
        if (events.length > 0) yield events;
      }
    }
    for (const message of framer.end()) {
      const events = decoder.decode(message);
      if (events.length > 0) yield events;
    }
    const tail = decoder.end();
    if (tail.length > 0) yield tail;
    completed = true;
  } catch (error) {
    throw attempt.translate(error, provider);
  } finally {
    if (!completed) attempt.abort("stream ended early");
    attempt.dispose();
  }
}
