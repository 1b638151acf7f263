import { type FlagSpecs, GLOBAL_FLAGS, parseFlags } from "./args.js";
import type { CommandSpec } from "./command.js";
import { CONFIG_COMMANDS } from "./config.js";
import { createContext, type Streams } from "./context.js";
import { renderError } from "./errors.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { KEYS_COMMANDS } from "./keys.js";
import { MEMBERS_COMMANDS } from "./members.js";
import { MODELS_COMMANDS } from "./models.js";
import { TEAMS_COMMANDS } from "./teams.js";
import { USAGE_COMMANDS } from "./usage.js";

/** Every operator command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  ...KEYS_COMMANDS,
  ...TEAMS_COMMANDS,
  ...MEMBERS_COMMANDS,
  ...USAGE_COMMANDS,
  ...MODELS_COMMANDS,
  ...CONFIG_COMMANDS,
];

export const NOUNS: readonly string[] = [...new Set(COMMANDS.map((command) => command.noun))];

/** True when argv starts with an operator noun (`switchboard keys …`) rather than a server flag. */
export function isOperatorCommand(argv: readonly string[]): boolean {
  return argv[0] !== undefined && NOUNS.includes(argv[0]);
}

function verbsOf(noun: string): CommandSpec[] {
  return COMMANDS.filter((command) => command.noun === noun);
}

/** The lines `switchboard --help` adds: one per noun, every verb named. */
export function operatorOverview(): string {
  const lines = NOUNS.map(
    (noun) =>
      `  switchboard ${noun} ${verbsOf(noun)
        .map((command) => command.verb)
        .join("|")}`,
  );
  const width = Math.max(...lines.map((line) => line.length)) + 3;
  return [
    "Operator commands (talk to a running gateway; `switchboard <noun> --help` for details):",
    ...lines.map((line, index) => {
      const noun = NOUNS[index] ?? "";
      return `${line.padEnd(width)}${NOUN_SUMMARY[noun] ?? ""}`;
    }),
  ].join("\n");
}

const NOUN_SUMMARY: Readonly<Record<string, string>> = {
  keys: "virtual keys: secrets shown once, then as prefix…last4",
  teams: "teams: shared models, budgets and limits",
  members: "team membership",
  usage: "spend and tokens, summarised or live",
  models: "models the key may call",
  config: "validate a config file",
};

function flagLines(flags: FlagSpecs): string[] {
  const entries = Object.entries(flags).map(([name, spec]) => {
    const left = `${spec.short !== undefined ? `-${spec.short}, ` : "    "}--${name}${spec.value !== undefined ? ` ${spec.value}` : ""}`;
    return [left, `${spec.description}${spec.multiple ? " (repeatable)" : ""}`] as const;
  });
  const width = Math.max(0, ...entries.map(([left]) => left.length)) + 2;
  return entries.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}

function usageLine(command: CommandSpec): string {
  return `switchboard ${command.noun} ${command.verb}${command.args ? ` ${command.args}` : ""} [flags]`;
}

export function nounHelp(noun: string): string {
  const commands = verbsOf(noun);
  const width = Math.max(...commands.map((command) => usageLine(command).length)) + 2;
  return [
    `Usage: switchboard ${noun} <command> [flags]`,
    "",
    "Commands:",
    ...commands.map((command) => `  ${usageLine(command).padEnd(width)}${command.summary}`),
    "",
    "Global flags:",
    ...flagLines(GLOBAL_FLAGS),
    "",
    `Run \`switchboard ${noun} <command> --help\` for the command's flags. Exit codes: 0 ok, 1 usage error,`,
    "2 refused by the gateway, 3 gateway unreachable (docs/cli.md).",
    "",
  ].join("\n");
}

export function commandHelp(command: CommandSpec): string {
  return [
    `Usage: ${usageLine(command)}`,
    "",
    `${command.summary[0]?.toUpperCase() ?? ""}${command.summary.slice(1)}.`,
    ...(Object.keys(command.flags).length > 0 ? ["", "Flags:", ...flagLines(command.flags)] : []),
    "",
    "Global flags:",
    ...flagLines(
      command.local ? { help: GLOBAL_FLAGS["help"] ?? { type: "boolean", description: "" } } : GLOBAL_FLAGS,
    ),
    "",
  ].join("\n");
}

export interface RunOptions extends Streams {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Runs `switchboard <noun> <verb> …` and returns the exit code; never throws. */
export async function runOperatorCommand(argv: readonly string[], options: RunOptions): Promise<number> {
  const [noun = "", verb, ...rest] = argv;
  const fail = (message: string, code: number) => {
    options.stderr.write(`switchboard: ${message}\n`);
    return code;
  };
  if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
    if (verb === undefined) {
      options.stderr.write(nounHelp(noun));
      return EXIT.usage;
    }
    options.stdout.write(nounHelp(noun));
    return EXIT.ok;
  }
  const command = verbsOf(noun).find((candidate) => candidate.verb === verb);
  if (command === undefined) {
    return fail(
      `unknown command '${noun} ${verb}'; '${noun}' takes ${verbsOf(noun)
        .map((candidate) => candidate.verb)
        .join(", ")}.`,
      EXIT.usage,
    );
  }
  let secrets: string[] = [];
  let url = "";
  try {
    const flags = command.local
      ? { ...command.flags, help: GLOBAL_FLAGS["help"] ?? { type: "boolean" as const, description: "" } }
      : { ...GLOBAL_FLAGS, ...command.flags };
    const args = parseFlags(rest, flags);
    // Scrub a key from every message, even when the command line around it is wrong.
    const flagKey = args.values["key"];
    secrets = [typeof flagKey === "string" ? flagKey : "", options.env["SWITCHBOARD_API_KEY"] ?? ""].filter(
      (secret) => secret !== "",
    );
    if (args.values["help"] === true) {
      options.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    const context = createContext(args, options, options.env, options.signal ?? new AbortController().signal);
    url = context.url;
    await command.run(context, args);
    return EXIT.ok;
  } catch (error) {
    const rendered = renderError(error, url, secrets);
    const hint =
      error instanceof UsageError ? `\nRun \`switchboard ${noun} ${verb} --help\` for its flags.` : "";
    return fail(`error: ${rendered.message}${hint}`, rendered.exitCode);
  }
}
