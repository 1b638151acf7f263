/**
 * A configuration that cannot be used: a YAML syntax error, an unknown or misspelled key, a wrong type, a missing
 * environment variable. Startup stops on it. Every problem is listed with the path of the key at fault (e.g.
 * `model_list[0].litellm_params.api_bse: unknown key`), so one run shows all that needs fixing. Messages name keys
 * and environment variable names, never values, so that printing them cannot leak a secret.
 */
export class ConfigError extends Error {
  /** One line per problem, each starting with the path of the key at fault. */
  readonly problems: readonly string[];
  /** The file the configuration came from, if any. */
  readonly source: string | undefined;

  constructor(problems: readonly string[], source?: string) {
    const where = source === undefined ? "configuration" : `configuration file ${source}`;
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`Invalid ${where} (${count}):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
    this.source = source;
  }
}
