import type { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "../types/deployment.js";
import type { UpstreamRequest } from "../types/provider.js";

/**
 * A provider's translation of one unary operation beside chat (rerank, moderations): pure functions like the
 * chat adapter, declared as a property of the provider's adapter (its `index.ts`). The invoker
 * (providers/operation-invoker.ts) checks the caller's provider options against `options`, builds, sends through
 * the executor (timeouts, size caps, scrubbed errors) and parses.
 */
export interface OperationAdapter<Request, Result> {
  /**
   * `providerOptions` keys this translator reads (flat, or under its namespace); any other key is a 400 naming
   * it, so a knob that would be ignored is never silently dropped.
   */
  readonly options: readonly string[];
  /** Builds the upstream call; throws a GatewayError (400 naming the field) for what the provider cannot take. */
  buildRequest(request: Request, context: OperationCallContext): UpstreamRequest | Promise<UpstreamRequest>;
  /** Reads the upstream answer; throws `upstream_protocol` when it is unreadable. */
  parseResponse(body: unknown, context: OperationResponseContext<Request>): Result;
  /** Maps a non-2xx answer; absent: the chat adapter's parseError. */
  parseError?(
    status: number,
    bodyText: string,
    headers: Record<string, string | string[] | undefined>,
  ): GatewayError;
}

export interface OperationCallContext {
  deployment: Deployment;
  requestId: string;
}

export interface OperationResponseContext<Request> extends OperationCallContext {
  request: Request;
  headers: Record<string, string | string[] | undefined>;
}
