import { positionals, stringFlag } from "./args.js";
import type { CommandSpec } from "./command.js";
import { UsageError } from "./exit-codes.js";

export const CONFIG_COMMANDS: readonly CommandSpec[] = [
  {
    noun: "config",
    verb: "check",
    args: "",
    summary: "validate a config file and print the resolved deployments (same as `switchboard check`)",
    local: true,
    flags: {
      config: {
        type: "string",
        short: "c",
        value: "FILE",
        description: "config file (default $SWITCHBOARD_CONFIG)",
      },
    },
    async run(context, args) {
      positionals(args, []);
      // Loaded on demand: the remote commands never pay for the config schema.
      const [{ loadConfig }, { formatCheckReport }, { ConfigError }] = await Promise.all([
        import("../config/load-config.js"),
        import("../config/check.js"),
        import("../config/config-error.js"),
      ]);
      const file = stringFlag(args, "config");
      try {
        const config = await loadConfig({
          ...(file !== undefined ? { file } : {}),
          env: context.env,
          overrides: {},
        });
        context.output.write(`${formatCheckReport(config)}\n`);
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.message);
        throw error;
      }
    },
  },
];
