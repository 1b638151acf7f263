import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import * as tls from "node:tls";
import { MASTER_KEY } from "../../helpers/gateway.js";
import { type SlowUpstream, startSlowUpstream } from "../../helpers/slow-upstream.js";
import {
  AUTH,
  H2_PREFACE,
  h2Frame,
  rawConnect,
  type SocketGateway,
  selfSigned,
  spawnSocketGateway,
} from "../../helpers/socket-gateway.js";

/** Descriptors a case may leave above the baseline (pooled upstream sockets, timers of Node internals). */
const FD_TOLERANCE = 8;

const CHAT_HEADERS = (length: number) =>
  [
    "POST /v1/chat/completions HTTP/1.1",
    "Host: 127.0.0.1",
    `Authorization: Bearer ${MASTER_KEY}`,
    "Content-Type: application/json",
    `Content-Length: ${length}`,
    "",
    "",
  ].join("\r\n");

function chatBody(model: string, stream = false): string {
  return JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] });
}

/** Connect streaming request (application/connect+json) framed as one enveloped message. */
function connectStreamBody(model: string): Buffer {
  const json = Buffer.from(
    JSON.stringify({ request: { model, messages: [{ role: "ROLE_USER", content: [{ text: "hi" }] }] } }),
  );
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(json.length, 1);
  return Buffer.concat([prefix, json]);
}

/** Every case ends the same way: the process is up, a normal request succeeds, no descriptor leaked. */
async function assertUnharmed(
  gateway: SocketGateway,
  baseline: number,
  label: string,
  upstreamPort?: number,
  upstreamPool = 0,
): Promise<void> {
  await delay(50);
  assert.ok(gateway.alive(), `${label}: the gateway process is still running`);
  const answer = await gateway.chat();
  assert.equal(answer.status, 200, `${label}: a normal request succeeds (${answer.text})`);
  // Connections undici pooled to the upstream are bounded by the concurrent upstream calls, not leaked per reset.
  const pooled = upstreamPort === undefined ? 0 : gateway.socketsTo(upstreamPort);
  assert.ok(pooled <= Math.max(upstreamPool, 2), `${label}: ${pooled} pooled upstream connections`);
  const fds = (await gateway.fdsSettle(baseline + FD_TOLERANCE + pooled)) - pooled;
  assert.ok(
    fds <= baseline + FD_TOLERANCE,
    `${label}: ${fds} descriptors, baseline ${baseline}: ${gateway.fdTargets().join(" ")}`,
  );
}

function resetAfter(socket: net.Socket, bytes: string | Buffer, waitMs = 30): Promise<void> {
  socket.write(bytes);
  return delay(waitMs).then(() => {
    socket.resetAndDestroy();
  });
}

describe("a reset on one connection never reaches the process (cleartext)", () => {
  let upstream: SlowUpstream;
  let gateway: SocketGateway;
  let baseline = 0;
  let cases = 0;

  before(async () => {
    upstream = await startSlowUpstream(100, 200);
    gateway = await spawnSocketGateway({ upstream: upstream.baseUrl });
    // Warm up: one upstream call (opens the pooled upstream connection), one mock call.
    assert.equal((await gateway.chat("slow/slow")).status, 200);
    assert.equal((await gateway.chat()).status, 200);
    await delay(200);
    baseline = gateway.fds();
  });
  after(async () => {
    await gateway.stop();
    await upstream.close();
    process.stdout.write(`# socket reset cases run: ${cases}\n`);
  });

  const cleartextCases: [string, (port: number) => Promise<void>][] = [
    [
      "reset before any byte",
      async (port) => {
        (await rawConnect(port)).resetAndDestroy();
      },
    ],
    [
      "reset during the sniff (a part of the HTTP/2 preface)",
      async (port) => resetAfter(await rawConnect(port), "PRI * HTTP/2"),
    ],
    [
      "reset during the sniff (first byte, still ambiguous)",
      async (port) => resetAfter(await rawConnect(port), "P"),
    ],
    ["reset mid request line", async (port) => resetAfter(await rawConnect(port), "POST /v1/chat/comp")],
    ["reset mid headers", async (port) => resetAfter(await rawConnect(port), CHAT_HEADERS(100).slice(0, 80))],
    [
      "reset mid body",
      async (port) => {
        const body = chatBody("mock-gpt");
        resetAfter(await rawConnect(port), CHAT_HEADERS(body.length) + body.slice(0, 20));
      },
    ],
    [
      "reset while the upstream call is in flight",
      async (port) => {
        const body = chatBody("slow/slow");
        await resetAfter(await rawConnect(port), CHAT_HEADERS(body.length) + body, 60);
      },
    ],
    [
      "reset mid SSE stream",
      async (port) => {
        const socket = await rawConnect(port);
        const body = chatBody("slow/slow", true);
        socket.write(CHAT_HEADERS(body.length) + body);
        await new Promise<void>((resolve) => {
          let seen = "";
          socket.on("data", (chunk: Buffer) => {
            seen += chunk.toString();
            if (seen.includes("data: ")) resolve();
          });
        });
        socket.resetAndDestroy();
      },
    ],
    [
      "reset mid HTTP/2 settings frame",
      async (port) =>
        resetAfter(await rawConnect(port), Buffer.concat([H2_PREFACE, h2Frame(4, 0, 0).subarray(0, 5)])),
    ],
    [
      "reset mid HTTP/2 header block (no END_HEADERS)",
      async (port) =>
        resetAfter(
          await rawConnect(port),
          Buffer.concat([H2_PREFACE, h2Frame(4, 0, 0), h2Frame(1, 0x0, 1, Buffer.from([0x83, 0x86]))]),
        ),
    ],
    [
      "reset mid Connect stream over HTTP/2",
      async (port) => {
        let socket: net.Socket | undefined;
        const session = http2.connect(`http://127.0.0.1:${port}`, {
          createConnection: () => {
            socket = net.connect({ host: "127.0.0.1", port });
            socket.on("error", () => undefined);
            return socket;
          },
        });
        session.on("error", () => undefined);
        const stream = session.request({
          ":method": "POST",
          ":path": "/switchboard.v1.ChatService/Stream",
          "content-type": "application/connect+json",
          authorization: `Bearer ${MASTER_KEY}`,
        });
        stream.on("error", () => undefined);
        stream.end(connectStreamBody("slow/slow"));
        await new Promise<void>((resolve) => stream.once("data", () => resolve()));
        socket?.resetAndDestroy();
      },
    ],
    [
      "reset mid gRPC stream over HTTP/2",
      async (port) => {
        let socket: net.Socket | undefined;
        const session = http2.connect(`http://127.0.0.1:${port}`, {
          createConnection: () => {
            socket = net.connect({ host: "127.0.0.1", port });
            socket.on("error", () => undefined);
            return socket;
          },
        });
        session.on("error", () => undefined);
        const stream = session.request({
          ":method": "POST",
          ":path": "/switchboard.v1.ChatService/Stream",
          "content-type": "application/grpc+json",
          te: "trailers",
          authorization: `Bearer ${MASTER_KEY}`,
        });
        stream.on("error", () => undefined);
        stream.end(connectStreamBody("slow/slow"));
        await new Promise<void>((resolve) => stream.once("data", () => resolve()));
        socket?.resetAndDestroy();
      },
    ],
    [
      "upstream resets before answering",
      async () => {
        const answer = await gateway.chat("slow/reset-headers");
        assert.ok(answer.status >= 500 && answer.status < 600, `status ${answer.status}`);
        assert.match(answer.text, /"error"/);
      },
    ],
    [
      "upstream resets mid body",
      async () => {
        const answer = await gateway.chat("slow/reset-body");
        assert.ok(answer.status >= 500 && answer.status < 600, `status ${answer.status}`);
      },
    ],
    [
      "upstream resets mid stream",
      async () => {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: "POST",
          headers: AUTH,
          body: chatBody("slow/reset-stream", true),
        });
        const text = await response.text();
        assert.ok(response.status >= 500 || /"error"/.test(text), "the stream ends with an error");
      },
    ],
  ];

  for (const [label, provoke] of cleartextCases) {
    it(label, async () => {
      await provoke(gateway.port);
      cases++;
      await assertUnharmed(gateway, baseline, label);
    });
  }

  it("200 resets at once, in every phase", async () => {
    const body = chatBody("slow/slow");
    const phases = [
      "",
      "P",
      "PRI * HTTP/2.0\r\n",
      CHAT_HEADERS(body.length).slice(0, 50),
      CHAT_HEADERS(body.length) + body,
    ];
    await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const socket = await rawConnect(gateway.port);
        const bytes = phases[index % phases.length] as string;
        if (bytes.length > 0) socket.write(bytes);
        await delay(index % 7 === 0 ? 80 : 10);
        socket.resetAndDestroy();
      }),
    );
    cases++;
    // 40 of the 200 reached the upstream at once: at most that many pooled upstream connections remain.
    await assertUnharmed(gateway, baseline, "200 resets", Number(new URL(upstream.baseUrl).port), 40);
  });
});

describe("a reset on one connection never reaches the process (TLS)", () => {
  it("resets during and after the handshake, over HTTP/1.1 and HTTP/2", async (t) => {
    const certificate = selfSigned();
    if (certificate === undefined) {
      if (process.env["CI"] === "true") assert.fail("openssl is needed to make a test certificate");
      t.skip("openssl not found");
      return;
    }
    const gateway = await spawnSocketGateway({ tls: certificate });
    /** A TLS connection over a TCP socket of our own, so that the test can reset the TCP socket (RST). */
    const https = async (alpn: string) => {
      const raw = await rawConnect(gateway.port);
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const secure = tls.connect({ socket: raw, rejectUnauthorized: false, ALPNProtocols: [alpn] });
        secure.on("error", reject);
        secure.once("secureConnect", () => resolve(secure));
      });
      return { socket, raw };
    };
    try {
      const normal = async () => {
        const { socket } = await https("http/1.1");
        socket.write("GET /health/liveness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let text = "";
        for await (const chunk of socket) text += String(chunk);
        return text;
      };
      assert.match(await normal(), /^HTTP\/1\.1 200/);
      await delay(100);
      const baseline = gateway.fds();
      // A partial ClientHello, then RST.
      const hello = await rawConnect(gateway.port);
      await resetAfter(
        hello,
        Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
      );
      // Garbage instead of a handshake.
      await resetAfter(await rawConnect(gateway.port), "GET / HTTP/1.1\r\n\r\n");
      // HTTP/1.1 over TLS: reset mid headers.
      const h1 = await https("http/1.1");
      h1.socket.on("error", () => undefined);
      h1.socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Le");
      await delay(30);
      h1.raw.resetAndDestroy();
      // HTTP/2 over TLS: reset mid header block.
      const h2 = await https("h2");
      h2.socket.on("error", () => undefined);
      h2.socket.write(Buffer.concat([H2_PREFACE, h2Frame(4, 0, 0), h2Frame(1, 0, 1, Buffer.from([0x83]))]));
      await delay(30);
      h2.raw.resetAndDestroy();
      await delay(100);
      assert.ok(gateway.alive(), "the TLS gateway is still running");
      assert.match(await normal(), /^HTTP\/1\.1 200/);
      const fds = await gateway.fdsSettle(baseline + FD_TOLERANCE);
      assert.ok(fds <= baseline + FD_TOLERANCE, `${fds} descriptors, baseline ${baseline}`);
    } finally {
      await gateway.stop();
    }
  });
});
