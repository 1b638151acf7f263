import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type * as net from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { MASTER_KEY } from "../../helpers/gateway.js";
import {
  H2_PREFACE,
  h2Frame,
  hpackLiteral,
  rawConnect,
  readUntilClose,
  type SocketGateway,
  spawnSocketGateway,
} from "../../helpers/socket-gateway.js";

const FD_TOLERANCE = 8;
const LIMITS = {
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
  bodyIdleTimeoutMs: 1_000,
  firstByteTimeoutMs: 10_000,
  maxConnections: 500,
  keepAliveTimeoutMs: 5_000,
};

const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7 } as const;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;

/** HEADERS block for `GET /v1/models` with the master key (HPACK: static-table indexes and literals). */
function modelsHeaderBlock(): Buffer {
  return Buffer.concat([
    Buffer.from([0x82, 0x86]), // :method GET, :scheme http
    Buffer.concat([Buffer.from([0x04, "/v1/models".length]), Buffer.from("/v1/models")]), // :path, literal value
    Buffer.concat([Buffer.from([0x01, "x".length]), Buffer.from("x")]), // :authority x
    hpackLiteral("authorization", `Bearer ${MASTER_KEY}`),
  ]);
}

/** Frame types found in what the server sent (after its own SETTINGS), read leniently. */
function frameTypes(bytes: Buffer): Set<number> {
  const types = new Set<number>();
  for (let offset = 0; offset + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(offset, 3);
    types.add(bytes.readUInt8(offset + 3));
    offset += 9 + length;
  }
  return types;
}

function collect(socket: net.Socket, timeoutMs: number): Promise<{ closed: boolean; bytes: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => resolve({ closed: false, bytes: Buffer.concat(chunks) }), timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ closed: true, bytes: Buffer.concat(chunks) });
    });
  });
}

describe("abuse at the socket is bounded and costs only the abusing connection", () => {
  let gateway: SocketGateway;
  let baseline = 0;
  let cases = 0;
  const notes: string[] = [];

  before(async () => {
    gateway = await spawnSocketGateway({ limits: LIMITS });
    assert.equal((await gateway.chat()).status, 200);
    await delay(200);
    baseline = gateway.fds();
  });
  after(async () => {
    await gateway.stop();
    process.stdout.write(`# socket abuse cases run: ${cases}; ${notes.join("; ")}\n`);
  });

  async function assertUnharmed(label: string): Promise<void> {
    cases++;
    await delay(50);
    assert.ok(gateway.alive(), `${label}: the gateway process is still running`);
    const answer = await gateway.chat();
    assert.equal(answer.status, 200, `${label}: a normal request succeeds (${answer.text})`);
    const fds = await gateway.fdsSettle(baseline + FD_TOLERANCE);
    assert.ok(
      fds <= baseline + FD_TOLERANCE,
      `${label}: ${fds} descriptors, baseline ${baseline}: ${gateway.fdTargets().join(" ")}`,
    );
  }

  it("slowloris headers: 408 and closed once the headers timeout passes", async () => {
    const socket = await rawConnect(gateway.port);
    socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n");
    const trickle = setInterval(() => socket.write("X-Slow: 1\r\n"), 200);
    const result = await readUntilClose(socket, 6_000);
    clearInterval(trickle);
    assert.ok(result.closed, "the connection was closed");
    assert.match(result.text, /^HTTP\/1\.1 408/);
    await assertUnharmed("slowloris headers");
  });

  it("slowloris body (stalls): 408 with OpenAI error JSON and closed after the body idle timeout", async () => {
    const socket = await rawConnect(gateway.port);
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MASTER_KEY}\r\n` +
        "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n" +
        '{"model":"mock-gpt",',
    );
    const result = await readUntilClose(socket, 6_000);
    assert.ok(result.closed, "the connection was closed");
    assert.match(result.text, /^HTTP\/1\.1 408/);
    assert.match(result.text, /connection: close/i);
    assert.match(result.text, /"code":"request_timeout"/);
    await assertUnharmed("slowloris body (stall)");
  });

  it("slowloris body (trickles under the idle timeout): closed by the request timeout", async () => {
    const socket = await rawConnect(gateway.port);
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MASTER_KEY}\r\n` +
        "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n",
    );
    const trickle = setInterval(() => socket.write(" "), 300);
    const result = await readUntilClose(socket, 8_000);
    clearInterval(trickle);
    assert.ok(result.closed, "the connection was closed");
    assert.match(result.text, /^HTTP\/1\.1 408/);
    await assertUnharmed("slowloris body (trickle)");
  });

  it("slowloris body over HTTP/2: the stalled stream gets 408 and is closed, the session lives on", async () => {
    const session = http2.connect(gateway.url);
    session.on("error", () => undefined);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/v1/chat/completions",
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
      });
      stream.on("error", () => undefined);
      stream.write('{"model":"mock-gpt",');
      const status = await new Promise<number>((resolve) => {
        stream.once("response", (headers) => resolve(Number(headers[":status"])));
        stream.once("close", () => resolve(0));
      });
      assert.equal(status, 408);
      await new Promise<void>((resolve) =>
        stream.closed ? resolve() : stream.once("close", () => resolve()),
      );
      // The same session still serves a normal request.
      const next = session.request({ ":path": "/health/liveness" });
      const nextStatus = await new Promise<number>((resolve) =>
        next.once("response", (headers) => resolve(Number(headers[":status"]))),
      );
      next.resume();
      assert.equal(nextStatus, 200);
    } finally {
      session.destroy();
    }
    await assertUnharmed("slowloris body over HTTP/2");
  });

  it("oversize headers: 431 over HTTP/1.1, a refused stream over HTTP/2", async () => {
    const socket = await rawConnect(gateway.port);
    socket.write(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    const result = await readUntilClose(socket, 5_000);
    assert.match(result.text, /^HTTP\/1\.1 431/);
    assert.ok(result.closed);

    const session = http2.connect(gateway.url);
    session.on("error", () => undefined);
    try {
      const stream = session.request({ ":path": "/v1/models", "x-big": "a".repeat(20_000) });
      stream.on("error", () => undefined);
      const status = await new Promise<number>((resolve) => {
        stream.once("response", (headers) => resolve(Number(headers[":status"])));
        stream.once("close", () => resolve(0));
      });
      assert.notEqual(status, 200, "the oversize request was not served");
    } finally {
      session.destroy();
    }
    await assertUnharmed("oversize headers");
  });

  it("HTTP/2 rapid reset (CVE-2023-44487): 5,000 HEADERS + RST_STREAM pairs", async () => {
    const socket = await rawConnect(gateway.port);
    const received = collect(socket, 5_000);
    const block = modelsHeaderBlock();
    const frames: Buffer[] = [H2_PREFACE, h2Frame(FRAME.SETTINGS, 0, 0)];
    for (let index = 0; index < 5_000; index++) {
      const id = 1 + index * 2;
      frames.push(h2Frame(FRAME.HEADERS, END_HEADERS | END_STREAM, id, block));
      frames.push(h2Frame(FRAME.RST_STREAM, 0, id, Buffer.from([0, 0, 0, 8]))); // CANCEL
    }
    socket.write(Buffer.concat(frames));
    const result = await received;
    socket.destroy();
    notes.push(
      `rapid reset: session ${result.closed ? "closed by the gateway" : "still open"}${frameTypes(result.bytes).has(FRAME.GOAWAY) ? " with GOAWAY" : ""}`,
    );
    await assertUnharmed("rapid reset");
  });

  for (const [name, type, payload] of [
    ["SETTINGS", FRAME.SETTINGS, Buffer.from([0, 3, 0, 0, 0, 100])],
    ["PING", FRAME.PING, Buffer.alloc(8)],
  ] as const) {
    it(`HTTP/2 ${name} flood: 20,000 frames while never reading the ACKs`, async () => {
      const socket = await rawConnect(gateway.port);
      socket.pause(); // never read: the ACKs pile up on the gateway's side
      const frames: Buffer[] = [H2_PREFACE];
      for (let index = 0; index < 20_000; index++) frames.push(h2Frame(type, 0, 0, payload));
      socket.write(Buffer.concat(frames));
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5_000);
        socket.once("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
        // A paused socket does not see the peer's FIN: resume after a while to notice the close.
        setTimeout(() => socket.resume(), 1_000);
      });
      socket.destroy();
      notes.push(`${name} flood: session ${closed ? "closed by the gateway" : "still open"}`);
      await assertUnharmed(`${name} flood`);
    });
  }

  it("2,000 idle connections: bounded by maxConnections (500), and a normal request still gets in", async () => {
    const sockets: net.Socket[] = [];
    for (let batch = 0; batch < 20; batch++) {
      sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => rawConnect(gateway.port)))));
    }
    await delay(300);
    const held = gateway.fds();
    assert.ok(
      held <= baseline + LIMITS.maxConnections + FD_TOLERANCE,
      `${held} descriptors with 2,000 idle clients (baseline ${baseline}, limit ${LIMITS.maxConnections})`,
    );
    // While all 2,000 are held open by the clients: the longest-idle connection makes room for a new one.
    const answer = await gateway.chat();
    assert.equal(answer.status, 200, answer.text);
    notes.push(
      `2,000 idle clients held ${held - baseline} descriptors above baseline (limit ${LIMITS.maxConnections})`,
    );
    for (const socket of sockets) socket.destroy();
    await assertUnharmed("2,000 idle connections");
  });
});
