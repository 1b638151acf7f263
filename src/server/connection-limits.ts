/**
 * What one client connection may cost the gateway (GUARDS 8, 8a). Every value is bounded by default; each is a
 * number a hostile client could otherwise choose for us. docs/security.md lists them.
 */
export interface ConnectionLimits {
  /**
   * Open client connections at most. At the limit, a new cleartext connection takes the place of the connection
   * that has been idle longest (no request in flight); when none is idle, the new one is closed at once.
   */
  maxConnections: number;
  /** A new connection must send its first byte (cleartext) or finish its TLS handshake within this. */
  firstByteTimeoutMs: number;
  /** HTTP/1.1: every request header must have arrived within this (slowloris headers → 408, closed). */
  headersTimeoutMs: number;
  /** HTTP/1.1: the whole request, headers and body, must have arrived within this (→ 408, closed). */
  requestTimeoutMs: number;
  /** HTTP/1.1 and HTTP/2: a request body that sends no byte for this long is answered 408 and closed. */
  bodyIdleTimeoutMs: number;
  /** A keep-alive connection (HTTP/1.1) or session (HTTP/2) with no request in flight is closed after this. */
  keepAliveTimeoutMs: number;
  /** Largest request header block, bytes: HTTP/1.1 answers 431, HTTP/2 resets the stream. */
  maxHeaderBytes: number;
  /** HTTP/2: streams open at once on one session (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /**
   * Shutdown: an idle keep-alive connection is closed once it has been idle this long, so that a request the
   * client sent just before it saw the close is still answered (503, `Connection: close`) rather than lost.
   */
  drainIdleMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 10_000,
  firstByteTimeoutMs: 15_000,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 120_000,
  bodyIdleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxHeaderBytes: 16 * 1024,
  maxConcurrentStreams: 100,
  drainIdleMs: 250,
};

/**
 * HTTP/2 flood guards, set explicitly rather than left to Node's defaults (which may change): a peer that sends
 * invalid frames, has streams refused, or floods SETTINGS/PING beyond these loses its session, not the process.
 * Rapid reset (CVE-2023-44487) is also bounded by nghttp2's own RST_STREAM rate limit in Node ≥ 20.8.1.
 */
export const HTTP2_FLOOD_LIMITS = {
  /** Invalid frames (bad headers, protocol errors) a session may send before it is destroyed. */
  maxSessionInvalidFrames: 100,
  /** Streams refused (over maxConcurrentStreams, or after GOAWAY) before the session is destroyed. */
  maxSessionRejectedStreams: 100,
  /** Our own pings awaiting an answer. */
  maxOutstandingPings: 10,
  /** Entries in one SETTINGS frame. */
  maxSettings: 32,
  /** Header fields in one header block. */
  maxHeaderListPairs: 128,
  /** Memory one session may hold (MB), queued frames and headers included. */
  maxSessionMemory: 10,
} as const;

/** Fills in defaults and checks the values make sense together (Node refuses headers > request timeout). */
export function resolveConnectionLimits(partial: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`connection limit ${name} must be > 0`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) limits.requestTimeoutMs = limits.headersTimeoutMs;
  return limits;
}
