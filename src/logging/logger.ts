import { pino } from "pino";

/**
 * One structured JSON logger for the process. Fields are chosen by the callers; secrets are never passed in,
 * and the redaction paths below are a second line of defence for headers that could hold one.
 */
export type Logger = pino.Logger;

export function createLogger(
  level: string = process.env["SWITCHBOARD_LOG_LEVEL"] ?? "info",
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false, minLength: 4096 }),
): Logger {
  // By default asynchronous, buffered stdout: a synchronous write per request line showed up at ~9% of CPU in
  // the bench profile. main.ts flushes on shutdown. Tests pass their own destination.
  return pino(
    {
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
    },
    destination,
  );
}
