import type { Deployment, DeploymentParams } from "../../../src/core/types/deployment.js";
import type { ProviderCallContext } from "../../../src/core/types/provider.js";

export function makeDeployment(
  provider: string,
  model: string,
  params: Partial<DeploymentParams> = {},
): Deployment {
  return {
    id: `${provider}-test`,
    modelName: `${provider}/${model}`,
    provider,
    model,
    params: { extra: {}, ...params },
    info: { extra: {} },
  };
}

export function makeContext(deployment: Deployment, stream = false): ProviderCallContext {
  return { deployment, stream, requestId: "req-test-1" };
}
