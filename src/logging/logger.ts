import { pino } from "pino";
import { scrubSecrets } from "../shared/secret-scrubber.js";

/**
 * One structured JSON logger for the process. Fields are chosen by the callers; secrets are never passed in,
 * and the redaction paths below are a second line of defence for headers that could hold one. The third is the
 * destination itself: every line is scrubbed of configured secrets and credential shapes before it is written.
 */
export type Logger = pino.Logger;

/** The parts of a pino destination the logger uses (SonicBoom and test capture streams alike). */
type Destination = pino.DestinationStream & {
  flush?: (callback?: (error?: Error) => void) => void;
  flushSync?: () => void;
  end?: () => void;
};

/**
 * A destination that scrubs every line on its way out: the last line of defence for anything that reached a log
 * line (an error's cause, a header, a model name a client typed a key into). Access lines go through it too,
 * since they are written straight to the logger's stream.
 */
export class ScrubbingDestination implements pino.DestinationStream {
  constructor(private readonly inner: Destination) {}

  write(line: string): void {
    this.inner.write(scrubSecrets(line));
  }

  flush(callback?: (error?: Error) => void): void {
    if (typeof this.inner.flush === "function") this.inner.flush(callback);
    else callback?.();
  }

  flushSync(): void {
    this.inner.flushSync?.();
  }

  end(): void {
    this.inner.end?.();
  }
}

/**
 * `destination` lets tests read every line the gateway writes (e.g. to sweep for secrets). The default is
 * asynchronous, buffered stdout: a synchronous write per request line showed up at ~9% of CPU in the bench
 * profile. main.ts flushes on shutdown.
 */
export function createLogger(
  level: string = process.env["SWITCHBOARD_LOG_LEVEL"] ?? "info",
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false, minLength: 4096 }),
): Logger {
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
    new ScrubbingDestination(destination as Destination),
  );
}
