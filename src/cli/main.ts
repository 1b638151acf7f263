import { pathToFileURL } from "node:url";
import { runOperatorCommand } from "./index.js";

/**
 * Process entry of the operator commands (`switchboard keys …`). bin/switchboard.js comes here directly, so a
 * `keys list` does not load the gateway itself; src/main.ts forwards here too (for `npm run dev`).
 */
export async function main(argv: readonly string[]): Promise<never> {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
  const code = await runOperatorCommand(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
  // Idle HTTP/2 sessions would keep the process alive: exit once stdout and stderr are flushed.
  await Promise.all([
    new Promise((resolve) => process.stdout.write("", resolve)),
    new Promise((resolve) => process.stderr.write("", resolve)),
  ]);
  process.exit(code);
}

// Run directly (`node --import tsx src/cli/main.ts keys list`): act as the entry point.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
