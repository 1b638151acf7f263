// Runs h2load (HTTP/2 cleartext with prior knowledge) against 127.0.0.1 and returns its summary. Used for the
// gRPC and REST-over-h2c arms of the RPC scenario.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./processes.mjs";

/**
 * One bounded h2load run: `connections` clients, one stream each at a time, for `seconds`, POSTing `body` (a
 * Buffer, written to a file in `workDir`). h2load reports only a mean latency; "succeeded" means HTTP 2xx (a gRPC
 * error status in the trailers is not seen, so callers check correctness separately).
 */
export async function runH2load({ port, path, body, headers, connections, seconds, workDir, name }) {
  const bodyFile = join(workDir, `${name}.body`);
  writeFileSync(bodyFile, body);
  const args = [
    "-t1",
    `-c${connections}`,
    "-m1",
    `-D${seconds}`,
    "-d",
    bodyFile,
    ...Object.entries(headers).flatMap(([header, value]) => ["-H", `${header}: ${value}`]),
    `http://127.0.0.1:${port}${path}`,
  ];
  const result = await runCommand("h2load", args, {
    timeoutMs: (seconds + 20) * 1000,
    env: { PATH: process.env.PATH },
  });
  const finished = /finished in ([\d.]+)s, ([\d.]+) req\/s/.exec(result.stdout);
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
      result.stdout,
    );
  const latency = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(
    result.stdout,
  );
  if (finished === null || requests === null) {
    throw new Error(
      `h2load produced no summary (exit ${result.code}): ${result.stdout.slice(-500)} ${result.stderr}`,
    );
  }
  const toMs = (value, unit) => Number(value) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : 1);
  return {
    requests: Number(requests[4]),
    rps: Number(finished[2]),
    errors: Number(requests[5]) + Number(requests[6]),
    meanMs: latency === null ? Number.NaN : toMs(latency[5], latency[6]),
  };
}
