import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  buildGuardrails,
  type GuardrailConfig,
  type RawGuardrailEntry,
  unsafePatternReason,
} from "../../../src/config/guardrail-config.js";
import { GuardrailError } from "../../../src/core/chat/guardrail-port.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatEvent, ChatRequest } from "../../../src/core/types/chat.js";
import type { Principal } from "../../../src/core/types/principal.js";
import { createGuardrails } from "../../../src/guardrails/guardrail-engine.js";
import { ibanValid, luhnValid, piiRules } from "../../../src/guardrails/pii.js";
import { StreamMasker } from "../../../src/guardrails/stream-masker.js";
import { maskText, scanText } from "../../../src/guardrails/text-rules.js";

interface Corpus {
  positives: { entity: string; text: string }[];
  negatives: { why: string; text: string }[];
}
const corpus = JSON.parse(
  readFileSync(new URL("../../fixtures/guardrails/pii-corpus.json", import.meta.url), "utf8"),
) as Corpus;

function configs(entries: unknown[]): GuardrailConfig[] {
  const problems: string[] = [];
  const built = buildGuardrails(entries as RawGuardrailEntry[], "/tmp", problems);
  assert.deepEqual(problems, []);
  return built;
}

const [pii] = configs([
  { guardrail_name: "pii", litellm_params: { guardrail: "pii", mode: ["pre_call", "post_call"] } },
]);
const rules = piiRules(pii as GuardrailConfig);

function context(principal: Partial<Principal> = {}) {
  return {
    requestId: "req-1",
    principal: { keyId: "k", role: "user" as const, display: "k", ...principal },
    signal: new AbortController().signal,
  };
}

function request(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: "m", messages: [{ role: "user", content: text }], ...extra };
}

// Counted once so the figures can be printed in the test names.
const caught = corpus.positives.filter(({ entity, text }) =>
  scanText(rules, text).some((match) => match.rule.label === entity),
);
const falsePositives = corpus.negatives.filter(({ text }) => scanText(rules, text).length > 0);

describe("PII corpus (test/fixtures/guardrails/pii-corpus.json)", () => {
  it(`catches ${caught.length}/${corpus.positives.length} samples with the right entity`, () => {
    const missed = corpus.positives.filter((sample) => !caught.includes(sample));
    assert.deepEqual(missed, []);
  });
  it(`flags ${falsePositives.length}/${corpus.negatives.length} near-misses (false positives)`, () => {
    assert.deepEqual(falsePositives, []);
  });
  it("masks a sample without leaving any of the value", () => {
    const masked = maskText(rules, "mail jane.doe@example.com, card 4111 1111 1111 1111", "prompt");
    assert.equal(masked, "mail <EMAIL_ADDRESS>, card <CREDIT_CARD>");
  });
  it("finds every email in a long text (the anchored scan around each @)", () => {
    const filler = "lorem ipsum dolor sit amet ".repeat(30);
    const emails = ["a@example.com", "b.c+d@mail.example.org", "x@y.io"];
    const text = `${emails[0]} ${filler} ${emails[1]}, ${emails[2]} @ not-an-email@ ${filler}icon@2x.png`;
    const masked = maskText(rules, text, "prompt");
    for (const email of emails) assert.ok(!masked.includes(email), email);
    assert.equal(masked.match(/<EMAIL_ADDRESS>/g)?.length, 3);
    assert.ok(masked.endsWith("icon@2x.png"));
  });
  it("Luhn and mod-97 checks", () => {
    assert.equal(luhnValid("4111111111111111"), true);
    assert.equal(luhnValid("4111111111111112"), false);
    assert.equal(ibanValid("DE89370400440532013000"), true);
    assert.equal(ibanValid("DE89370400440532013001"), false);
  });
});

describe("stream masking across chunk boundaries", () => {
  const text =
    "Reach jane.doe@example.com or +1 415 555 0132; card 4111 1111 1111 1111; key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z end.";
  const expected = maskText(rules, text, "answer");

  function run(chunks: string[], hold = 64): string {
    const masker = new StreamMasker(rules, hold);
    let out = "";
    const collect = (events: ChatEvent[]) => {
      for (const event of events) if (event.type === "text-delta") out += event.text;
    };
    for (const chunk of chunks) collect(masker.push([{ type: "text-delta", choice: 0, text: chunk }]));
    collect(masker.push([{ type: "finish", choice: 0, reason: "stop" }]));
    collect(masker.end());
    return out;
  }

  it("every split point of the text gives the unary masking", () => {
    for (let cut = 1; cut < text.length; cut++) {
      assert.equal(run([text.slice(0, cut), text.slice(cut)]), expected, `split at ${cut}`);
    }
  });
  it("one character per chunk gives the unary masking", () => {
    assert.equal(run([...text]), expected);
  });
  it("holds back at most a bounded tail", () => {
    const masker = new StreamMasker(rules, 32);
    const long = "word ".repeat(200);
    const out = masker.push([{ type: "text-delta", choice: 0, text: long }]);
    const sent = out.map((event) => (event.type === "text-delta" ? event.text : "")).join("");
    assert.ok(long.length - sent.length <= 32, `held ${long.length - sent.length}`);
  });
  it("a blocking rule ends the stream with a violation before the secret is sent", async () => {
    const engine = await createGuardrails(
      configs([
        {
          guardrail_name: "no-secrets",
          litellm_params: { guardrail: "secret_detection", mode: "post_call" },
        },
      ]),
    );
    const run = engine.plan(
      request("hi", { guardrails: { enable: ["no-secrets"], disable: [] } }),
      context(),
    );
    const guard = run?.streamGuard(request("hi"), new AbortController().signal);
    assert.ok(guard);
    let sent = "";
    await assert.rejects(
      (async () => {
        for (const text of ["the key is sk-proj-Ab3dEf6h", "Ij9kLm2nOp5qRs8tUv1wXy4z and more"]) {
          for (const event of await guard.push([{ type: "text-delta", choice: 0, text }]))
            if (event.type === "text-delta") sent += event.text;
        }
      })(),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "guardrail_violation" &&
        !error.message.includes("Ab3d"),
    );
    assert.ok(!sent.includes("sk-"), sent);
  });
});

describe("configured regular expressions", () => {
  it("refuses patterns that can backtrack without bound", () => {
    for (const pattern of ["(a+)+$", "(a|aa)*b", "(\\w+\\s?)*$", "(x)\\1", "(?=a)a", "a{1,5000}"]) {
      assert.ok(unsafePatternReason(pattern) !== undefined, pattern);
    }
  });
  it("accepts plain ones", () => {
    for (const pattern of ["secret project [a-z]+", "(?:foo|bar) baz", "\\bdrop table\\b", "(abc)?d+"]) {
      assert.equal(unsafePatternReason(pattern), undefined, pattern);
    }
  });
  it("a config with an unsafe pattern or unknown type does not load", () => {
    const problems: string[] = [];
    buildGuardrails(
      [
        { guardrail_name: "b", litellm_params: { guardrail: "banned_words", banned_regex: ["(a+)+$"] } },
        { guardrail_name: "c", litellm_params: { guardrail: "lakera" } },
        { guardrail_name: "d", litellm_params: { guardrail: "pii", mode: "during_call" } },
      ] as unknown as RawGuardrailEntry[],
      "/tmp",
      problems,
    );
    assert.equal(problems.length, 3, problems.join("\n"));
  });
  it("banned words block whole words only, case-insensitively, and name the guardrail, not the word", async () => {
    const engine = await createGuardrails(
      configs([
        {
          guardrail_name: "words",
          litellm_params: { guardrail: "banned_words", banned_words: ["Project Falcon"], default_on: true },
        },
      ]),
    );
    const run = engine.plan(request("x"), context());
    await run?.preCall(request("about project falconry"), new AbortController().signal);
    await assert.rejects(
      run?.preCall(request("about PROJECT FALCON."), new AbortController().signal) ?? Promise.resolve(),
      (error: unknown) => {
        assert.ok(error instanceof GuardrailError);
        assert.equal(error.guardrail, "words");
        assert.ok(!error.message.toLowerCase().includes("falcon"));
        return true;
      },
    );
  });
});

describe("selection: default_on, key and team enforcement, request opt-in and opt-out", () => {
  let engine: Awaited<ReturnType<typeof createGuardrails>>;
  before(async () => {
    engine = await createGuardrails(
      configs([
        { guardrail_name: "pii-mask", litellm_params: { guardrail: "pii", mode: "pre_call" } },
        {
          guardrail_name: "size",
          litellm_params: {
            guardrail: "limits",
            max_prompt_chars: 10,
            default_on: true,
            allow_request_opt_out: true,
          },
        },
        { guardrail_name: "secrets", litellm_params: { guardrail: "secret_detection", default_on: true } },
      ]),
    );
  });

  it("a key that enforces a guardrail cannot opt out of it", () => {
    assert.throws(
      () =>
        engine.plan(
          request("x", { guardrails: { enable: [], disable: ["pii-mask"] } }),
          context({ guardrails: ["pii-mask"] }),
        ),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "permission_denied" && error.param === "guardrails",
    );
    assert.throws(
      () =>
        engine.plan(
          request("x", { guardrails: { enable: [], disable: ["pii-mask"] } }),
          context({ teamGuardrails: ["pii-mask"] }),
        ),
      (error: unknown) => error instanceof GatewayError && error.kind === "permission_denied",
    );
  });
  it("a default_on guardrail is turned off only where it allows it", async () => {
    assert.throws(
      () => engine.plan(request("x", { guardrails: { enable: [], disable: ["secrets"] } }), context()),
      (error: unknown) => error instanceof GatewayError && error.kind === "permission_denied",
    );
    const run = engine.plan(request("x", { guardrails: { enable: [], disable: ["size"] } }), context());
    await run?.preCall(request("a prompt longer than ten characters"), new AbortController().signal);
  });
  it("an unknown name is a 400 naming the field; a key's unknown guardrail fails closed", () => {
    assert.throws(
      () => engine.plan(request("x", { guardrails: { enable: ["nope"], disable: [] } }), context()),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "invalid_request" && error.param === "guardrails",
    );
    assert.throws(() => engine.plan(request("x"), context({ guardrails: ["gone"] })), GatewayError);
  });
  it("the key's guardrail masks the prompt in place; secrets block", async () => {
    const run = engine.plan(request("x"), context({ guardrails: ["pii-mask"] }));
    const prompt = request("mail a@example.com");
    const size = engine.plan(prompt, context({ guardrails: ["pii-mask"] }));
    assert.ok(run && size);
    await assert.rejects(size.preCall(prompt, new AbortController().signal), /size/);
    const opted = engine.plan(
      request("x", { guardrails: { enable: [], disable: ["size"] } }),
      context({ guardrails: ["pii-mask"] }),
    );
    const long = request("mail a@example.com");
    await opted?.preCall(long, new AbortController().signal);
    assert.equal(long.messages[0]?.content, "mail <EMAIL_ADDRESS>");
    // (An API key would be masked by pii-mask first: guardrails run in configured order.)
    const secret = request("db password=hunter2hunter2");
    await assert.rejects(
      opted?.preCall(secret, new AbortController().signal) ?? Promise.resolve(),
      /secrets/,
    );
  });
});

describe("HTTP guardrail", () => {
  let server: Server;
  let url: string;
  const seen: unknown[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => {
        seen.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(body) as unknown });
        const answers: Record<string, string> = {
          "/block": JSON.stringify({ action: "block", reason: "policy 7" }),
          "/mask": JSON.stringify({ action: "mask", messages: ["[removed]"] }),
          "/garbage": "not json",
        };
        // "/hang" never answers.
        if (req.url !== "/hang") res.end(answers[req.url ?? ""] ?? JSON.stringify({ action: "allow" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function runWith(path: string, extra: Record<string, unknown> = {}) {
    const engine = await createGuardrails(
      configs([
        {
          guardrail_name: "remote",
          litellm_params: {
            guardrail: "http",
            api_base: `${url}${path}`,
            api_key: "gr-secret-key-123456",
            timeout: 0.2,
            default_on: true,
            ...extra,
          },
        },
      ]),
    );
    const prompt = request("hello there");
    await engine.plan(prompt, context())?.preCall(prompt, new AbortController().signal);
    return prompt;
  }

  it("fails closed on a guardrail that never answers, within its timeout", async () => {
    const started = Date.now();
    await assert.rejects(runWith("/hang"), (error: unknown) => {
      assert.ok(error instanceof GuardrailError);
      assert.equal(error.kind, "unavailable");
      assert.match(error.message, /fail closed/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
  });
  it("fails open only when configured to", async () => {
    assert.equal((await runWith("/hang", { fail_open: true })).messages[0]?.content, "hello there");
  });
  it("fails closed on an answer that is not a decision", async () => {
    await assert.rejects(
      runWith("/garbage"),
      (error: unknown) => error instanceof GuardrailError && error.kind === "unavailable",
    );
  });
  it("acts on block (with its reason) and mask, and sends the bearer key", async () => {
    await assert.rejects(runWith("/block"), /policy 7/);
    assert.equal((await runWith("/mask")).messages[0]?.content, "[removed]");
    assert.equal((await runWith("/allow")).messages[0]?.content, "hello there");
    const last = seen.at(-1) as {
      auth: string;
      body: { guardrail: string; mode: string; messages: unknown[] };
    };
    assert.equal(last.auth, "Bearer gr-secret-key-123456");
    assert.equal(last.body.guardrail, "remote");
    assert.equal(last.body.mode, "pre_call");
    assert.deepEqual(last.body.messages, [{ role: "user", content: "hello there" }]);
  });
});

describe("custom module guardrail", () => {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-guardrail-"));
  writeFileSync(
    join(dir, "policy.mjs"),
    `export function preCall(input) {
      const last = input.messages.at(-1)?.content ?? "";
      if (last.includes("internal-only")) return { action: "block", reason: "internal content" };
      if (last.includes("codename")) return { action: "mask", messages: input.messages.map((m) => m.content.replaceAll("codename", "[x]")) };
      if (last.includes("explode")) throw new Error("boom");
      if (last.includes("hang")) return new Promise(() => {});
      return { action: "allow" };
    }`,
  );
  writeFileSync(join(dir, "empty.mjs"), "export const nothing = 1;\n");

  async function check(text: string) {
    const problems: string[] = [];
    const built = buildGuardrails(
      [
        {
          guardrail_name: "policy",
          litellm_params: { guardrail: "custom", module: "policy.mjs", timeout: 0.2, default_on: true },
        },
      ] as unknown as RawGuardrailEntry[],
      dir,
      problems,
    );
    assert.deepEqual(problems, []);
    const engine = await createGuardrails(built);
    const prompt = request(text);
    await engine.plan(prompt, context())?.preCall(prompt, new AbortController().signal);
    return prompt.messages[0]?.content;
  }

  it("allows, masks and blocks as the module decides", async () => {
    assert.equal(await check("hello"), "hello");
    assert.equal(await check("the codename is out"), "the [x] is out");
    await assert.rejects(check("internal-only notes"), /Blocked by guardrail 'policy': internal content/);
  });
  it("a module that throws or hangs fails closed", async () => {
    await assert.rejects(
      check("explode"),
      (error: unknown) => error instanceof GuardrailError && error.kind === "unavailable",
    );
    await assert.rejects(
      check("hang"),
      (error: unknown) => error instanceof GuardrailError && /did not answer/.test(error.message),
    );
  });
  it("a module with neither hook stops the start", async () => {
    const problems: string[] = [];
    const built = buildGuardrails(
      [
        { guardrail_name: "empty", litellm_params: { guardrail: "custom", module: "empty.mjs" } },
      ] as unknown as RawGuardrailEntry[],
      dir,
      problems,
    );
    await assert.rejects(createGuardrails(built), /neither preCall nor postCall/);
  });
});
