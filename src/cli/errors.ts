import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/switchboard/v1/error_detail_pb.js";
import { EXIT, type ExitCode, UsageError } from "./exit-codes.js";

/** Connect's own spelling of a code ("permission_denied"), the one its JSON errors and docs use. */
function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Codes that mean "the gateway was not reached or could not answer", not "the gateway said no". */
const UNREACHABLE: ReadonlySet<Code> = new Set([Code.Unavailable, Code.DeadlineExceeded]);

export interface RenderedError {
  exitCode: ExitCode;
  message: string;
}

/** Removes every secret the CLI holds from a message, so a key never reaches the terminal through an error. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

/**
 * Any failure → an exit code and one line naming what went wrong: the Connect code, the server's message,
 * and the field (ErrorDetail.param) when the server named one.
 */
export function renderError(error: unknown, url: string, secrets: readonly string[]): RenderedError {
  if (error instanceof UsageError) return { exitCode: EXIT.usage, message: scrub(error.message, secrets) };
  if (error instanceof ConnectError) {
    const detail = error.findDetails(ErrorDetailSchema)[0];
    const field = detail?.param ? ` (field: ${detail.param})` : "";
    if (UNREACHABLE.has(error.code)) {
      return {
        exitCode: EXIT.unreachable,
        message: scrub(
          `cannot reach the gateway at ${url}: ${codeName(error.code)}: ${error.rawMessage}`,
          secrets,
        ),
      };
    }
    return {
      exitCode: EXIT.refused,
      message: scrub(`${codeName(error.code)}: ${error.rawMessage}${field}`, secrets),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    exitCode: EXIT.unreachable,
    message: scrub(`cannot reach the gateway at ${url}: ${message}`, secrets),
  };
}
