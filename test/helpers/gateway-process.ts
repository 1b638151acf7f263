/**
 * A gateway in its own process, for tests that need several replicas. Reads its setup as JSON from the
 * SWITCHBOARD_TEST_GATEWAY environment variable, starts on 127.0.0.1:0, prints `{"url": …}` on one stdout line,
 * and closes on SIGTERM. Run with `node --import tsx test/helpers/gateway-process.ts`.
 */

import type { RouterSettings } from "../../src/app.js";
import type { Deployment } from "../../src/core/types/deployment.js";
import { startTestGateway } from "./gateway.js";

export interface GatewayProcessSetup {
  deployments: Deployment[];
  router: Omit<RouterSettings, "random" | "stateStore" | "onSharedStateChange">;
  /** Strategy ties and weighted picks always take the first candidate. */
  deterministic?: boolean;
}

const setup = JSON.parse(process.env["SWITCHBOARD_TEST_GATEWAY"] ?? "{}") as GatewayProcessSetup;
const app = await startTestGateway(setup.deployments, {
  router: {
    retryBackoffMs: 1,
    ...setup.router,
    ...(setup.deterministic === true ? { random: () => 0 } : {}),
  },
});
process.stdout.write(`${JSON.stringify({ url: app.url })}\n`);
process.once("SIGTERM", () => {
  void app.close(100).then(() => process.exit(0));
});
