import { Agent, type Dispatcher, errors as undiciErrors, util as undiciUtil } from "undici";
import type { ErrorKind } from "../../core/errors/error-kind.js";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest, ChatResponse } from "../../core/types/chat.js";
import type {
  AttemptLimits,
  HttpProviderAdapter,
  ProviderCallContext,
  StreamDecoder,
  UpstreamEventStream,
  UpstreamRequest,
} from "../../core/types/provider.js";
import { DEFAULT_ATTEMPT_LIMITS } from "../../core/types/provider.js";
import { createFramer, type StreamFramer } from "./stream-framer.js";
import { scrubUpstreamEvents, scrubUpstreamResponse } from "./upstream-metadata.js";

export type { AttemptLimits, UpstreamEventStream } from "../../core/types/provider.js";
export { DEFAULT_ATTEMPT_LIMITS } from "../../core/types/provider.js";

/**
 * The only code that does upstream I/O. One undici Agent pools keep-alive connections per origin; each attempt
 * is an Exchange (a dispatch handler) that listens to the caller's signal and runs the attempt's timeouts, so a
 * client that leaves or a deadline that passes tears down the upstream socket at once.
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
    const exchange = new BufferedExchange(signal, limits, adapter.id);
    try {
      const upstream = withUpstreamHeaders(await adapter.buildRequest(request, context), context);
      const answer = await exchange.send(this.agent, upstream, limits.firstByteTimeoutMs);
      if (answer.status >= 400) {
        throw adapter.parseError(answer.status, answer.text, undiciUtil.parseHeaders(answer.rawHeaders));
      }
      let body: unknown;
      try {
        body = JSON.parse(answer.text);
      } catch (cause) {
        throw new GatewayError(
          "upstream_protocol",
          `Provider '${adapter.id}' returned a body that is not JSON.`,
          {
            provider: adapter.id,
            upstreamStatus: answer.status,
            cause,
          },
        );
      }
      return scrubUpstreamResponse(adapter.parseResponse(body, context));
    } catch (error) {
      throw exchange.translate(error);
    } finally {
      exchange.dispose();
    }
  }

  /**
   * One unary JSON call whose request is already built (an embeddings batch): the parsed body and the response
   * headers, or `parseError`'s GatewayError for a non-2xx answer. Same timeouts, caps and abort as `complete`.
   */
  async callJson(
    provider: string,
    build: () => UpstreamRequest | Promise<UpstreamRequest>,
    parseError: (
      status: number,
      bodyText: string,
      headers: Record<string, string | string[] | undefined>,
    ) => GatewayError,
    signal: AbortSignal,
    limits: AttemptLimits,
  ): Promise<{ body: unknown; headers: Record<string, string | string[] | undefined> }> {
    const exchange = new BufferedExchange(signal, limits, provider);
    try {
      const upstream = await build();
      const answer = await exchange.send(this.agent, upstream, limits.firstByteTimeoutMs);
      const headers = undiciUtil.parseHeaders(answer.rawHeaders);
      if (answer.status >= 400) throw parseError(answer.status, answer.text, headers);
      try {
        return { body: JSON.parse(answer.text), headers };
      } catch (cause) {
        throw new GatewayError(
          "upstream_protocol",
          `Provider '${provider}' returned a body that is not JSON.`,
          {
            provider,
            upstreamStatus: answer.status,
            cause,
          },
        );
      }
    } catch (error) {
      throw exchange.translate(error);
    } finally {
      exchange.dispose();
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
    const exchange = new StreamingExchange(signal, limits, adapter, request, context);
    try {
      const upstream = withUpstreamHeaders(await adapter.buildRequest(request, context), context);
      exchange.dispatch(this.agent, upstream, limits.firstByteTimeoutMs);
      const first = await exchange.next();
      if (first.done) {
        throw new GatewayError(
          "upstream_protocol",
          `Provider '${adapter.id}' ended the stream without events.`,
          {
            provider: adapter.id,
          },
        );
      }
      return { first: first.value, rest: exchange, abort: () => exchange.stop("consumer stopped") };
    } catch (error) {
      exchange.stop("stream failed before the first event");
      throw exchange.translate(error);
    }
  }
}

/**
 * The request with the gateway's own headers for this call (trace propagation) added; a header the provider's
 * translation set (case-insensitively) is never replaced. No headers: the same object, nothing copied.
 */
function withUpstreamHeaders(upstream: UpstreamRequest, context: ProviderCallContext): UpstreamRequest {
  const extra = context.upstreamHeaders;
  if (extra === undefined) return upstream;
  const headers = { ...upstream.headers };
  const present = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(extra))
    if (!present.has(name.toLowerCase())) headers[name] = value;
  return { ...upstream, headers };
}

/** Origin and path of an upstream URL, parsed once per distinct URL (a handful per deployment). */
const targets = new Map<string, { origin: string; path: string }>();

function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size >= 1024) targets.clear();
    targets.set(url, target);
  }
  return target;
}

/**
 * One upstream attempt driven through undici's dispatch API: the handler gets the response's status, headers
 * and body reads as callbacks, so there is no Readable, AsyncResource, AbortController or promise per chunk in
 * between. It combines the caller's signal with the attempt's own deadline, aborts the upstream request through
 * the function undici hands it, and remembers why it aborted.
 */
abstract class Exchange implements Dispatcher.DispatchHandler {
  protected status = 0;
  protected rawHeaders: Buffer[] = [];
  private abortUpstream: ((reason: Error) => void) | undefined;
  /** Set when the exchange was stopped before undici connected it. */
  private stopReason: Error | undefined;
  private timeoutCause: string | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort: () => void;
  private listening = false;

  constructor(
    private readonly callerSignal: AbortSignal,
    totalTimeoutMs: number,
    protected readonly provider: string,
  ) {
    this.onCallerAbort = () => this.abort(toError(callerSignal.reason));
    if (callerSignal.aborted) {
      this.stopReason = toError(callerSignal.reason);
    } else {
      callerSignal.addEventListener("abort", this.onCallerAbort, { once: true });
      this.listening = true;
      this.totalTimer = this.startTimer(totalTimeoutMs, "total");
    }
  }

  protected startTimer(ms: number, what: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timeoutCause ??= what;
      this.abort(new Error(`timeout: ${what}`));
    }, ms);
    timer.unref();
    return timer;
  }

  /** Sends the request; the outcome arrives through the handler methods. */
  protected start(agent: Agent, upstream: UpstreamRequest, headersTimeoutMs: number, idleMs: number): void {
    if (this.stopReason !== undefined) {
      this.onError(this.stopReason);
      return;
    }
    const target = targetOf(upstream.url);
    agent.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: upstream.method,
        headers: upstream.headers,
        body: upstream.method === "GET" ? null : upstream.body,
        headersTimeout: headersTimeoutMs,
        bodyTimeout: idleMs,
      },
      this,
    );
  }

  /** Aborts the upstream request (at once, or as soon as undici connects it). */
  protected abort(reason: Error): void {
    this.stopReason ??= reason;
    const abort = this.abortUpstream;
    this.abortUpstream = undefined;
    abort?.(reason);
  }

  dispose(): void {
    clearTimeout(this.totalTimer);
    if (this.listening) {
      this.listening = false;
      this.callerSignal.removeEventListener("abort", this.onCallerAbort);
    }
  }

  translate(error: unknown): GatewayError {
    const provider = this.provider;
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

  onConnect(abort: (reason?: Error) => void): void {
    if (this.stopReason !== undefined) abort(this.stopReason);
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx: the final answer follows
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    return this.headers(resume);
  }

  protected tooLarge(maxBytes: number): GatewayError {
    return new GatewayError(
      "upstream_protocol",
      `Provider '${this.provider}' sent a response over ${maxBytes} bytes.`,
      {
        provider: this.provider,
        reason: "response_too_large",
      },
    );
  }

  protected abstract headers(resume: () => void): boolean;
  abstract onData(chunk: Buffer): boolean;
  abstract onComplete(): void;
  abstract onError(error: Error): void;
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** A whole (capped) response body as text: unary answers and error bodies. */
class BodyBuffer {
  private readonly chunks: Buffer[] = [];
  size = 0;

  constructor(private readonly maxBytes: number) {}

  /** False once the body passed the cap. */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return false;
    this.chunks.push(chunk);
    return true;
  }

  text(): string {
    return this.chunks.length === 1
      ? (this.chunks[0] as Buffer).toString("utf8")
      : Buffer.concat(this.chunks, this.size).toString("utf8");
  }
}

interface BufferedAnswer {
  status: number;
  rawHeaders: Buffer[];
  text: string;
}

/** A unary exchange: the body is collected up to `maxResponseBytes`, then handed over as text. */
class BufferedExchange extends Exchange {
  private readonly body: BodyBuffer;
  private resolve: ((answer: BufferedAnswer) => void) | undefined;
  private reject: ((error: Error) => void) | undefined;

  constructor(callerSignal: AbortSignal, limits: AttemptLimits, provider: string) {
    super(callerSignal, limits.totalTimeoutMs, provider);
    this.body = new BodyBuffer(limits.maxResponseBytes);
    this.idleMs = limits.idleTimeoutMs;
    this.maxBytes = limits.maxResponseBytes;
  }

  private readonly idleMs: number;
  private readonly maxBytes: number;

  send(agent: Agent, upstream: UpstreamRequest, headersTimeoutMs: number): Promise<BufferedAnswer> {
    return new Promise<BufferedAnswer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.start(agent, upstream, headersTimeoutMs, this.idleMs);
    });
  }

  protected headers(): boolean {
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.body.add(chunk)) return true;
    this.abort(this.tooLarge(this.maxBytes));
    return false;
  }

  onComplete(): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    this.reject = undefined;
    resolve?.({ status: this.status, rawHeaders: this.rawHeaders, text: this.body.text() });
  }

  onError(error: Error): void {
    const reject = this.reject;
    this.resolve = undefined;
    this.reject = undefined;
    reject?.(error);
  }
}

/** Upstream reads are paused while this many decoded batches wait for the consumer (a slow caller). */
const MAX_QUEUED_BATCHES = 64;

/**
 * A streaming exchange. Each body read is framed and decoded as it arrives; the non-empty event batches queue up
 * for the consumer, who pulls them as an AsyncIterator. An error status collects the (capped) error body for the
 * adapter's parseError. The first-token timer runs until the first batch is queued.
 */
class StreamingExchange extends Exchange implements AsyncIterator<ChatEvent[]> {
  private framer: StreamFramer | undefined;
  private decoder: StreamDecoder | undefined;
  private errorBody: BodyBuffer | undefined;
  private queue: ChatEvent[][] = [];
  private head = 0;
  private ended = false;
  private failure: GatewayError | undefined;
  private waiter:
    | { resolve: (result: IteratorResult<ChatEvent[]>) => void; reject: (error: unknown) => void }
    | undefined;
  private resumeUpstream: (() => void) | undefined;
  private paused = false;
  private firstTimer: NodeJS.Timeout | undefined;

  constructor(
    callerSignal: AbortSignal,
    private readonly limits: AttemptLimits,
    private readonly adapter: HttpProviderAdapter,
    private readonly request: ChatRequest,
    private readonly context: ProviderCallContext,
  ) {
    super(callerSignal, limits.totalTimeoutMs, adapter.id);
    this.firstTimer = this.startTimer(limits.firstByteTimeoutMs, "first token");
  }

  dispatch(agent: Agent, upstream: UpstreamRequest, headersTimeoutMs: number): void {
    this.start(agent, upstream, headersTimeoutMs, this.limits.idleTimeoutMs);
  }

  protected headers(resume: () => void): boolean {
    this.resumeUpstream = resume;
    if (this.status >= 400) {
      this.errorBody = new BodyBuffer(this.limits.maxResponseBytes);
      return true;
    }
    try {
      this.framer = createFramer(this.adapter.framing);
      this.decoder = this.adapter.createStreamDecoder(this.request, this.context);
    } catch (error) {
      this.failAndAbort(error);
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.ended) return false;
    if (this.errorBody !== undefined) {
      if (this.errorBody.add(chunk)) return true;
      this.failAndAbort(this.tooLarge(this.limits.maxResponseBytes));
      return false;
    }
    const framer = this.framer as StreamFramer;
    const decoder = this.decoder as StreamDecoder;
    try {
      for (const message of framer.push(chunk)) {
        const events = decoder.decode(message);
        if (events.length > 0) this.enqueue(events);
      }
    } catch (error) {
      this.failAndAbort(error);
      return false;
    }
    if (this.queue.length - this.head < MAX_QUEUED_BATCHES) return true;
    this.paused = true;
    return false;
  }

  onComplete(): void {
    if (this.ended) return;
    if (this.errorBody !== undefined) {
      this.fail(
        this.adapter.parseError(this.status, this.errorBody.text(), undiciUtil.parseHeaders(this.rawHeaders)),
      );
      return;
    }
    const framer = this.framer as StreamFramer;
    const decoder = this.decoder as StreamDecoder;
    try {
      for (const message of framer.end()) {
        const events = decoder.decode(message);
        if (events.length > 0) this.enqueue(events);
      }
      const tail = decoder.end();
      if (tail.length > 0) this.enqueue(tail);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.ended = true;
    this.finish();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  onError(error: Error): void {
    if (!this.ended) this.fail(error);
  }

  /** Ends the exchange from our side (the consumer stopped, or the first batch never came). */
  stop(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.abort(new Error(reason));
    this.finish();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<ChatEvent[]>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head] as ChatEvent[];
      this.head++;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      if (this.paused && this.queue.length - this.head < MAX_QUEUED_BATCHES / 2) {
        this.paused = false;
        this.resumeUpstream?.();
      }
      return Promise.resolve({ value, done: false });
    }
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<ChatEvent[]>> {
    this.stop("consumer stopped");
    return Promise.resolve({ value: undefined, done: true });
  }

  private enqueue(events: ChatEvent[]): void {
    scrubUpstreamEvents(events);
    if (this.firstTimer !== undefined) {
      clearTimeout(this.firstTimer);
      this.firstTimer = undefined;
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value: events, done: false });
    } else {
      this.queue.push(events);
    }
  }

  /** The upstream stream failed: the consumer gets the batches queued before, then the error. */
  private fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const failure = this.translate(error);
    this.finish();
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.reject(failure);
    } else {
      this.failure = failure;
    }
  }

  private failAndAbort(error: unknown): void {
    this.fail(error);
    this.abort(toError(error));
  }

  private finish(): void {
    if (this.firstTimer !== undefined) {
      clearTimeout(this.firstTimer);
      this.firstTimer = undefined;
    }
    this.dispose();
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
