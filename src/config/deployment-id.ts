import { createHash } from "node:crypto";
import type { DeploymentParams } from "../core/types/deployment.js";
import { EXTRA_LITELLM_PARAM_KEYS } from "./deployment-param-keys.js";

/** What identifies a deployment: the group, the upstream endpoint and account, never a credential. */
export interface DeploymentIdentity {
  modelName: string;
  provider: string;
  model: string;
  params: DeploymentParams;
}

/**
 * A stable id for a deployment without `model_info.id`: a hash of the fields that say where traffic goes (group,
 * provider, model, api_base, api_version, organization, region/project/endpoint keys). Tuning values (rpm, weight,
 * timeouts) are left out so that changing a limit keeps the id (and the cooldown and metrics keyed on it), and
 * secrets are left out so that the id, which appears in response headers, reveals nothing about them. Two
 * deployments that differ only by credential get the same hash; load-config.ts suffixes the later ones.
 */
export function deriveDeploymentId(deployment: DeploymentIdentity): string {
  const identity: Record<string, unknown> = {
    modelName: deployment.modelName,
    provider: deployment.provider,
    model: deployment.model,
    apiBase: deployment.params.apiBase ?? null,
    apiVersion: deployment.params.apiVersion ?? null,
    organization: deployment.params.organization ?? null,
  };
  for (const key of Object.keys(deployment.params.extra).sort()) {
    if (EXTRA_LITELLM_PARAM_KEYS[key]?.identity === true) identity[key] = deployment.params.extra[key];
  }
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16);
}
