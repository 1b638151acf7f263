/**
 * CPU per request of the gateway with observability all off against metrics + tracing + one logging callback on
 * (issue 16's target: ≤ 10% more CPU). Each arm is its own child process running the gateway over the in-process
 * mock provider, so the measured CPU is the gateway's alone (`process.cpuUsage()` of the child, read over IPC before
 * and after each round). Spans and payloads go to a loopback receiver in the parent that answers 200. The arms take
 * turns (A B A B …) and the report is the median per round, so a noisy neighbour affects both alike.
 *
 *   node --import tsx bench/observability-overhead.ts [--requests=2000] [--rounds=5] [--concurrency=8]
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const MASTER_KEY = "sk-bench-master-7f3c9a1b2d4e6f8091a2b3c4d5e6f708";
/** off: nothing; metrics: /metrics only; tracing / callback: metrics plus that one; on: all three. */
type Arm = "off" | "metrics" | "tracing" | "callback" | "on";
const ARMS: readonly Arm[] = ["off", "metrics", "tracing", "callback", "on"];

if (process.argv[2] === "child") await child(process.argv[3] as Arm, process.argv[4] ?? "");
else await parent();

async function child(arm: Arm, receiverUrl: string): Promise<void> {
  const { startApp } = await import("../src/app.js");
  const { hashSecret } = await import("../src/auth/authenticator.js");
  const { createLogger } = await import("../src/logging/logger.js");
  const { GenericApiSink } = await import("../src/observability/callbacks/sinks.js");
  const tracing = arm === "on" || arm === "tracing";
  const callback = arm === "on" || arm === "callback";
  if (tracing) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiverUrl;
  const app = await startApp({
    deployments: [
      {
        id: "mock-gpt#mock",
        modelName: "mock-gpt",
        provider: "mock",
        model: "fixed",
        params: { extra: {} },
        info: { extra: {} },
      },
    ],
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 1 << 20,
    masterKey: { hash: hashSecret(MASTER_KEY), display: "sk-…f708" },
    logger: createLogger("silent"),
    observability:
      arm === "off"
        ? { metrics: false }
        : {
            followers: {
              ...(tracing ? { tracing: { requestedByConfig: true, captureContent: false } } : {}),
              ...(callback
                ? {
                    callbacks: {
                      logMessages: true,
                      routes: [
                        {
                          sink: new GenericApiSink({ endpoint: `${receiverUrl}/hook`, headers: {} }),
                          onSuccess: true,
                          onFailure: true,
                        },
                      ],
                    },
                  }
                : {}),
            },
          },
  });
  process.on("message", (message: string) => {
    if (message === "cpu") process.send?.(process.cpuUsage());
    if (message === "stop") void app.close(1_000).then(() => process.exit(0));
  });
  process.send?.({ url: app.url });
}

async function parent(): Promise<void> {
  const option = (name: string, fallback: number) =>
    Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
  const requests = option("requests", 2_000);
  const rounds = option("rounds", 5);
  const concurrency = option("concurrency", 8);
  const receiver = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const arms = new Map<
    Arm,
    { send: (message: string) => Promise<NodeJS.CpuUsage>; url: string; stop: () => void }
  >();
  const only = process.argv
    .find((arg) => arg.startsWith("--arms="))
    ?.split("=")[1]
    ?.split(",");
  for (const arm of ARMS.filter((name) => only === undefined || only.includes(name))) {
    const process_ = fork(new URL(import.meta.url).pathname, ["child", arm, receiverUrl], {
      execArgv: ["--import", "tsx"],
    });
    const url = await new Promise<string>((resolve) =>
      process_.once("message", (message) => resolve((message as { url: string }).url)),
    );
    arms.set(arm, {
      url,
      send: (message) =>
        new Promise((resolve) => {
          process_.once("message", (reply) => resolve(reply as NodeJS.CpuUsage));
          process_.send(message);
        }),
      stop: () => process_.send("stop"),
    });
  }
  const body = JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hello" }] });
  const drive = async (url: string, count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next += 1;
          const response = await fetch(`${url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
            body,
          });
          await response.arrayBuffer();
        }
      }),
    );
  };
  const perRequest: Record<Arm, number[]> = { off: [], metrics: [], tracing: [], callback: [], on: [] };
  for (const arm of arms.values()) await drive(arm.url, requests); // warm-up (JIT, pools)
  for (let round = 0; round < rounds; round++) {
    for (const [name, arm] of arms) {
      const before = await arm.send("cpu");
      await drive(arm.url, requests);
      const after = await arm.send("cpu");
      const micros = after.user - before.user + (after.system - before.system);
      perRequest[name].push(micros / requests);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const off = median(perRequest.off);
  const report: Record<string, unknown> = { requests_per_round: requests, rounds, concurrency };
  for (const name of arms.keys()) {
    const value = median(perRequest[name]);
    report[name] = {
      cpu_us_per_request: Math.round(value),
      vs_off_percent: off > 0 ? Math.round(((value - off) / off) * 1000) / 10 : null,
      rounds: perRequest[name].map(Math.round),
    };
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  for (const arm of arms.values()) arm.stop();
  receiver.close();
}
