import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AccessField, writeAccessLine } from "../../src/logging/access-log.js";
import { createLogger } from "../../src/logging/logger.js";

/** A logger like the process's, writing into an array; the time is pinned so that lines compare byte for byte. */
function capture(level = "info") {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

const ISO_TIME = /"time":"[^"]+"/;

describe("access lines", () => {
  const cases: Record<string, AccessField>[] = [
    {
      request_id: "0b5c6e1e-8f1a-4d7e-9a43-2f0d1c9b7a10",
      method: "POST",
      route: "/v1/chat/completions",
      status: 200,
      latency_ms: 1.23,
      model: "gpt-4o",
      deployment: "gpt-4o#openai",
      provider: "openai",
      stream: false,
      key_id: "master",
    },
    { request_id: "r1", method: "GET", route: '/odd "path"\\\n\u2028', status: undefined, latency_ms: 0 },
    { request_id: "r2", route: "/switchboard.v1.ChatService/Complete", code: "16", latency_ms: Number.NaN },
  ];

  for (const [index, fields] of cases.entries()) {
    it(`writes what pino writes for the same fields (case ${index})`, () => {
      const ours = capture();
      const theirs = capture();
      writeAccessLine(ours.logger, fields, "request");
      theirs.logger.info(fields, "request");
      assert.equal(ours.lines.length, 1);
      assert.equal(theirs.lines.length, 1);
      const normalise = (line: string) => line.replace(ISO_TIME, '"time":"T"');
      assert.equal(normalise(ours.lines[0] ?? ""), normalise(theirs.lines[0] ?? ""));
      const parsed = JSON.parse(ours.lines[0] ?? "") as Record<string, unknown>;
      assert.equal(parsed["msg"], "request");
      assert.equal(parsed["service"], "switchboard");
      assert.equal(parsed["route"], fields["route"]);
    });
  }

  it("keeps the bindings of a child logger", () => {
    const ours = capture();
    const theirs = capture();
    writeAccessLine(ours.logger.child({ worker: 2 }), { request_id: "r" }, "rpc");
    theirs.logger.child({ worker: 2 }).info({ request_id: "r" }, "rpc");
    assert.equal(ours.lines[0]?.replace(ISO_TIME, ""), theirs.lines[0]?.replace(ISO_TIME, ""));
  });

  it("writes nothing when info is below the logger's level", () => {
    for (const level of ["warn", "silent"]) {
      const { logger, lines } = capture(level);
      writeAccessLine(logger, { request_id: "r" }, "request");
      assert.deepEqual(lines, []);
    }
  });
});
