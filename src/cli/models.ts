import { toJson } from "@bufbuild/protobuf";
import { type Model, ModelSchema } from "../../gen/switchboard/v1/chat_service_pb.js";
import { positionals } from "./args.js";
import type { CommandSpec } from "./command.js";
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
];
