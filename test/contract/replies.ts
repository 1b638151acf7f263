/**
 * Builders of fake-upstream replies from the recorded corpus (test/fixtures/conformance), framed as each provider
 * frames them (see the corpus README's table). Bodies are read lazily, at request time.
 */
import { readCassette, readFixture, readRecording } from "../helpers/provider-fixtures.js";
import type { FakeReply } from "./fake-upstream.js";

export type Framing = "openai" | "anthropic" | "gemini";

/** A recorded JSON response body. */
export function jsonFile(file: string, path?: string): FakeReply {
  return { status: 200, contentType: "application/json", body: () => readFixture(file), ...at(path) };
}

/** A `.chunks.jsonl` recording re-framed as the provider sends it. */
export function chunksFile(file: string, framing: Framing, path?: string): FakeReply {
  return {
    status: 200,
    contentType: "text/event-stream",
    body: () => frame(readFixture(file), framing),
    ...at(path),
  };
}

/** A raw `.sse` capture, byte for byte. */
export function sseFile(file: string, path?: string): FakeReply {
  return { status: 200, contentType: "text/event-stream", body: () => readFixture(file), ...at(path) };
}

/** The response of interaction `index` of a VCR cassette (status, JSON body or raw stream body), as recorded. */
export function cassetteReply(file: string, index: number, path?: string): FakeReply {
  const response = readCassette(file)[index]?.response;
  if (response === undefined) throw new Error(`${file} has no interaction ${index}`);
  const header = response.headers?.["content-type"];
  const contentType = (Array.isArray(header) ? header[0] : header) ?? "application/json";
  return {
    status: response.status.code,
    contentType: contentType.includes("event-stream") ? "text/event-stream" : "application/json",
    body: response.body?.string ?? JSON.stringify(response.parsed_body),
    ...at(path),
  };
}

/** An error answer: a recorded body (file) or a documented envelope (synthetic, with the reason why). */
export function errorReply(
  status: number,
  body: { file: string } | { synthetic: string; json: unknown },
  headers: Record<string, string> = {},
  path?: string,
): FakeReply {
  return {
    status,
    contentType: "application/json",
    headers,
    body: "file" in body ? () => readFixture(body.file) : JSON.stringify(body.json),
    ...("synthetic" in body ? { synthetic: body.synthetic } : {}),
    ...at(path),
  };
}

/** The first `events` events of a framed stream, then silence until the gateway hangs up (client abort). */
export function hangAfter(reply: FakeReply, events: number, separator = "\n\n"): FakeReply {
  const full = reply.body;
  return {
    ...reply,
    hang: true,
    body: (request) => {
      const text = String(typeof full === "function" ? full(request) : full);
      return `${text.split(separator).slice(0, events).join(separator)}${separator}`;
    },
  };
}

/** Re-frames `.chunks.jsonl` lines: OpenAI `data:` + `[DONE]`, Anthropic with `event:` lines, Gemini CRLF. */
export function frame(jsonl: string, framing: Framing): string {
  const lines = jsonl.split("\n").filter((line) => line.trim() !== "");
  switch (framing) {
    case "openai":
      return `${lines.map((line) => `data: ${line}\n\n`).join("")}data: [DONE]\n\n`;
    case "gemini":
      return lines.map((line) => `data: ${line}\r\n\r\n`).join("");
    case "anthropic":
      return lines
        .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
        .join("");
  }
}

function at(path: string | undefined): { path?: string } {
  return path === undefined ? {} : { path };
}

/** The response of interaction `index` of a js-genai replay recording (unary: its one body segment). */
export function recordingReply(file: string, index: number, path?: string): FakeReply {
  const response = readRecording(file)[index]?.response;
  if (response === undefined) throw new Error(`${file} has no interaction ${index}`);
  return {
    status: response.statusCode,
    contentType: "application/json",
    body: JSON.stringify(response.bodySegments[0]),
    ...at(path),
  };
}
