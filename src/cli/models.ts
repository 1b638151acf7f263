import { toJson } from "@bufbuild/protobuf";
import {
  DeploymentHealth,
  type DeploymentStatus,
  DeploymentStatusSchema,
  type Model,
  ModelSchema,
} from "../../gen/switchboard/v1/chat_service_pb.js";
import { positionals } from "./args.js";
import type { CommandSpec } from "./command.js";
import { when } from "./keys.js";
import { machine, table } from "./output.js";

export const MODELS_COMMANDS: readonly CommandSpec[] = [
  {
    noun: "models",
    verb: "list",
    args: "",
    summary: "list the models your key may call, with their deployments and capabilities",
    flags: {},
    async run(context, args) {
      positionals(args, []);
      const models: Model[] = [];
      let pageToken = "";
      do {
        const page = await context
          .client()
          .chat.listModels({ pageSize: 1000, pageToken }, { signal: context.signal });
        models.push(...page.models);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      if (context.output.format !== "table") {
        context.output.write(
          machine(
            context.output.format,
            models.map((model) => toJson(ModelSchema, model)),
          ),
        );
        return;
      }
      context.output.write(
        table(
          context.output,
          ["MODEL", "PROVIDER", "DEPLOYMENTS", "CONTEXT", "OUTPUT", "CAPABILITIES"],
          models.map((model) => [
            model.id,
            model.provider,
            String(model.deployments),
            model.maxInputTokens > 0n ? String(model.maxInputTokens) : "",
            model.maxOutputTokens > 0n ? String(model.maxOutputTokens) : "",
            model.capabilities.join(","),
          ]),
        ),
      );
    },
  },
  {
    noun: "models",
    verb: "deployments",
    args: "",
    summary: "list the deployments behind the models, with health, cooldowns and load (admin or team admin)",
    flags: {},
    async run(context, args) {
      positionals(args, []);
      const deployments: DeploymentStatus[] = [];
      let pageToken = "";
      do {
        const page = await context
          .client()
          .chat.listDeployments({ pageSize: 1000, pageToken }, { signal: context.signal });
        deployments.push(...page.deployments);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      if (context.output.format !== "table") {
        context.output.write(
          machine(
            context.output.format,
            deployments.map((deployment) => toJson(DeploymentStatusSchema, deployment)),
          ),
        );
        return;
      }
      context.output.write(
        table(
          context.output,
          [
            "MODEL",
            "DEPLOYMENT",
            "PROVIDER",
            "HEALTH",
            "COOLING UNTIL",
            "IN FLIGHT",
            "RPM",
            "TPM",
            "LATENCY",
          ],
          deployments.map((deployment) => [
            deployment.modelGroup,
            deployment.deploymentId,
            `${deployment.provider}/${deployment.model}`,
            HEALTH[deployment.health],
            when(deployment.cooldownEndTime),
            String(deployment.inFlight),
            String(deployment.rpmUsed),
            String(deployment.tpmUsed),
            deployment.latencyMs === undefined ? "" : `${Math.round(deployment.latencyMs)} ms`,
          ]),
        ),
      );
    },
  },
];

const HEALTH: Record<DeploymentHealth, string> = {
  [DeploymentHealth.UNSPECIFIED]: "",
  [DeploymentHealth.HEALTHY]: "healthy",
  [DeploymentHealth.COOLING]: "cooling",
  [DeploymentHealth.HALF_OPEN]: "half-open",
};
