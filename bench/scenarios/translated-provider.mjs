// Scenario 8 — a translated provider path: the same OpenAI-shaped client request routed to the Anthropic-shaped
// fake upstream (/v1/messages) against the OpenAI path, for every gateway arm that can do both. Reports the cost of
// translation: latency at one connection, CPU per request at 50 connections, TTFT and stream fidelity.
import { chatBody, interleaved, wrkWithCpu } from "../lib/measure.mjs";
import { httpCall } from "../lib/processes.mjs";
import { compare, fmt, markdownTable } from "../lib/report.mjs";
import { runStreams } from "../lib/stream-client.mjs";
import { expectedTokens } from "./ttft-fidelity.mjs";

const GATEWAYS = ["switchboard", "portkey"];
const KINDS = ["openai", "anthropic"];

/** Whether `arm` answers an Anthropic-routed unary request with 200 (the provider may not exist yet). */
async function probe(arm) {
  const route = arm.route("anthropic");
  const result = await httpCall({
    port: arm.port,
    method: "POST",
    path: route.path,
    headers: route.headers,
    body: chatBody(route.model, false),
  }).catch((error) => ({ status: 0, text: String(error) }));
  return result.status === 200 ? undefined : `HTTP ${result.status}: ${result.text.slice(0, 200)}`;
}

export const translatedProvider = {
  id: "translated-provider",
  title: "8. Translated provider path — OpenAI client → Anthropic-shaped upstream, against the OpenAI path",
  async run(context) {
    const variants = [];
    const pending = {};
    for (const name of GATEWAYS) {
      const arm = context.arms.find((candidate) => candidate.name === name);
      if (arm === undefined) continue;
      await context.upstream.configure({});
      const problem = await probe(arm);
      if (problem !== undefined) {
        pending[name] = problem;
        continue;
      }
      for (const kind of KINDS) {
        variants.push({ ...arm, name: `${name}/${kind}`, route: () => arm.route(kind) });
      }
    }
    if (variants.length === 0) return { pending };
    const seconds = context.smoke ? 2 : 4;
    await context.upstream.configure({});
    const floor = await interleaved(variants, context.reps, (variant) =>
      wrkWithCpu(context, variant, { connections: 1, seconds }),
    );
    const load = await interleaved(variants, context.reps, (variant) =>
      wrkWithCpu(context, variant, { connections: 50, seconds }),
    );
    await context.upstream.configure({ delayMs: 50, chunks: expectedTokens.length + 1, intervalMs: 10 });
    const streams = await interleaved(variants, context.reps, (variant) => {
      const route = variant.route();
      return runStreams({
        port: variant.port,
        path: route.path,
        headers: route.headers,
        body: chatBody(route.model, true),
        concurrency: 10,
        total: context.smoke ? 20 : 60,
        expectedTokens,
        intervalMs: 10,
      });
    });
    return { pending, variants: variants.map((variant) => variant.name), floor, load, streams };
  },
  table(result) {
    const lines = Object.entries(result.pending).map(([name, why]) => `- ${name}: pending — ${why}`);
    if (result.variants === undefined) return lines.join("\n");
    const header = ["metric"];
    for (const name of GATEWAYS) {
      if (!result.variants.includes(`${name}/openai`)) continue;
      header.push(`${name} → OpenAI`, `${name} → Anthropic`, `${name} Anthropic ÷ OpenAI`);
    }
    const row = (label, source, get, digits = 2) => {
      const cells = [label];
      for (const name of GATEWAYS) {
        if (!result.variants.includes(`${name}/openai`)) continue;
        const openai = get(source[`${name}/openai`]);
        const anthropic = get(source[`${name}/anthropic`]);
        cells.push(fmt(openai, digits), fmt(anthropic, digits), compare("ratio", anthropic, openai));
      }
      return cells;
    };
    const rows = [
      row("p50 latency, 1 connection (ms)", result.floor, (r) => r.p50Ms, 3),
      row("p99 latency, 1 connection (ms)", result.floor, (r) => r.p99Ms, 3),
      row("CPU-µs per request, 50 connections", result.load, (r) => r.cpuUsPerRequest, 0),
      row("requests/s, 50 connections", result.load, (r) => r.rps, 0),
      row("TTFT p50 (ms)", result.streams, (r) => r.ttftP50Ms, 3),
      row(
        "streams failed / not one-to-one / coalesced events",
        result.streams,
        (r) => r.failed + r.outOfOrder + r.coalescedEvents,
        0,
      ),
    ];
    return [markdownTable(header, rows), ...lines].join("\n");
  },
};
