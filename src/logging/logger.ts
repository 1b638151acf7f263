import { pino } from "pino";

/**
 * One structured JSON logger for the process. Fields are chosen by the callers; secrets are never passed in,
 * and the redaction paths below are a second line of defence for headers that could hold one.
 */
export type Logger = pino.Logger;

/** `destination` (default stdout) lets tests read every line the gateway writes, e.g. to sweep for secrets. */
export function createLogger(
  level: string = process.env["SWITCHBOARD_LOG_LEVEL"] ?? "info",
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "switchboard" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "authorization",
        "*.authorization",
        "api_key",
        "*.api_key",
        "apiKey",
        "*.apiKey",
        "master_key",
        "*.master_key",
      ],
      censor: "[redacted]",
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
