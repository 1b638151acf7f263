import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import {
  DeploymentHealth,
  type DeploymentStatus,
  type Model,
} from "../../../gen/switchboard/v1/chat_service_pb.js";
import { errorText, type Session } from "../api.js";

const HEALTH_NAMES: Record<DeploymentHealth, string> = {
  [DeploymentHealth.UNSPECIFIED]: "unknown",
  [DeploymentHealth.HEALTHY]: "healthy",
  [DeploymentHealth.COOLING]: "cooling down",
  [DeploymentHealth.HALF_OPEN]: "half-open",
};

/** Refreshed this often: cooldowns last seconds to minutes. */
const REFRESH_MS = 5_000;

export function ModelsPage(props: { session: Session }) {
  const { client } = props.session;
  const [models, setModels] = useState<Model[]>([]);
  const [deployments, setDeployments] = useState<DeploymentStatus[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const [modelPage, deploymentPage] = await Promise.all([
          client.chat.listModels({ pageSize: 1000 }),
          client.chat.listDeployments({ pageSize: 1000 }),
        ]);
        if (!live) return;
        setModels(modelPage.models);
        setDeployments(deploymentPage.deployments);
        setNow(Date.now());
        setError(undefined);
      } catch (failure) {
        if (live) setError(errorText(failure));
      }
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client]);

  return (
    <section>
      <div class="toolbar">
        <h2>Models and deployments</h2>
      </div>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h3>Models</h3>
      <table data-testid="models-table">
        <thead>
          <tr>
            <th>Model</th>
            <th>Provider</th>
            <th>Deployments</th>
            <th>Context</th>
            <th>Capabilities</th>
          </tr>
        </thead>
        <tbody>
          {models.map((model) => (
            <tr key={model.id}>
              <td>
                <code>{model.id}</code>
              </td>
              <td>{model.provider}</td>
              <td>{model.deployments}</td>
              <td>{model.maxInputTokens > 0n ? String(model.maxInputTokens) : "—"}</td>
              <td>{model.capabilities.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Deployments</h3>
      <table data-testid="deployments-table">
        <thead>
          <tr>
            <th>Deployment</th>
            <th>Group</th>
            <th>Provider / model</th>
            <th>Health</th>
            <th>In flight</th>
            <th>RPM / TPM used</th>
            <th>Latency</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((deployment) => {
            const until =
              deployment.cooldownEndTime === undefined
                ? undefined
                : timestampDate(deployment.cooldownEndTime);
            return (
              <tr key={deployment.deploymentId} data-testid="deployment-row">
                <td>
                  <code>{deployment.deploymentId}</code>
                </td>
                <td>{deployment.modelGroup}</td>
                <td>
                  {deployment.provider} / {deployment.model}
                </td>
                <td>
                  <span class={`badge health-${DeploymentHealth[deployment.health].toLowerCase()}`}>
                    {HEALTH_NAMES[deployment.health]}
                  </span>
                  {until !== undefined && (
                    <div class="muted">
                      until {until.toISOString().slice(11, 19)} (
                      {Math.max(0, Math.round((until.getTime() - now) / 1000))} s)
                    </div>
                  )}
                </td>
                <td>{String(deployment.inFlight)}</td>
                <td>
                  {String(deployment.rpmUsed)} / {String(deployment.tpmUsed)}
                </td>
                <td>{deployment.latencyMs === undefined ? "—" : `${Math.round(deployment.latencyMs)} ms`}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
