import type { ErrorKind } from "../errors/error-kind.js";

/** One call to one deployment made while serving a request. */
export interface Attempt {
  deployment: string;
  provider: string;
  model: string;
  /** "ok" or the error kind that ended the attempt. */
  outcome: "ok" | ErrorKind;
  latencyMs: number;
  /** Why the next attempt was made (retry, fallback to another group, cooldown skip). */
  reason?: string;
}

/** What served a request, reported on REST headers and as the first Connect stream event. */
export interface RoutingInfo {
  modelGroup: string;
  deployment: string;
  provider: string;
  model: string;
  attempts: Attempt[];
}
