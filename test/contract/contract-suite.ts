/**
 * The provider contract suite: one function, run once per provider case. It starts one fake upstream and one
 * gateway per provider, then runs every scenario through both surfaces (REST with the `openai` SDK, Connect with
 * the typed client). A scenario whose capability the provider does not declare is skipped by name; a declared one
 * without a plan fails. Every upstream request is read back through the provider's wire reader and checked.
 */
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { App } from "../../src/app.js";
import { getProvider } from "../../src/providers/registry.js";
import { deployment, MASTER_KEY, startTestGateway } from "../helpers/gateway.js";
import { connectSurface } from "./connect-surface.js";
import {
  type Expectation,
  type ProviderCase,
  REQUIRES,
  SCENARIOS,
  type Scenario,
  type ScenarioPlan,
  type WireView,
} from "./contract-types.js";
import { type FakeReply, type FakeUpstream, type SeenRequest, startFakeUpstream } from "./fake-upstream.js";
import { restSurface } from "./rest-surface.js";
import type { ErrorClass, NeutralMessage, NeutralRequest, Outcome, Surface } from "./surface.js";

/** A 1×1 PNG, sent inline as a data URL in the vision scenario. */
export const PIXEL_PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const IMAGE_URL = "https://upload.wikimedia.org/wikipedia/commons/6/6a/Potato.png";

const JSON_SCHEMA = {
  type: "object",
  properties: { city: { type: "string" }, temperature: { type: "number" }, units: { type: "string" } },
  required: ["city", "temperature", "units"],
};

/** Scenarios whose first call streams unless the plan or its first reply says otherwise. */
const STREAMS_BY_DEFAULT = new Set<Scenario>([
  "streamed",
  "usage_in_stream",
  "tools_single",
  "tools_parallel",
  "tools_no_args",
  "reasoning_round_trip",
  "error_in_stream",
  "client_abort",
]);

/** The client-side bound GUARDS 12 sets: an aborted caller stops the upstream request within a second. */
const ABORT_PROPAGATION_BOUND_MS = 1_000;

const ERROR_SCENARIOS: Partial<Record<Scenario, ErrorClass>> = {
  error_bad_request: "bad_request",
  error_upstream_auth: "upstream_auth",
  error_not_found: "not_found",
  error_rate_limited: "rate_limited",
  error_overloaded: "unavailable",
};

function isStreamReply(reply: FakeReply): boolean {
  return /event-stream|ndjson|eventstream/.test(reply.contentType) && reply.status === 200;
}

interface Harness {
  providerCase: ProviderCase;
  upstream: FakeUpstream | undefined;
  group: string;
}

interface Run {
  t: TestContext;
  harness: Harness;
  plan: ScenarioPlan;
  surface: Surface;
  scenario: Scenario;
}

/** The model the caller names, and whether the first call streams. */
function baseRequest(run: Run, messages: NeutralMessage[]): NeutralRequest {
  const first = run.plan.replies[0];
  const stream =
    run.plan.stream ?? (first !== undefined ? isStreamReply(first) : STREAMS_BY_DEFAULT.has(run.scenario));
  return {
    model: run.plan.model ?? run.harness.group,
    messages,
    stream,
    ...(run.plan.tools !== undefined ? { tools: run.plan.tools } : {}),
  };
}

/** Scripts the fake upstream and returns a function that yields (and checks) the requests this run caused. */
function script(run: Run): () => { requests: SeenRequest[]; views: WireView[] } {
  const { upstream, providerCase } = run.harness;
  if (upstream === undefined) return () => ({ requests: [], views: [] });
  upstream.script(run.plan.replies);
  const start = upstream.requests.length;
  return () => {
    const requests = upstream.requests.slice(start);
    const views = requests.map((request, index) => {
      const reply = run.plan.replies[Math.min(index, run.plan.replies.length - 1)];
      if (reply?.path !== undefined) assert.equal(request.path.split("?")[0], reply.path, "upstream path");
      assert.equal(request.method, "POST");
      providerCase.validateRequest?.(request);
      assert.ok(providerCase.read, `${providerCase.provider} has a wire reader`);
      return providerCase.read(request.json);
    });
    return { requests, views };
  };
}

function checkOutcome(outcome: Outcome, expect: Expectation | undefined, harness: Harness): void {
  assert.equal(outcome.provider, harness.providerCase.provider, "routing names the provider");
  for (const call of outcome.toolCalls) {
    assert.ok(call.id.length > 0, "every tool call has an id");
    const parsed = JSON.parse(call.arguments) as unknown;
    assert.equal(typeof parsed, "object", `tool arguments are a JSON object: ${call.arguments}`);
  }
  assert.equal(
    new Set(outcome.toolCalls.map((call) => call.id)).size,
    outcome.toolCalls.length,
    "distinct ids",
  );
  if (expect === undefined) return;
  if (expect.text !== undefined) assert.equal(outcome.text, expect.text);
  if (expect.textIncludes !== undefined) {
    assert.ok(
      outcome.text.includes(expect.textIncludes),
      `text includes ${JSON.stringify(expect.textIncludes)}`,
    );
  }
  if (expect.finish !== undefined) assert.equal(outcome.finish, expect.finish);
  if (expect.usage !== undefined) {
    assert.ok(outcome.usage !== undefined, "usage is reported");
    assert.equal(outcome.usage.prompt, expect.usage.prompt, "prompt tokens");
    assert.equal(outcome.usage.completion, expect.usage.completion, "completion tokens");
    assert.equal(outcome.usage.total, expect.usage.prompt + expect.usage.completion, "total tokens");
    if (expect.usage.reasoning !== undefined) assert.equal(outcome.usage.reasoning, expect.usage.reasoning);
    if (expect.usage.cached !== undefined) assert.equal(outcome.usage.cached, expect.usage.cached);
  }
  if (expect.toolCalls !== undefined) {
    assert.deepEqual(
      outcome.toolCalls.map((call) => call.name),
      expect.toolCalls.map((call) => call.name),
      "tool call names in order",
    );
    expect.toolCalls.forEach((call, index) => {
      if (call.arguments === undefined) return;
      assert.deepEqual(JSON.parse(outcome.toolCalls[index]?.arguments ?? "null"), call.arguments);
    });
  }
  if (expect.reasoning !== undefined) {
    const text = outcome.reasoning.map((part) => part.text ?? "").join("");
    assert.ok(text.includes(expect.reasoning.textIncludes), "reasoning text is returned");
    if (expect.reasoning.signature) {
      assert.ok(
        outcome.reasoning.some((part) => (part.signature ?? "").length > 0),
        "the reasoning signature is returned",
      );
    }
  }
}

/** Says, in the test output, what this provider cannot show and why (never a silent gap). */
function note(run: Run, message: string): void {
  run.t.diagnostic(`${run.harness.providerCase.provider}: ${message}`);
}

const USER = (text: string): NeutralMessage => ({ role: "user", text });

const RUNNERS: Record<Scenario, (run: Run) => Promise<void>> = {
  async simple(run) {
    const sent = script(run);
    const outcome = await run.surface.send(baseRequest(run, [USER("Hello")]));
    checkOutcome(outcome, { finish: "stop", ...run.plan.expect }, run.harness);
    assert.ok(outcome.text.length > 0);
    assert.ok((outcome.usage?.total ?? 0) > 0, "a unary answer reports usage");
    const { views } = sent();
    if (run.harness.upstream)
      assert.deepEqual(
        views.map((view) => view.userTexts),
        [["Hello"]],
      );
  },

  async streamed(run) {
    const sent = script(run);
    const outcome = await run.surface.send({ ...baseRequest(run, [USER("Hello")]), stream: true });
    checkOutcome(outcome, { finish: "stop", ...run.plan.expect }, run.harness);
    assert.ok(outcome.text.length > 0);
    if (run.surface.name === "rest") assert.equal(outcome.usage, undefined, "no usage unless asked for");
    if (run.harness.upstream) assert.equal(sent().requests.length, 1);
  },

  async usage_in_stream(run) {
    const sent = script(run);
    const outcome = await run.surface.send({
      ...baseRequest(run, [USER("Hello")]),
      stream: true,
      includeUsage: true,
    });
    checkOutcome(outcome, run.plan.expect, run.harness);
    assert.ok(outcome.usage !== undefined, "the last chunk carries usage");
    assert.ok(outcome.usage.total > 0);
    assert.equal(outcome.usage.total, outcome.usage.prompt + outcome.usage.completion);
    if (run.harness.upstream) assert.equal(sent().requests.length, 1);
  },

  tools_single: runTools,
  tools_parallel: runTools,
  tools_no_args: runTools,

  async tool_round_trip(run) {
    const sent = script(run);
    const question = "What is the largest city in the user country?";
    const first = await run.surface.send(baseRequest(run, [USER(question)]));
    checkOutcome(first, run.plan.expect, run.harness);
    assert.ok(first.toolCalls.length > 0, "the first turn calls a tool");
    const results = first.toolCalls.map((call, index) => ({ call, content: `result ${index}: Mexico` }));
    const history: NeutralMessage[] = [
      USER(question),
      {
        role: "assistant",
        ...(first.text.length > 0 ? { text: first.text } : {}),
        toolCalls: first.toolCalls,
        ...(first.reasoning.length > 0 ? { reasoning: first.reasoning } : {}),
      },
      ...results.map(({ call, content }) => ({ role: "tool" as const, toolCallId: call.id, text: content })),
    ];
    const second = await run.surface.send({
      ...baseRequest(run, history),
      stream: run.plan.followUp?.stream ?? false,
    });
    checkOutcome(second, run.plan.followUp?.expect, run.harness);
    if (run.harness.upstream === undefined) {
      note(run, "answers in-process: there is no upstream request to read the tool history from");
      return;
    }
    const { views } = sent();
    assert.equal(views.length, 2, "two upstream requests");
    const view = views[1] as WireView;
    // The calls come back with their names and arguments; results answer them by id (or by name where the
    // provider's wire has no ids), in order, with the caller's content.
    assert.deepEqual(
      view.toolCalls.map((call) => [call.name, call.arguments]),
      first.toolCalls.map((call) => [call.name, JSON.parse(call.arguments) as unknown]),
    );
    assert.equal(view.toolResults.length, results.length, "one result per call");
    view.toolResults.forEach((result, index) => {
      const expected = results[index];
      assert.ok(expected !== undefined);
      assert.ok(result.content.includes(expected.content), "the tool result content is sent");
      const wireCall = view.toolCalls[index];
      if (result.id !== undefined && wireCall?.id !== undefined) {
        assert.equal(result.id, wireCall.id, "the result answers its call by id");
      }
      if (result.name !== undefined)
        assert.equal(result.name, expected.call.name, "the result names its call");
    });
    if (run.plan.expect?.toolCallSignatures) {
      for (const call of view.toolCalls) {
        assert.ok((call.signature ?? "").length > 0, `the provider's signature on ${call.name} comes back`);
      }
    }
  },

  async vision(run) {
    const sent = script(run);
    const sources = run.plan.imageSources ?? ["url", "data"];
    if (run.plan.limitation !== undefined) note(run, run.plan.limitation);
    const urls = sources.map((source) =>
      source === "url" ? IMAGE_URL : `data:image/png;base64,${PIXEL_PNG_BASE64}`,
    );
    const outcome = await run.surface.send(
      baseRequest(run, [{ role: "user", text: "What is in these images?", imageUrls: urls }]),
    );
    checkOutcome(outcome, run.plan.expect, run.harness);
    if (run.harness.upstream === undefined) return;
    const [view] = sent().views;
    assert.ok(view !== undefined);
    assert.deepEqual(view.userTexts, ["What is in these images?"]);
    assert.deepEqual(
      view.images,
      sources.map((source) =>
        source === "url" ? { url: IMAGE_URL } : { base64: PIXEL_PNG_BASE64, mediaType: "image/png" },
      ),
      "every image is sent, in order",
    );
  },

  async json_schema(run) {
    const sent = script(run);
    const outcome = await run.surface.send({
      ...baseRequest(run, [USER("Weather in San Francisco as JSON")]),
      responseFormat: { name: "weather", schema: JSON_SCHEMA },
    });
    checkOutcome(outcome, { finish: "stop", ...run.plan.expect }, run.harness);
    assert.equal(outcome.toolCalls.length, 0, "structured output is content, not a tool call");
    assert.equal(typeof JSON.parse(outcome.text), "object", "the content is JSON");
    if (run.harness.upstream === undefined) return;
    const [view] = sent().views;
    const schema = view?.jsonSchema as { properties?: Record<string, unknown> } | undefined;
    assert.ok(schema !== undefined, "the schema is sent upstream");
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), ["city", "temperature", "units"]);
  },

  async reasoning_round_trip(run) {
    const sent = script(run);
    const question = "How do I cross the street?";
    const first = await run.surface.send({ ...baseRequest(run, [USER(question)]), reasoningEffort: "low" });
    checkOutcome(first, run.plan.expect, run.harness);
    if (run.plan.limitation !== undefined) note(run, run.plan.limitation);
    const second = await run.surface.send({
      ...baseRequest(run, [
        USER(question),
        {
          role: "assistant",
          text: first.text,
          ...(first.reasoning.length > 0 ? { reasoning: first.reasoning } : {}),
        },
        USER("And at night?"),
      ]),
      reasoningEffort: "low",
      stream: run.plan.followUp?.stream ?? false,
    });
    checkOutcome(second, run.plan.followUp?.expect, run.harness);
    if (run.harness.upstream === undefined) {
      note(run, "answers in-process: there is no upstream request to read the reasoning from");
      return;
    }
    const { views } = sent();
    assert.equal(views.length, 2);
    assert.ok(views[0]?.reasoningRequested, "the first request asks for reasoning");
    assert.ok(views[1]?.reasoningRequested, "the next request asks for reasoning too");
    assert.deepEqual(views[1]?.userTexts, [question, "And at night?"]);
    const expected = run.plan.expect?.reasoning;
    if (expected === undefined) return;
    const back = views[1]?.reasoning ?? [];
    const signatures = first.reasoning.map((part) => part.signature).filter((value) => value !== undefined);
    assert.deepEqual(
      back.map((part) => part.signature).filter((value) => value !== undefined),
      signatures,
      "every signature goes back unmodified",
    );
    if (expected.sentBack === "text-and-signature") {
      assert.deepEqual(
        back.map((part) => part.text ?? ""),
        first.reasoning.filter((part) => part.redactedData === undefined).map((part) => part.text ?? ""),
        "the reasoning text goes back unmodified",
      );
    }
  },

  error_bad_request: runError,
  error_upstream_auth: runError,
  error_not_found: runError,
  error_rate_limited: runError,
  error_overloaded: runError,

  async error_in_stream(run) {
    const sent = script(run);
    const text = await run.surface.expectInStreamError({
      ...baseRequest(run, [USER("Hello")]),
      stream: true,
    });
    assert.ok(text.length > 0, "content went out before the error");
    if (run.harness.upstream) assert.equal(sent().requests.length, 1, "no retry after the first byte");
  },

  async client_abort(run) {
    script(run);
    const closed = run.harness.upstream?.hangClosed();
    await run.surface.abortAfterFirstContent({ ...baseRequest(run, [USER("Hello")]), stream: true });
    const aborted = performance.now();
    if (closed === undefined) {
      note(run, "answers in-process: there is no upstream connection to watch close");
      return;
    }
    const timer = new AbortController();
    const at = await Promise.race([
      closed,
      delay(ABORT_PROPAGATION_BOUND_MS, Number.POSITIVE_INFINITY, { signal: timer.signal }),
    ]);
    timer.abort();
    assert.ok(
      at - aborted < ABORT_PROPAGATION_BOUND_MS,
      "the upstream connection closes within a second of the caller leaving",
    );
  },
};

async function runTools(run: Run): Promise<void> {
  const sent = script(run);
  const outcome = await run.surface.send(baseRequest(run, [USER("Use the tools")]));
  checkOutcome(outcome, { finish: "tool_calls", ...run.plan.expect }, run.harness);
  assert.ok(outcome.toolCalls.length > 0);
  if (run.scenario === "tools_parallel")
    assert.ok(outcome.toolCalls.length >= 2, "several calls in one turn");
  if (run.scenario === "tools_no_args") {
    assert.ok(
      outcome.toolCalls.some((call) => call.arguments === "{}"),
      'a call without arguments gives "{}"',
    );
  }
  if (run.harness.upstream === undefined) return;
  const [view] = sent().views;
  assert.deepEqual(
    view?.tools,
    (run.plan.tools ?? []).map((tool) => tool.name),
    "the tools are declared",
  );
}

async function runError(run: Run): Promise<void> {
  const errorClass = ERROR_SCENARIOS[run.scenario];
  assert.ok(errorClass !== undefined);
  const sent = script(run);
  const synthetic = run.plan.replies.find((reply) => reply.synthetic !== undefined)?.synthetic;
  if (synthetic !== undefined) note(run, `synthetic error body: ${synthetic}`);
  await run.surface.expectError(
    baseRequest(run, [USER("Hello")]),
    errorClass,
    run.plan.expect?.retryAfterSeconds,
  );
  if (run.harness.upstream) assert.equal(sent().requests.length, 1, "one attempt (retries are off here)");
}

/** Registers the whole suite for one provider. */
export function runContractSuite(providerCase: ProviderCase): void {
  const adapter = getProvider(providerCase.provider);
  const group = `contract-${providerCase.provider}`;
  describe(`provider contract: ${providerCase.provider}`, () => {
    const harness: Harness = { providerCase, upstream: undefined, group };
    let gateway: App | undefined;
    const surfaces: Surface[] = [];

    before(async () => {
      assert.ok(adapter !== undefined, `${providerCase.provider} is registered`);
      if (providerCase.upstream === "remote") {
        harness.upstream = await startFakeUpstream(
          providerCase.fixedRoutes ? { fixed: providerCase.fixedRoutes } : {},
        );
      }
      const params = providerCase.deployment(harness.upstream?.url ?? "");
      gateway = await startTestGateway(
        [
          deployment(group, providerCase.provider, providerCase.model, params),
          deployment(`${group}/*`, providerCase.provider, "*", params),
        ],
        // One attempt, no cooldowns: the suite checks what a provider returns, not router policy.
        { router: { numRetries: 0, disableCooldowns: true } },
      );
      surfaces.push(restSurface(gateway.url, MASTER_KEY), connectSurface(gateway.url, MASTER_KEY));
    });

    after(async () => {
      await gateway?.close(200);
      await harness.upstream?.close();
    });

    for (const scenario of SCENARIOS) {
      for (const surfaceName of ["rest", "connect"] as const) {
        it(`${scenario} via ${surfaceName}`, async (t) => {
          const needed = REQUIRES[scenario];
          if (needed !== undefined && !adapter?.capabilities.includes(needed)) {
            t.skip(`${providerCase.provider} does not declare ${needed}`);
            return;
          }
          const plan = providerCase.plans[scenario];
          assert.ok(
            plan !== undefined,
            `${providerCase.provider} declares it can do ${scenario} but has no plan`,
          );
          const surface = surfaces.find((candidate) => candidate.name === surfaceName);
          assert.ok(surface !== undefined);
          await RUNNERS[scenario]({ t, harness, plan, surface, scenario });
        });
      }
    }
  });
}
