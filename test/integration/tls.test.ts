import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as http2 from "node:http2";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MASTER_KEY, standardDeployments, startTestGateway } from "../helpers/gateway.js";

function selfSigned(): { certFile: string; keyFile: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "sb-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    return { certFile, keyFile };
  } catch {
    return undefined;
  }
}

describe("TLS with ALPN h2 and http/1.1 on one port", () => {
  it("serves HTTP/1.1 and HTTP/2 clients over TLS", async (t) => {
    const tls = selfSigned();
    if (tls === undefined) {
      if (process.env["CI"] === "true") assert.fail("openssl is needed to make a test certificate");
      t.skip("openssl not found: cannot make a test certificate");
      return;
    }
    const gateway = await startTestGateway(standardDeployments("http://127.0.0.1:9/v1"), { tls });
    try {
      assert.match(gateway.url, /^https:/);
      const url = new URL(gateway.url);
      const body = JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hi" }] });
      const h1 = await new Promise<{ status: number; alpn: string; text: string }>((resolve, reject) => {
        const options: RequestOptions & { ALPNProtocols: string[] } = {
          host: url.hostname,
          port: url.port,
          path: "/v1/chat/completions",
          method: "POST",
          rejectUnauthorized: false,
          ALPNProtocols: ["http/1.1"],
          headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        };
        const request = httpsRequest(options, (response) => {
          const alpn = String((response.socket as { alpnProtocol?: string }).alpnProtocol);
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              alpn,
              text,
            }),
          );
        });
        request.on("error", reject);
        request.end(body);
      });
      assert.equal(h1.status, 200);
      assert.equal(h1.alpn, "http/1.1");
      assert.match(h1.text, /mock provider/);

      const session = http2.connect(gateway.url, { rejectUnauthorized: false });
      try {
        const h2 = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const stream = session.request({
            ":method": "POST",
            ":path": "/v1/chat/completions",
            authorization: `Bearer ${MASTER_KEY}`,
            "content-type": "application/json",
          });
          let status = 0;
          let text = "";
          stream.on("response", (headers) => {
            status = Number(headers[":status"]);
          });
          stream.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          stream.on("end", () => resolve({ status, text }));
          stream.on("error", reject);
          stream.end(body);
        });
        assert.equal(h2.status, 200);
        assert.equal(session.alpnProtocol, "h2");
        assert.match(h2.text, /mock provider/);
      } finally {
        session.close();
      }
    } finally {
      await gateway.close(100);
    }
  });
});
