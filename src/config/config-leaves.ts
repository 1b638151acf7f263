import { z } from "zod";
import { isHttpUrl } from "./is-http-url.js";

/**
 * The leaf schemas of the config: every string, number and boolean goes through these, so that `os.environ/NAME`
 * references are resolved wherever a value may appear (LiteLLM's syntax: the whole value is the reference) and a
 * number or boolean that arrives as a string (from an environment variable, or quoted in YAML) is coerced where the
 * field is numeric or boolean. Resolution happens inside zod, so a missing variable is reported with the path of
 * the key that referenced it, and keys we ignore are never resolved (a missing variable there is not an error).
 */

/** Reads one environment variable; undefined when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

const ENV_PREFIX = "os.environ/";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

type Context = z.RefinementCtx;

/**
 * Resolves one value if it is an `os.environ/NAME` reference. A variable that is not set, or set to the empty
 * string, is an error naming the variable: an unresolved credential would only fail later, at the first request.
 */
export function resolveEnvReference(value: unknown, env: EnvLookup, context: Context): unknown {
  if (typeof value !== "string" || !value.startsWith(ENV_PREFIX)) return value;
  const name = value.slice(ENV_PREFIX.length);
  if (!ENV_NAME.test(name)) {
    context.addIssue({
      code: "custom",
      message: "malformed os.environ/ reference (expected os.environ/NAME)",
    });
    return z.NEVER;
  }
  const resolved = env(name);
  if (resolved === undefined || resolved === "") {
    context.addIssue({
      code: "custom",
      message: `environment variable ${name} is not set (os.environ/${name})`,
    });
    return z.NEVER;
  }
  return resolved;
}

/** Resolves references at any depth of a free-form value (objects, arrays), reporting each with its own path. */
export function resolveEnvDeep(
  value: unknown,
  env: EnvLookup,
  context: Context,
  path: (string | number)[] = [],
): unknown {
  if (typeof value === "string") {
    if (!value.startsWith(ENV_PREFIX)) return value;
    const name = value.slice(ENV_PREFIX.length);
    const resolved = ENV_NAME.test(name) ? env(name) : undefined;
    if (resolved === undefined || resolved === "") {
      const message = ENV_NAME.test(name)
        ? `environment variable ${name} is not set (os.environ/${name})`
        : "malformed os.environ/ reference (expected os.environ/NAME)";
      context.addIssue({ code: "custom", message, path });
      return value;
    }
    return resolved;
  }
  if (Array.isArray(value))
    return value.map((item, index) => resolveEnvDeep(item, env, context, [...path, index]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = resolveEnvDeep(item, env, context, [...path, key]);
    return out;
  }
  return value;
}

function toNumber(value: unknown): unknown {
  if (typeof value === "string" && NUMERIC.test(value.trim())) return Number(value.trim());
  return value;
}

function toBoolean(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const lowered = value.trim().toLowerCase();
  if (lowered === "true") return true;
  if (lowered === "false") return false;
  return value;
}

/** Builds the leaf schemas bound to one environment. */
export function createLeaves(env: EnvLookup) {
  const resolved = <T extends z.ZodType>(schema: T, coerce: (value: unknown) => unknown = (value) => value) =>
    z.preprocess((value, context) => coerce(resolveEnvReference(value, env, context)), schema);

  return {
    /** A non-empty string. */
    string: () => resolved(z.string().min(1, "must not be empty")),
    /** A string, number or boolean, kept as a string (header values, environment_variables). */
    scalarString: () =>
      resolved(z.union([z.string(), z.number(), z.boolean()]).transform((value) => String(value))),
    /** A finite number; numeric strings are coerced. */
    number: () => resolved(z.number().finite(), toNumber),
    /** A number ≥ 0 (prices, seconds). */
    nonNegative: () => resolved(z.number().finite().min(0, "must be ≥ 0"), toNumber),
    /** A number > 0 (timeouts, weights). */
    positive: () => resolved(z.number().finite().gt(0, "must be > 0"), toNumber),
    /** An integer ≥ 0 (counts, limits). */
    count: () => resolved(z.number().int("must be an integer").min(0, "must be ≥ 0"), toNumber),
    /** An integer ≥ 1. */
    positiveCount: () => resolved(z.number().int("must be an integer").min(1, "must be ≥ 1"), toNumber),
    /** A TCP port (0 lets the system choose one, for tests). */
    port: () =>
      resolved(
        z.number().int("must be an integer").min(0).max(65535, "must be a port number (0-65535)"),
        toNumber,
      ),
    /** One of a fixed set of strings. */
    oneOf: <const T extends readonly [string, ...string[]]>(values: T) => resolved(z.enum(values)),
    /** true/false; "true"/"false" strings are coerced. */
    boolean: () => resolved(z.boolean(), toBoolean),
    /** An absolute http(s) URL. */
    httpUrl: () =>
      resolved(
        z
          .string()
          .min(1, "must not be empty")
          .refine((value) => isHttpUrl(value), "must be an absolute http:// or https:// URL"),
      ),
    /** A list of non-empty strings. */
    stringList: () => z.array(resolved(z.string().min(1, "must not be empty"))),
    /** Any JSON-like value; references are resolved at every depth. */
    json: () => z.preprocess((value, context) => resolveEnvDeep(value, env, context), z.unknown()),
    /** A JSON object; references are resolved at every depth. */
    jsonObject: () =>
      z.preprocess(
        (value, context) => resolveEnvDeep(value, env, context),
        z.record(z.string(), z.unknown()),
      ),
  };
}

export type ConfigLeaves = ReturnType<typeof createLeaves>;
