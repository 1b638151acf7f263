/**
 * In-process overhead of the library per call: `completion()` against a direct undici request to the same
 * upstream (the fake upstream of the benchmark, in its own process), sequential unary calls, arms interleaved in
 * rounds so drift hits both alike.
 *
 *   node --import tsx bench/library-overhead.ts [calls-per-round] [rounds]
 *
 * Prints the mean µs per call of each arm, the difference (the library's own work: validation, routing,
 * translation, pricing, the OpenAI shape) and the ratio.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { closeCompletions, completion } from "../src/library/index.js";

const calls = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);
const upstream = spawn(process.execPath, [fileURLToPath(new URL("./fake-upstream.mjs", import.meta.url))], {
  stdio: ["ignore", "pipe", "inherit"],
});
const [line] = (await once(upstream.stdout, "data")) as [Buffer];
const { port } = JSON.parse(line.toString()) as { port: number };
const base = `http://127.0.0.1:${port}/v1`;
const messages = [{ role: "user" as const, content: "Hello" }];
const body = JSON.stringify({ model: "gpt-4o-mini", messages });

async function direct(): Promise<void> {
  const response = await request(`${base}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
    body,
  });
  await response.body.json();
}

async function library(): Promise<void> {
  await completion({ model: "gpt-4o-mini", messages, api_key: "sk-bench", api_base: base });
}

async function time(arm: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let index = 0; index < calls; index += 1) await arm();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

for (let index = 0; index < 200; index += 1) {
  await direct();
  await library();
}
const totals = { direct: 0, library: 0 };
for (let round = 0; round < rounds; round += 1) {
  totals.direct += await time(direct);
  totals.library += await time(library);
}
const directUs = totals.direct / rounds;
const libraryUs = totals.library / rounds;
process.stdout.write(
  `${JSON.stringify({
    calls: calls * rounds,
    direct_us: Math.round(directUs),
    library_us: Math.round(libraryUs),
    overhead_us: Math.round(libraryUs - directUs),
    ratio: Math.round((libraryUs / directUs) * 100) / 100,
  })}\n`,
);
await closeCompletions();
upstream.kill();
