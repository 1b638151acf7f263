// Scenario 7 — the Chat Connect service against the REST path at the same upstream, Switchboard only: unary CPU
// per request and throughput at 50 connections for REST (HTTP/1.1, wrk), REST over h2c, Connect JSON (HTTP/1.1,
// wrk) and gRPC (h2c, h2load); then streaming TTFT and fidelity for REST SSE, Connect and gRPC (connect-node
// clients). Pending until the generated service and the Connect routes exist.
import { runH2load } from "../lib/h2load.mjs";
import { chatBody, interleaved } from "../lib/measure.mjs";
import { cpuMicros } from "../lib/proc-stats.mjs";
import { httpCall } from "../lib/processes.mjs";
import { compare, fmt, markdownTable } from "../lib/report.mjs";
import {
  COMPLETE_PATH,
  chatRequestInit,
  connectJsonBody,
  grpcCompleteBody,
  loadRpc,
} from "../lib/rpc-bodies.mjs";
import { quantile } from "../lib/stats.mjs";
import { runStreams } from "../lib/stream-client.mjs";
import { runWrk } from "../lib/wrk.mjs";
import { expectedTokens } from "./ttft-fidelity.mjs";

async function rpcStreams({ client, model, total, concurrency }) {
  const results = [];
  let issued = 0;
  const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
  const worker = async () => {
    while (issued < total) {
      issued += 1;
      const started = nowMs();
      const tokens = [];
      let ttft = Number.NaN;
      let error;
      try {
        for await (const message of client.stream({ request: chatRequestInit(model) })) {
          if (message.event.case === "textDelta") {
            if (tokens.length === 0) ttft = nowMs() - started;
            tokens.push(message.event.value.text);
          }
        }
      } catch (caught) {
        error = String(caught);
      }
      results.push({ ttft, tokens, error });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ttfts = results.map((result) => result.ttft);
  return {
    streams: results.length,
    failed: results.filter((result) => result.error !== undefined).length,
    outOfOrder: results.filter(
      (result) =>
        result.tokens.length !== expectedTokens.length ||
        result.tokens.some((token, i) => token !== expectedTokens[i]),
    ).length,
    ttftP50Ms: quantile(ttfts, 0.5),
    ttftP99Ms: quantile(ttfts, 0.99),
    firstError: results.find((result) => result.error !== undefined)?.error,
  };
}

export const connectRpc = {
  id: "connect-rpc",
  title: "7. Chat Connect service — Connect and gRPC against REST, Switchboard, same upstream",
  async run(context) {
    const arm = context.arms.find((candidate) => candidate.name === "switchboard");
    if (arm === undefined) return { pending: "the Switchboard arm is not running" };
    const rpc = await loadRpc();
    if (rpc.pending !== undefined) return rpc;
    const route = arm.route("openai");
    await context.upstream.configure({});
    const connectJson = connectJsonBody(route.model);
    const probe = await httpCall({
      port: arm.port,
      method: "POST",
      path: COMPLETE_PATH,
      headers: { ...route.headers, "connect-protocol-version": "1" },
      body: connectJson,
    }).catch((error) => ({ status: 0, text: String(error) }));
    if (probe.status !== 200)
      return { pending: `Connect Complete answered HTTP ${probe.status}: ${probe.text.slice(0, 200)}` };

    const { generated, connect, connectNode } = rpc;
    const grpcBody = grpcCompleteBody(rpc, route.model);
    const seconds = context.smoke ? 1 : 5;
    const withCpu = async (measure) => {
      const before = cpuMicros(arm.pid);
      const result = await measure();
      const spent = cpuMicros(arm.pid) - before;
      return { ...result, cpuUsPerRequest: result.requests > 0 ? spent / result.requests : Number.NaN };
    };
    const variants = [
      {
        name: "rest-h1",
        measure: () =>
          runWrk({
            port: arm.port,
            path: route.path,
            body: chatBody(route.model, false),
            headers: route.headers,
            connections: 50,
            seconds,
          }),
      },
      {
        name: "rest-h2c",
        measure: () =>
          runH2load({
            port: arm.port,
            path: route.path,
            body: Buffer.from(chatBody(route.model, false)),
            headers: { ...route.headers, "content-type": "application/json" },
            connections: 50,
            seconds,
            workDir: context.runDir,
            name: "rest",
          }),
      },
      {
        name: "connect-json-h1",
        measure: () =>
          runWrk({
            port: arm.port,
            path: COMPLETE_PATH,
            body: connectJson,
            headers: { ...route.headers, "connect-protocol-version": "1" },
            connections: 50,
            seconds,
          }),
      },
      {
        name: "grpc-h2c",
        measure: () =>
          runH2load({
            port: arm.port,
            path: COMPLETE_PATH,
            body: grpcBody,
            headers: { ...route.headers, "content-type": "application/grpc", te: "trailers" },
            connections: 50,
            seconds,
            workDir: context.runDir,
            name: "grpc",
          }),
      },
    ];
    const unary = await interleaved(
      variants.map((variant) => ({ name: variant.name, variant })),
      context.reps,
      (entry) => withCpu(entry.variant.measure),
    );

    await context.upstream.configure({ delayMs: 50, chunks: expectedTokens.length + 1, intervalMs: 10 });
    const baseUrl = `http://127.0.0.1:${arm.port}`;
    const interceptors = [
      (next) => (request) => {
        request.header.set("authorization", route.headers.authorization);
        return next(request);
      },
    ];
    const connectClient = connect.createClient(
      generated.ChatService,
      connectNode.createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors }),
    );
    const grpcClient = connect.createClient(
      generated.ChatService,
      connectNode.createGrpcTransport({ baseUrl, httpVersion: "2", interceptors }),
    );
    const total = context.smoke ? 20 : 100;
    const streamVariants = [
      {
        name: "rest-sse",
        measure: () =>
          runStreams({
            port: arm.port,
            path: route.path,
            headers: route.headers,
            body: chatBody(route.model, true),
            concurrency: 10,
            total,
            expectedTokens,
            intervalMs: 10,
          }),
      },
      {
        name: "connect",
        measure: () => rpcStreams({ client: connectClient, model: route.model, total, concurrency: 10 }),
      },
      {
        name: "grpc",
        measure: () => rpcStreams({ client: grpcClient, model: route.model, total, concurrency: 10 }),
      },
    ];
    const streaming = await interleaved(
      streamVariants.map((variant) => ({ name: variant.name, variant })),
      context.reps,
      (entry) => entry.variant.measure(),
    );
    return { unary, streaming };
  },
  table(result) {
    if (result.pending !== undefined) return `Pending: ${result.pending}.`;
    const restCpu = result.unary["rest-h1"]?.cpuUsPerRequest;
    const unaryRows = Object.entries(result.unary).map(([name, fields]) => [
      name,
      fmt(fields.rps, 0),
      fmt(fields.cpuUsPerRequest, 0),
      compare("ratio", fields.cpuUsPerRequest, restCpu),
      fmt(fields.errors, 0),
    ]);
    const streamRows = Object.entries(result.streaming).map(([name, fields]) => [
      name,
      fmt(fields.ttftP50Ms, 3),
      fmt(fields.ttftP99Ms, 3),
      fmt(fields.failed, 0),
      fmt(fields.outOfOrder, 0),
    ]);
    return [
      "Unary, 50 connections (targets: Connect JSON ≤ 1.2×, gRPC ≤ 1.3× the CPU of REST):",
      "",
      markdownTable(["path", "requests/s", "CPU-µs per request", "÷ REST HTTP/1.1", "errors"], unaryRows),
      "",
      "Streaming, 10 concurrent (first event after 50 ms, 20 events 10 ms apart):",
      "",
      markdownTable(["path", "TTFT p50 (ms)", "TTFT p99 (ms)", "failed", "not one-to-one"], streamRows),
      ...Object.entries(result.streaming)
        .filter(([, fields]) => fields.firstError !== undefined)
        .map(([name, fields]) => `\n- ${name}: first error: ${fields.firstError.slice(0, 300)}`),
    ].join("\n");
  },
};
