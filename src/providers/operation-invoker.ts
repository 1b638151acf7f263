import { invalidRequest } from "../core/errors/gateway-error.js";
import type { OperationAdapter } from "../core/operations/operation-adapter.js";
import type { OperationRequest } from "../core/operations/operation-gateway.js";
import type { Deployment } from "../core/types/deployment.js";
import type { AttemptLimits, HttpProviderAdapter } from "../core/types/provider.js";
import { checkOperationOptions } from "./embedding-invoker.js";
import type { UpstreamExecutor } from "./shared/execute.js";

/**
 * One attempt of a unary operation (rerank, moderations) on one deployment: the caller's provider options
 * checked against what the translator reads, then one call through the executor (timeouts, size caps, the
 * provider's error mapping, scrubbed upstream text) and the translator's parse.
 */
export async function invokeOperation<Request extends OperationRequest, Result>(
  executor: UpstreamExecutor,
  adapter: HttpProviderAdapter,
  operation: OperationAdapter<Request, Result> | undefined,
  name: string,
  deployment: Deployment,
  request: Request,
  requestId: string,
  signal: AbortSignal,
  limits: AttemptLimits,
  known: (id: string) => boolean,
): Promise<Result> {
  if (operation === undefined) {
    throw invalidRequest(
      `The model '${request.model}' is served by provider '${adapter.id}', which has no ${name} API.`,
      "model",
    );
  }
  checkOperationOptions(
    adapter.id,
    name,
    operation.options,
    request.providerOptions,
    request.dropParams === true,
    known,
  );
  const context = { deployment, requestId };
  const parseError =
    operation.parseError?.bind(operation) ??
    ((status: number, text: string, headers: Record<string, string | string[] | undefined>) =>
      adapter.parseError(status, text, headers));
  const answer = await executor.callJson(
    adapter.id,
    () => operation.buildRequest(request, context),
    parseError,
    signal,
    limits,
  );
  return operation.parseResponse(answer.body, { ...context, request, headers: answer.headers });
}
