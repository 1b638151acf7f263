import type { Interceptor } from "@connectrpc/connect";
import type { Authenticator } from "../auth/authenticator.js";
import { writeAccessLine } from "../logging/access-log.js";
import type { Logger } from "../logging/logger.js";
import { authenticateCall, requestIdOf } from "./call-auth.js";
import { toConnectError } from "./connect-error.js";
import { principalKey, requestIdKey } from "./context.js";
import { decodeErrorAsInvalidArgument } from "./decode-errors.js";

/** Methods callable without a key (none today: even ListModels needs one). */
export type PublicMethods = ReadonlySet<string>;

/**
 * Authenticates every RPC before its implementation runs and puts the principal into contextValues; logs one
 * JSON line per call (never the key).
 */
export function authAndLogInterceptor(
  authenticator: Authenticator,
  logger: Logger,
  publicMethods: PublicMethods = new Set(),
): Interceptor {
  return (next) => async (request) => {
    const started = performance.now();
    const requestId = requestIdOf(request.header.get("x-request-id"));
    request.contextValues.set(requestIdKey, requestId);
    const route = `/${request.service.typeName}/${request.method.name}`;
    let code = "ok";
    try {
      if (!publicMethods.has(route)) {
        const principal = await authenticateCall(
          authenticator,
          request.header.get("authorization") ?? undefined,
          request.header.get("x-api-key") ?? undefined,
        );
        request.contextValues.set(principalKey, principal);
      }
      const response = await next(request);
      response.header.set("x-request-id", requestId);
      return response;
    } catch (error) {
      const connectError = decodeErrorAsInvalidArgument(toConnectError(error));
      code = String(connectError.code);
      connectError.metadata.set("x-request-id", requestId);
      throw connectError;
    } finally {
      writeAccessLine(
        logger,
        {
          request_id: requestId,
          route,
          protocol: request.requestMethod,
          code,
          latency_ms: Math.round((performance.now() - started) * 100) / 100,
          key_id: request.contextValues.get(principalKey)?.keyId,
        },
        "rpc",
      );
    }
  };
}
