import { parseArgs } from "node:util";
import { UsageError } from "./exit-codes.js";

/** One flag of a command, as node:util parseArgs takes it, plus the line `--help` prints. */
export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Placeholder in help, for example "N" or "DURATION". */
  value?: string;
  description: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Flags every remote command takes. */
export const GLOBAL_FLAGS: FlagSpecs = {
  url: {
    type: "string",
    value: "URL",
    description: "gateway base URL (default $SWITCHBOARD_URL or http://127.0.0.1:4000)",
  },
  key: {
    type: "string",
    value: "KEY",
    description: "API key (default $SWITCHBOARD_API_KEY; prefer the variable: flags show in `ps`)",
  },
  protocol: { type: "string", value: "connect|grpc", description: "wire protocol (default connect)" },
  json: { type: "boolean", description: "print JSON (same as --output json)" },
  output: {
    type: "string",
    short: "o",
    value: "table|json|yaml",
    description: "output format (default table)",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
};

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Node's parseArgs, strict, with its errors turned into UsageErrors that name the flag. */
export function parseFlags(argv: readonly string[], flags: FlagSpecs): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short !== undefined ? { short: spec.short } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Node's messages already name the flag ("Unknown option '--colour'", "Option '--url <value>' argument missing").
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, "."));
  }
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

export function listFlag(args: ParsedArgs, name: string): string[] | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [String(value)])
    .flatMap((item) => item.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items;
}

export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A whole number within bounds, or a UsageError naming the flag. */
export function integerFlag(
  args: ParsedArgs,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^-?[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${text}'.`);
  return value;
}

/** A non-negative decimal (USD amounts), or a UsageError naming the flag. */
export function amountFlag(args: ParsedArgs, name: string): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0)
    throw new UsageError(`--${name} must be a non-negative number, got '${text}'.`);
  return value;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/** "90s", "10m", "24h", "30d", "1w" → seconds; a UsageError naming the flag otherwise. */
export function durationFlag(args: ParsedArgs, name: string): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const match = /^([0-9]{1,7})([smhdw])$/.exec(text.trim());
  const unit = UNIT_SECONDS[match?.[2] ?? ""];
  if (match === null || unit === undefined)
    throw new UsageError(`--${name} must be a duration such as 90s, 10m, 24h, 30d or 1w, got '${text}'.`);
  return Number(match[1]) * unit;
}

/** An RFC 3339 time, or a duration meaning "that long ago" (`--since 24h`); a UsageError otherwise. */
export function timeFlag(args: ParsedArgs, name: string, now = Date.now()): Date | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  if (/^[0-9]{1,7}[smhdw]$/.test(text.trim())) return new Date(now - (durationFlag(args, name) ?? 0) * 1000);
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(parsed))
    throw new UsageError(
      `--${name} must be an RFC 3339 time (2025-01-31T00:00:00Z) or a duration ago (24h), got '${text}'.`,
    );
  return new Date(parsed);
}

/** One of a fixed set of words, or a UsageError listing them. */
export function choiceFlag<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text))
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got '${text}'.`);
  return text as T;
}

/** A JSON object, or a UsageError naming the flag. */
export function jsonObjectFlag(args: ParsedArgs, name: string): Record<string, unknown> | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--${name} must be a JSON object, got '${text}'.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new UsageError(`--${name} must be a JSON object, got '${text}'.`);
  return parsed as Record<string, unknown>;
}

/** Exactly the named positional arguments, or a UsageError naming the missing or extra one. */
export function positionals(args: ParsedArgs, names: readonly string[]): string[] {
  if (args.positionals.length < names.length)
    throw new UsageError(`Missing argument ${names[args.positionals.length]?.toUpperCase()}.`);
  if (args.positionals.length > names.length)
    throw new UsageError(`Unexpected argument '${args.positionals[names.length]}'.`);
  return args.positionals;
}
