import {
  createSwitchboardClient,
  type SwitchboardClient,
  type SwitchboardProtocol,
} from "../../clients/typescript/src/index.js";
import { type ParsedArgs, stringFlag } from "./args.js";
import { UsageError } from "./exit-codes.js";
import { colorAllowed, type Output, type OutputFormat } from "./output.js";

export const DEFAULT_URL = "http://127.0.0.1:4000";

/** What a command runs with: where to print, and (only when it needs one) a client for the gateway. */
export interface CommandContext {
  output: Output;
  url: string;
  /** The API key in use, so that errors can scrub it; never printed. */
  secrets: string[];
  client(): SwitchboardClient;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}

export interface Streams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

function outputFormat(args: ParsedArgs): OutputFormat {
  const output = stringFlag(args, "output");
  if (args.values["json"] === true) {
    if (output !== undefined && output !== "json")
      throw new UsageError(`--json and --output ${output} contradict each other.`);
    return "json";
  }
  if (output === undefined) return "table";
  if (output !== "table" && output !== "json" && output !== "yaml")
    throw new UsageError(`--output must be one of table, json, yaml, got '${output}'.`);
  return output;
}

function protocolOf(args: ParsedArgs): SwitchboardProtocol {
  const protocol = stringFlag(args, "protocol") ?? "connect";
  if (protocol !== "connect" && protocol !== "grpc" && protocol !== "grpc-web")
    throw new UsageError(`--protocol must be one of connect, grpc, grpc-web, got '${protocol}'.`);
  return protocol;
}

function urlOf(args: ParsedArgs, env: NodeJS.ProcessEnv): string {
  const text = stringFlag(args, "url") ?? env["SWITCHBOARD_URL"] ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new UsageError(`--url must be an http:// or https:// URL, got '${text}'.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new UsageError(`--url must be an http:// or https:// URL, got '${text}'.`);
  if (parsed.username !== "" || parsed.password !== "")
    throw new UsageError("--url must not carry credentials; pass the key with SWITCHBOARD_API_KEY.");
  return text.replace(/\/+$/, "");
}

/** Builds the context from the global flags; the client is created on first use, after every flag is checked. */
export function createContext(
  args: ParsedArgs,
  streams: Streams,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): CommandContext {
  const format = outputFormat(args);
  const protocol = protocolOf(args);
  const url = urlOf(args, env);
  const apiKey = stringFlag(args, "key") ?? env["SWITCHBOARD_API_KEY"] ?? "";
  const secrets = apiKey === "" ? [] : [apiKey];
  let client: SwitchboardClient | undefined;
  return {
    output: {
      format,
      color: format === "table" && colorAllowed(streams.stdout, env),
      write: (text) => streams.stdout.write(text),
      note: (text) => streams.stderr.write(`${text}\n`),
    },
    url,
    secrets,
    env,
    signal,
    client() {
      if (apiKey === "") throw new UsageError("No API key: set SWITCHBOARD_API_KEY (or pass --key).");
      client ??= createSwitchboardClient({
        baseUrl: url,
        apiKey,
        protocol,
        // Connect over HTTP/1.1 works through every proxy; gRPC needs HTTP/2 either way.
        httpVersion: "1.1",
      });
      return client;
    },
  };
}
