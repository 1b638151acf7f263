/**
 * A gateway in its own process for the socket and shutdown hardening tests: a crash shows as the child exiting,
 * and its file descriptors can be counted in /proc. Reads its setup as JSON from SWITCHBOARD_SOCKET_GATEWAY,
 * starts on 127.0.0.1:0, prints `{"url": …}` on one stdout line, and drains on SIGTERM through the same
 * closeOnSignal as src/main.ts. Run with `node --import tsx test/helpers/socket-gateway-process.ts`.
 */

import { createLogger } from "../../src/logging/logger.js";
import { closeOnSignal } from "../../src/server/shutdown.js";
import type { ConnectionLimits } from "../../src/server.js";
import { deployment, startTestGateway } from "./gateway.js";

export interface SocketGatewaySetup {
  /** An OpenAI-compatible upstream (test/helpers/slow-upstream.ts) served as `slow/<model>`. */
  upstream?: string;
  limits?: Partial<ConnectionLimits>;
  tls?: { certFile: string; keyFile: string };
  graceMs?: number;
}

const setup = JSON.parse(process.env["SWITCHBOARD_SOCKET_GATEWAY"] ?? "{}") as SocketGatewaySetup;
const deployments = [deployment("mock-gpt", "mock", "fixed"), deployment("mock/*", "mock", "*")];
if (setup.upstream !== undefined) {
  deployments.push(
    deployment("slow/*", "openai", "*", { apiBase: setup.upstream, apiKey: "sk-upstream-socket-test-0001" }),
  );
}
const logger = createLogger("silent");
const app = await startTestGateway(deployments, {
  logger,
  ...(setup.limits !== undefined ? { connectionLimits: setup.limits } : {}),
  ...(setup.tls !== undefined ? { tls: setup.tls } : {}),
});
// The handler is installed before the URL is announced: a parent may signal as soon as it reads it.
void closeOnSignal(app, { graceMs: setup.graceMs ?? 10_000, logger }).then(() => {
  process.exitCode = 0;
});
process.stdout.write(`${JSON.stringify({ url: app.url })}\n`);
