import assert from "node:assert/strict";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { startTestGateway } from "../helpers/gateway.js";

/**
 * A loopback relay in front of the gateway that hands over the client's first `firstBytes` bytes one at a time,
 * each in its own TCP segment, so that the gateway's preface sniffing sees them in pieces.
 */
async function startSplittingRelay(targetPort: number, firstBytes: number): Promise<net.Server> {
  const relay = net.createServer({ noDelay: true }, (client) => {
    const target = net.connect({ host: "127.0.0.1", port: targetPort, noDelay: true });
    let sent = 0;
    let queue = Promise.resolve();
    client.on("data", (chunk: Buffer) => {
      client.pause();
      queue = queue.then(async () => {
        for (let offset = 0; offset < chunk.length; ) {
          const take = sent < firstBytes ? 1 : chunk.length - offset;
          target.write(chunk.subarray(offset, offset + take));
          offset += take;
          sent += take;
          if (sent <= firstBytes) await delay(2);
        }
        client.resume();
      });
    });
    target.pipe(client);
    client.on("close", () => target.destroy());
    target.on("close", () => client.destroy());
    client.on("error", () => target.destroy());
    target.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  return relay;
}

describe("cleartext HTTP/1.1 and HTTP/2 on one port, preface sniffed in pieces", () => {
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let relay: net.Server;
  let relayPort: number;

  before(async () => {
    gateway = await startTestGateway([]);
    relay = await startSplittingRelay(gateway.server.port, 30);
    relayPort = (relay.address() as net.AddressInfo).port;
  });
  after(async () => {
    relay.close();
    await gateway.close(100);
  });

  it("serves HTTP/2 with prior knowledge when the preface arrives byte by byte, for several streams", async () => {
    const session = http2.connect(`http://127.0.0.1:${relayPort}`);
    try {
      const get = (path: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const stream = session.request({ ":path": path });
          let status = 0;
          let body = "";
          stream.on("response", (headers) => {
            status = Number(headers[":status"]);
          });
          stream.setEncoding("utf8");
          stream.on("data", (chunk: string) => {
            body += chunk;
          });
          stream.on("end", () => resolve({ status, body }));
          stream.on("error", reject);
          stream.end();
        });
      const first = await get("/health/liveliness");
      assert.equal(first.status, 200);
      assert.deepEqual(JSON.parse(first.body), { status: "healthy" });
      const more = await Promise.all([get("/health/readiness"), get("/v1/models"), get("/no-such-route")]);
      assert.deepEqual(
        more.map((answer) => answer.status),
        [200, 401, 404],
      );
    } finally {
      session.close();
    }
  });

  it("serves HTTP/1.1 keep-alive when the request line arrives byte by byte ('P' could still be 'PRI')", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const get = (path: string, method = "GET") =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const request = http.request(
            { host: "127.0.0.1", port: relayPort, path, method, agent },
            (response) => {
              let body = "";
              response.setEncoding("utf8");
              response.on("data", (chunk: string) => {
                body += chunk;
              });
              response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
            },
          );
          request.on("error", reject);
          request.end();
        });
      const first = await get("/health/liveliness", "POST");
      assert.equal(first.status, 404, "POST on a GET route is not allowed");
      const second = await get("/health/liveliness");
      assert.equal(second.status, 200);
      assert.deepEqual(JSON.parse(second.body), { status: "healthy" });
    } finally {
      agent.destroy();
    }
  });
});
