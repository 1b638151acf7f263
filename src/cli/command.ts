import type { FlagSpecs, ParsedArgs } from "./args.js";
import type { CommandContext } from "./context.js";

/** One `switchboard <noun> <verb>`: its flags (for parsing and for --help) and what it does. */
export interface CommandSpec {
  noun: string;
  verb: string;
  /** Positional arguments as help shows them, e.g. "KEY_ID". */
  args: string;
  summary: string;
  flags: FlagSpecs;
  /** True for commands that never talk to a gateway (no --url, --key, --protocol). */
  local?: boolean;
  run(context: CommandContext, args: ParsedArgs): Promise<void>;
}
