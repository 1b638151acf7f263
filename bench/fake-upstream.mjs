#!/usr/bin/env node
// Fake LLM upstream for the benchmark: OpenAI-compatible POST /v1/chat/completions and Anthropic-shaped
// POST /v1/messages, unary and SSE, in its own process on 127.0.0.1. Responses are built once per setting and
// written from cached buffers so that the upstream costs as little CPU as possible.
//
// Knobs (see bench/README.md), lowest precedence first:
//   CLI flags        --delay-ms=50 --chunks=23 --interval-ms=10 --content-bytes=400 --error-every=0
//                    --error-status=500 --fail-after-chunks=0 --port=0
//   control request  PUT /__bench/config with a JSON object of the same knobs in camelCase (merged)
//   request headers  x-bench-delay-ms, x-bench-chunks, x-bench-interval-ms, x-bench-content-bytes,
//                    x-bench-error-every, x-bench-error-status, x-bench-fail-after-chunks (per request; only
//                    reaches the upstream when the caller talks to it directly or a gateway forwards them)
// Other routes: GET /__bench/stats (counters, open sockets, active streams), POST /__bench/reset, GET /health.
// On start it prints one line of JSON, {"port":N}, to stdout.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import {
  anthropicError,
  anthropicMessage,
  anthropicStreamEvents,
  openAiCompletion,
  openAiError,
  openAiStreamEvents,
} from "./lib/shapes.mjs";

const KNOBS = {
  delayMs: { flag: "delay-ms", fallback: 0 },
  chunks: { flag: "chunks", fallback: 23 },
  intervalMs: { flag: "interval-ms", fallback: 0 },
  contentBytes: { flag: "content-bytes", fallback: 400 },
  errorEvery: { flag: "error-every", fallback: 0 },
  errorStatus: { flag: "error-status", fallback: 500 },
  failAfterChunks: { flag: "fail-after-chunks", fallback: 0 },
};
const MAX_BODY_BYTES = 1 << 20;

const { values: flags } = parseArgs({
  options: Object.fromEntries([
    ["port", { type: "string", default: "0" }],
    ...Object.values(KNOBS).map((knob) => [knob.flag, { type: "string" }]),
  ]),
});

/** Parses a knob value: a finite, non-negative integer within sane bounds, or undefined. */
function knobValue(raw) {
  if (raw === undefined || raw === null || raw === "") return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 10_000_000 ? value : undefined;
}

let config = Object.fromEntries(
  Object.entries(KNOBS).map(([name, knob]) => [name, knobValue(flags[knob.flag]) ?? knob.fallback]),
);

const stats = {
  requests: 0,
  errorsInjected: 0,
  streamsActive: 0,
  streamsCompleted: 0,
  streamsAborted: 0,
  socketsOpen: 0,
  socketsTotal: 0,
};

const cache = new Map();
function cached(key, build) {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    cache.set(key, value);
  }
  return value;
}

function settingsFor(request) {
  const headers = request.headers;
  if (!Object.keys(headers).some((name) => name.startsWith("x-bench-"))) return config;
  const settings = { ...config };
  for (const [name, knob] of Object.entries(KNOBS)) {
    const value = knobValue(headers[`x-bench-${knob.flag}`]);
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}

function sendJson(response, status, body) {
  const buffer = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { "content-type": "application/json", "content-length": buffer.length });
  response.end(buffer);
}

function sendUnary(response, settings, anthropic) {
  const body = cached(`${anthropic ? "a" : "o"}:unary:${settings.contentBytes}`, () =>
    Buffer.from(
      JSON.stringify(
        anthropic ? anthropicMessage(settings.contentBytes) : openAiCompletion(settings.contentBytes),
      ),
    ),
  );
  const write = () => {
    if (response.destroyed) return;
    response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    response.end(body);
  };
  if (settings.delayMs > 0) setTimeout(write, settings.delayMs);
  else write();
}

function sendStream(response, settings, anthropic, includeUsage) {
  const events = cached(`${anthropic ? "a" : "o"}:stream:${settings.chunks}:${includeUsage}`, () =>
    (anthropic
      ? anthropicStreamEvents(settings.chunks)
      : openAiStreamEvents(settings.chunks, includeUsage)
    ).map((event) => Buffer.from(event)),
  );
  stats.streamsActive += 1;
  let finished = false;
  let timer;
  const settle = (completed) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    stats.streamsActive -= 1;
    if (completed) stats.streamsCompleted += 1;
    else stats.streamsAborted += 1;
  };
  response.on("close", () => settle(response.writableFinished));
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let next = 0;
  const failAt = settings.failAfterChunks > 0 ? settings.failAfterChunks : Number.POSITIVE_INFINITY;
  const emit = () => {
    if (finished || response.destroyed) return;
    if (next >= failAt) {
      response.destroy();
      return;
    }
    if (settings.intervalMs === 0) {
      response.cork();
      while (next < events.length && next < failAt) {
        response.write(events[next]);
        next += 1;
      }
      response.uncork();
      if (next >= failAt) response.destroy();
      else response.end();
      return;
    }
    response.write(events[next]);
    next += 1;
    if (next === events.length) response.end();
    else timer = setTimeout(emit, settings.intervalMs);
  };
  if (settings.delayMs > 0) timer = setTimeout(emit, settings.delayMs);
  else emit();
}

function handleModelCall(request, response, anthropic) {
  const parts = [];
  let size = 0;
  request.on("data", (part) => {
    size += part.length;
    if (size > MAX_BODY_BYTES) {
      request.destroy();
      return;
    }
    parts.push(part);
  });
  request.on("end", () => {
    stats.requests += 1;
    const settings = settingsFor(request);
    if (settings.errorEvery > 0 && stats.requests % settings.errorEvery === 0) {
      stats.errorsInjected += 1;
      const status = settings.errorStatus;
      sendJson(response, status, anthropic ? anthropicError(status) : openAiError(status));
      return;
    }
    const text = parts.length === 1 ? parts[0].toString() : Buffer.concat(parts).toString();
    const stream = /"stream"\s*:\s*true/.test(text);
    if (!stream) {
      sendUnary(response, settings, anthropic);
      return;
    }
    const includeUsage = !anthropic && /"include_usage"\s*:\s*true/.test(text);
    sendStream(response, settings, anthropic, includeUsage);
  });
}

function readJson(request, callback) {
  const parts = [];
  request.on("data", (part) => parts.push(part));
  request.on("end", () => {
    try {
      callback(JSON.parse(Buffer.concat(parts).toString() || "{}"));
    } catch {
      callback(undefined);
    }
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const path = request.url ?? "/";
  if (
    request.method === "POST" &&
    (path === "/v1/chat/completions" || path.startsWith("/v1/chat/completions?"))
  ) {
    handleModelCall(request, response, false);
  } else if (request.method === "POST" && (path === "/v1/messages" || path.startsWith("/v1/messages?"))) {
    handleModelCall(request, response, true);
  } else if (request.method === "GET" && path === "/__bench/stats") {
    sendJson(response, 200, { ...stats, config });
  } else if (request.method === "POST" && path === "/__bench/reset") {
    for (const key of ["requests", "errorsInjected", "streamsCompleted", "streamsAborted", "socketsTotal"]) {
      stats[key] = 0;
    }
    sendJson(response, 200, stats);
  } else if (request.method === "PUT" && path === "/__bench/config") {
    readJson(request, (patch) => {
      if (typeof patch !== "object" || patch === null) {
        sendJson(response, 400, { error: "expected a JSON object" });
        return;
      }
      const next = { ...config };
      for (const name of Object.keys(KNOBS)) {
        if (!(name in patch)) continue;
        const value = knobValue(patch[name]);
        if (value === undefined) {
          sendJson(response, 400, { error: `bad value for ${name}` });
          return;
        }
        next[name] = value;
      }
      config = next;
      sendJson(response, 200, config);
    });
  } else if (request.method === "GET" && path === "/health") {
    sendJson(response, 200, { ok: true });
  } else {
    request.resume();
    sendJson(response, 404, { error: { message: `no route ${request.method} ${path}`, type: "not_found" } });
  }
});
server.headersTimeout = 10_000;
server.on("connection", (socket) => {
  stats.socketsOpen += 1;
  stats.socketsTotal += 1;
  socket.on("close", () => {
    stats.socketsOpen -= 1;
  });
});

const port = knobValue(flags.port) ?? 0;
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === "object" && address ? address.port : port })}\n`,
  );
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
