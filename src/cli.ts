import { parseArgs } from "node:util";
import { isOperatorCommand, operatorOverview } from "./cli/index.js";

export type Command =
  | { kind: "serve"; config?: string; port?: number; host?: string; workers?: number }
  | { kind: "check"; config?: string }
  | { kind: "help" }
  /** `switchboard keys|teams|members|usage|models|config …`: run by src/cli/ against a running gateway. */
  | { kind: "operator"; argv: string[] }
  | { kind: "version" };

export const USAGE = `Usage (from a clone: npx switchboard …):
  switchboard [serve] [--config FILE] [--port N] [--host ADDRESS] [--workers N]
                                        run the gateway (LiteLLM-style flags; --num_workers is accepted too).
                                        Workers: one per core when Redis and PostgreSQL are configured, else one.
  switchboard check [--config FILE]     validate a config and print what the gateway would run, secrets redacted
  switchboard --help                    this text
  switchboard --version                 the version

${operatorOverview()}

Environment: SWITCHBOARD_CONFIG, PORT, HOST, SWITCHBOARD_MASTER_KEY, SWITCHBOARD_STRICT_MASTER_KEY, DATABASE_URL,
REDIS_URL, SWITCHBOARD_DATA_DIR, SWITCHBOARD_LOG_LEVEL, and provider keys (OPENAI_API_KEY, ANTHROPIC_API_KEY, …).`;

function port(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new Error(`--port must be 0-65535, got '${value}'.`);
  return parsed;
}

function workers(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(parsed) || parsed < 1 || parsed > 1024)
    throw new Error(`--${flag} must be a whole number from 1 to 1024, got '${value}'.`);
  return parsed;
}

/** Parses the command line; throws an Error with a message for the user on bad flags. */
export function parseCommand(argv: readonly string[]): Command {
  if (isOperatorCommand(argv)) return { kind: "operator", argv: [...argv] };
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string", short: "c" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
      workers: { type: "string", short: "w" },
      num_workers: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [verb, ...rest] = positionals;
  if (rest.length > 0) throw new Error(`Unexpected argument '${rest[0]}'.`);
  if (verb === "check")
    return { kind: "check", ...(values.config !== undefined ? { config: values.config } : {}) };
  if (verb !== undefined && verb !== "serve") throw new Error(`Unknown command '${verb}'.`);
  const parsedPort = port(values.port);
  if (values.workers !== undefined && values.num_workers !== undefined)
    throw new Error("Pass --workers or --num_workers, not both.");
  const parsedWorkers = workers(values.workers, "workers") ?? workers(values.num_workers, "num_workers");
  return {
    kind: "serve",
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(parsedPort !== undefined ? { port: parsedPort } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(parsedWorkers !== undefined ? { workers: parsedWorkers } : {}),
  };
}
