/**
 * CPU cost of guardrails per request, measured in the same run: ChatGateway.complete() over a dispatcher that
 * answers at once (so only the gateway's own work is measured), without guardrails and with PII masking on
 * pre_call and post_call (and secret detection pre_call), in alternating rounds so that machine noise hits both.
 *
 *   node --import tsx bench/guardrail-cost.ts [requests-per-round] [rounds]
 *
 * Prints CPU µs per request (process.cpuUsage: user + system) for each and the difference. A ~1.2 KB prompt with
 * two PII values, a ~400-character answer with one.
 */

import { buildGuardrails, type RawGuardrailEntry } from "../src/config/guardrail-config.js";
import { ConfiguredModelCatalog } from "../src/core/catalog/model-catalog.js";
import { ChatGateway } from "../src/core/chat/chat-gateway.js";
import type { ChatContext, Dispatcher } from "../src/core/chat/dispatcher.js";
import type { ChatRequest, ChatResponse } from "../src/core/types/chat.js";
import type { Deployment } from "../src/core/types/deployment.js";
import { createGuardrails } from "../src/guardrails/guardrail-engine.js";

const perRound = Number(process.argv[2] ?? 2_000);
const rounds = Number(process.argv[3] ?? 6);
const deployments: Deployment[] = [
  {
    id: "bench#1",
    modelName: "bench",
    provider: "openai",
    model: "m",
    params: { extra: {} },
    info: { extra: {} },
  },
];
const catalog = new ConfiguredModelCatalog(deployments, {
  aliases: {},
  hiddenAliases: [],
  capabilitiesOf: () => [],
});
const answer =
  "Thanks for the details. I have forwarded the invoice to billing, who will reply from accounts@example.com within two working days. In the meantime, please keep the reference number handy and do not share payment details over chat. If anything changes, reply here and I will update the ticket straight away.";
const dispatcher: Dispatcher = {
  complete: async () => ({
    response: {
      id: "r",
      model: "m",
      created: 1,
      choices: [{ index: 0, message: { content: answer }, finishReason: "stop" }],
      usage: { promptTokens: 300, completionTokens: 80, totalTokens: 380 },
    } satisfies ChatResponse,
    routing: { modelGroup: "bench", deployment: "bench#1", provider: "openai", model: "m", attempts: [] },
  }),
  stream: async () => {
    throw new Error("unary only");
  },
  fallbackGroups: () => new Map(),
};
const prompt = `${"Our customer wrote in about a billing problem with last month's invoice and asked us to look into it. ".repeat(10)}Their email is jane.doe@example.com and their phone is +1 415 555 0132; please draft a reply.`;
const request = (): ChatRequest => ({
  model: "bench",
  messages: [
    { role: "system", content: "You are a helpful support assistant." },
    { role: "user", content: prompt },
  ],
});
const context: ChatContext = {
  requestId: "bench",
  principal: { keyId: "k", role: "admin", display: "k" },
  signal: new AbortController().signal,
};

const problems: string[] = [];
const configs = buildGuardrails(
  [
    {
      guardrail_name: "pii",
      litellm_params: { guardrail: "pii", mode: ["pre_call", "post_call"], default_on: true },
    },
    {
      guardrail_name: "secrets",
      litellm_params: { guardrail: "secret_detection", mode: "pre_call", default_on: true },
    },
  ] as unknown as RawGuardrailEntry[],
  process.cwd(),
  problems,
);
if (problems.length > 0) throw new Error(problems.join("\n"));
const off = new ChatGateway(dispatcher, { catalog, dropParams: false });
const on = new ChatGateway(dispatcher, {
  catalog,
  dropParams: false,
  guardrails: await createGuardrails(configs),
});

async function round(gateway: ChatGateway): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < perRound; index++) await gateway.complete(request(), context);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / perRound;
}

// Warm-up, and a check that masking happened.
for (let index = 0; index < 300; index++) {
  await off.complete(request(), context);
  await on.complete(request(), context);
}
const checked = await on.complete(request(), context);
if (!checked.response.choices[0]?.message.content?.includes("<EMAIL_ADDRESS>")) throw new Error("not masked");
const offSamples: number[] = [];
const onSamples: number[] = [];
for (let index = 0; index < rounds; index++) {
  offSamples.push(await round(off));
  onSamples.push(await round(on));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const offMedian = median(offSamples);
const onMedian = median(onSamples);
console.log(
  `guardrails off            ${offMedian.toFixed(1).padStart(7)} CPU µs/request (median of ${rounds} rounds × ${perRound})`,
);
console.log(`PII mask pre+post, secrets ${onMedian.toFixed(1).padStart(6)} CPU µs/request`);
console.log(
  `cost of the guardrails    ${(onMedian - offMedian).toFixed(1).padStart(7)} CPU µs/request (×${(onMedian / offMedian).toFixed(2)})`,
);
