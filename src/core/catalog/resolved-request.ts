import type { PromptEstimate } from "../estimate/token-estimate.js";
import type { ModelGroup } from "./model-catalog.js";

/**
 * What admission learned about a request, once: the group its model names, the fallback groups that may serve
 * it, and its prompt estimate. ChatGateway sets it on ChatContext.resolved; the router and metering read it
 * instead of resolving or walking the prompt again.
 */
export interface ResolvedRequest {
  /** The group `request.model` names (alias, exact group, `model_info.id`, or wildcard made concrete). */
  group: ModelGroup;
  /**
   * The groups a failure may fall back to (configured fallbacks of every kind and the request's own), by the
   * name they are configured under, already limited to what the caller may use. Usage reserves the worst case
   * over these and the group; the router never calls a group that is not here.
   */
  fallbacks: ReadonlyMap<string, ModelGroup>;
  prompt: PromptEstimate;
}
