import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Client } from "undici";
import { MASTER_KEY } from "../../helpers/gateway.js";
import {
  AUTH,
  rawConnect,
  readUntilClose,
  selfSigned,
  spawnSocketGateway,
} from "../../helpers/socket-gateway.js";

const STREAM_BODY = JSON.stringify({
  model: "mock/slow-stream-100",
  stream: true,
  messages: [{ role: "user", content: "hi" }],
});

describe("graceful shutdown, connection by connection", () => {
  it("HTTP/1.1: an idle keep-alive connection is closed, a new request on an open one gets 503 + Connection: close, the stream in flight finishes", async () => {
    // Idle connections are closed once idle for 1.5 s: long enough for this test's second request to find its
    // connection open on a loaded machine, short enough for the idle one to be closed during the stream.
    const gateway = await spawnSocketGateway({ graceMs: 10_000, limits: { drainIdleMs: 1_500 } });
    const streaming = new Client(gateway.url, { pipelining: 1 });
    const busy = new Client(gateway.url, { pipelining: 1 });
    try {
      // A stream in flight (ten words, 100 ms apart).
      const stream = await streaming.request({
        path: "/v1/chat/completions",
        method: "POST",
        headers: AUTH,
        body: STREAM_BODY,
      });
      const streamText = stream.body.text();
      // An idle keep-alive connection: one request answered, then nothing.
      const idle = await rawConnect(gateway.port);
      idle.write("GET /health/liveness HTTP/1.1\r\nHost: x\r\n\r\n");
      await new Promise((resolve) => idle.once("data", resolve));
      const idleClosed = readUntilClose(idle, 8_000);
      // A keep-alive connection that will ask again after SIGTERM.
      const first = await busy.request({ path: "/health/readiness", method: "GET" });
      await first.body.text();
      assert.equal(first.statusCode, 200);

      gateway.child.kill("SIGTERM");
      // Readiness goes false as soon as the signal is handled; until then the probe is still answered 200.
      let again = await busy.request({ path: "/health/readiness", method: "GET" });
      for (let tries = 0; again.statusCode === 200 && tries < 100; tries++) {
        await again.body.text();
        await delay(20);
        again = await busy.request({ path: "/health/readiness", method: "GET" });
      }
      const againBody = JSON.parse(await again.body.text()) as { error: { type: string; code: string } };
      assert.equal(again.statusCode, 503);
      assert.equal(again.headers["connection"], "close");
      assert.equal(againBody.error.type, "service_unavailable_error");
      assert.equal(againBody.error.code, "unavailable");

      assert.equal((await idleClosed).closed, true, "the idle keep-alive connection was closed");
      const text = await streamText;
      assert.match(text, /" ten"/, "the stream in flight finished");
      assert.match(text, /data: \[DONE\]/);
      assert.equal(await gateway.exited, 0);
    } finally {
      await streaming.destroy().catch(() => undefined);
      await busy.destroy().catch(() => undefined);
      await gateway.stop();
    }
  });

  it("HTTP/2: GOAWAY on SIGTERM, a new stream is refused, the stream in flight finishes", async () => {
    const gateway = await spawnSocketGateway({ graceMs: 10_000 });
    const session = http2.connect(gateway.url);
    session.on("error", () => undefined);
    try {
      const goaway = new Promise<void>((resolve) => session.once("goaway", () => resolve()));
      const stream = session.request({
        ":method": "POST",
        ":path": "/v1/chat/completions",
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
      });
      stream.end(STREAM_BODY);
      stream.setEncoding("utf8");
      let text = "";
      stream.on("data", (chunk: string) => {
        text += chunk;
      });
      const ended = new Promise<void>((resolve) => stream.once("end", () => resolve()));
      await new Promise((resolve) => stream.once("response", resolve));

      gateway.child.kill("SIGTERM");
      await goaway;
      const refused = await new Promise<string>((resolve) => {
        try {
          const late = session.request({ ":path": "/health/liveness" });
          late.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
          late.on("response", (headers) => resolve(String(headers[":status"])));
          late.on("close", () => resolve(`closed ${late.rstCode}`));
        } catch (error) {
          resolve((error as NodeJS.ErrnoException).code ?? "thrown");
        }
      });
      assert.notEqual(refused, "200", `a stream opened after GOAWAY is not served (${refused})`);
      await ended;
      assert.match(text, /" ten"/, "the stream in flight finished");
      assert.match(text, /data: \[DONE\]/);
      assert.equal(await gateway.exited, 0);
    } finally {
      session.destroy();
      await gateway.stop();
    }
  });

  it("TLS: an HTTP/2 stream and an HTTP/1.1 request in flight both finish, then the process exits", async (t) => {
    const certificate = selfSigned();
    if (certificate === undefined) {
      if (process.env["CI"] === "true") assert.fail("openssl is needed to make a test certificate");
      t.skip("openssl not found");
      return;
    }
    const gateway = await spawnSocketGateway({ graceMs: 10_000, tls: certificate });
    const session = http2.connect(gateway.url, { rejectUnauthorized: false });
    session.on("error", () => undefined);
    const h1 = new Client(gateway.url, { connect: { rejectUnauthorized: false } });
    try {
      const goaway = new Promise<void>((resolve) => session.once("goaway", () => resolve()));
      const stream = session.request({
        ":method": "POST",
        ":path": "/v1/chat/completions",
        authorization: `Bearer ${MASTER_KEY}`,
        "content-type": "application/json",
      });
      stream.end(STREAM_BODY);
      stream.setEncoding("utf8");
      let text = "";
      stream.on("data", (chunk: string) => {
        text += chunk;
      });
      const ended = new Promise<void>((resolve) => stream.once("end", () => resolve()));
      await new Promise((resolve) => stream.once("response", resolve));
      const overH1 = await h1.request({
        path: "/v1/chat/completions",
        method: "POST",
        headers: AUTH,
        body: STREAM_BODY,
      });
      const h1Text = overH1.body.text();

      gateway.child.kill("SIGTERM");
      await goaway;
      await ended;
      assert.match(text, /data: \[DONE\]/, "the HTTP/2 stream finished");
      assert.match(await h1Text, /data: \[DONE\]/, "the HTTP/1.1 stream finished");
      assert.equal(await gateway.exited, 0);
    } finally {
      session.destroy();
      await h1.destroy().catch(() => undefined);
      await gateway.stop();
    }
  });
});
