import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/switchboard/v1/error_detail_pb.js";
import type { ErrorKind } from "../core/errors/error-kind.js";
import { type GatewayError, toGatewayError } from "../core/errors/gateway-error.js";

/** Our kinds → Connect codes (never Connect's codeFromHttpStatus: it maps 429 to Unavailable). */
export function connectCode(kind: ErrorKind): Code {
  switch (kind) {
    case "invalid_request":
    case "unsupported_parameter":
    case "upstream_bad_request":
    case "context_window_exceeded":
    case "content_policy":
      return Code.InvalidArgument;
    case "guardrail_violation":
      // The request is well-formed, but policy forbids it in this state of its content.
      return Code.FailedPrecondition;
    case "payload_too_large":
      return Code.ResourceExhausted;
    case "authentication":
      return Code.Unauthenticated;
    case "permission_denied":
      return Code.PermissionDenied;
    case "not_found":
    case "model_not_found":
      return Code.NotFound;
    case "rate_limited":
    case "budget_exceeded":
    case "upstream_rate_limited":
      return Code.ResourceExhausted;
    case "conflict":
      return Code.FailedPrecondition;
    case "upstream_auth":
    case "upstream_protocol":
    case "internal":
      return Code.Internal;
    case "upstream_unavailable":
    case "connection_error":
    case "unavailable":
      return Code.Unavailable;
    case "timeout":
      return Code.DeadlineExceeded;
    case "cancelled":
      return Code.Canceled;
  }
}

/** Any error → ConnectError with an ErrorDetail and a retry hint in the metadata; never a stack trace. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const failure: GatewayError = toGatewayError(error);
  const metadata = new Headers();
  if (failure.retryAfterMs !== undefined)
    metadata.set("retry-after-ms", String(Math.ceil(failure.retryAfterMs)));
  if (failure.limit !== undefined) {
    metadata.set(`x-ratelimit-limit-${failure.limit.metric}`, String(failure.limit.limit));
    metadata.set(`x-ratelimit-remaining-${failure.limit.metric}`, String(failure.limit.remaining));
    metadata.set(`x-ratelimit-reset-${failure.limit.metric}`, `${Math.ceil(failure.limit.resetMs / 1000)}s`);
  }
  return new ConnectError(
    failure.message,
    connectCode(failure.kind),
    metadata,
    [
      {
        desc: ErrorDetailSchema,
        value: create(ErrorDetailSchema, {
          kind: failure.kind,
          reason: failure.reason ?? "",
          param: failure.param ?? "",
          provider: failure.provider ?? "",
          retryAfterMs: BigInt(Math.ceil(failure.retryAfterMs ?? 0)),
        }),
      },
    ],
    failure,
  );
}
