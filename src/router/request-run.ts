import type { ModelGroup } from "../core/catalog/model-catalog.js";
import type { ResolvedRequest } from "../core/catalog/resolved-request.js";
import type { ChatContext } from "../core/chat/dispatcher.js";
import type { GatewayError } from "../core/errors/gateway-error.js";
import type { Deployment } from "../core/types/deployment.js";
import type { AttemptLimits } from "../core/types/provider.js";
import type { Attempt, AttemptReason, RoutableRequest } from "../core/types/routing.js";
import type { DeploymentState } from "./state/deployment-state.js";

export type Settled<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

/** One upstream call on one deployment (the invoker's complete or stream, bound to the request). */
export type AttemptCall<T> = (
  deployment: Deployment,
  signal: AbortSignal,
  limits: AttemptLimits,
) => Promise<T>;

/**
 * What one request accumulates while it is routed, and how to call and dispose of an answer: everything the
 * group loop, the picker and the attempt runner share, so no function takes them one by one.
 */
export interface RequestRun<T> {
  /** The request being routed (chat or embeddings: the router reads only its model and routing overrides). */
  request: RoutableRequest;
  context: ChatContext;
  /** Resolution and prompt estimate, from admission (or resolved by the router for a direct caller). */
  resolved: ResolvedRequest;
  stream: boolean;
  attempts: Attempt[];
  /** Upstream attempts started so far (the first is free; every other one takes from the retry budget). */
  started: number;
  /** Deployment id → epoch ms before which the upstream asked us not to call it again (Retry-After). */
  notBefore: Map<string, number>;
  /** Starts the upstream call. */
  call: AttemptCall<T>;
  /** Frees an answer nobody will read (a hedged attempt that answered after the winner). */
  dispose: (value: T) => void;
}

/** An admitted attempt on one deployment. */
export interface Admitted {
  deployment: Deployment;
  /** The deployment's key in the state store (see stateKey). */
  key: string;
  lease: string;
  probe: boolean;
  state: DeploymentState | undefined;
}

/** An attempt that has started. */
export interface Launched<T> {
  group: ModelGroup;
  admitted: Admitted;
  reason: AttemptReason;
  waitedMs: number;
  startedAt: number;
  /** The attempt's own controller when it may be hedged (a hedge loser is aborted alone); else undefined. */
  controller: AbortController | undefined;
  /** Stops following the caller's signal: when the attempt failed, lost, or (for a winner) its answer is done. */
  detach: () => void;
  result: Promise<Settled<T>>;
  recorded: boolean;
}

/** The answering attempt, with what the caller of the run needs to finish it. */
export interface Won<T> {
  value: T;
  admitted: Admitted;
  group: ModelGroup;
  startedAt: number;
  /** Call when the answer is complete (unary: at once; stream: when the relay ends). */
  detach: () => void;
}

/** Time left before the caller's deadline, ms (infinite without one). */
export function remainingMs(context: ChatContext): number {
  return context.deadline === undefined
    ? Number.POSITIVE_INFINITY
    : Math.max(0, context.deadline - Date.now());
}

/**
 * Where a deployment's state is kept. A wildcard deployment (`openai/*`) serves many upstream models whose limits
 * and health differ (a 429 on one model says nothing about another), so each concrete model has its own state.
 */
export function stateKey(deployment: Deployment): string {
  return deployment.modelName.includes("*") ? `${deployment.id}|${deployment.model}` : deployment.id;
}
