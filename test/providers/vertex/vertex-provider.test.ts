import * as assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { importSPKI, jwtVerify } from "jose";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { ChatRequest } from "../../../src/core/types/chat.js";
import type { Deployment } from "../../../src/core/types/deployment.js";
import { createVertexProvider } from "../../../src/providers/vertex/index.js";
import { normalizeGeminiBody } from "../../helpers/gemini-normalize.js";
import { readCassette, testDeployment } from "../../helpers/provider-fixtures.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();

const serviceAccount = {
  type: "service_account",
  project_id: "sa-project",
  private_key_id: "key-1",
  private_key: privatePem,
  client_email: "gateway@sa-project.iam.gserviceaccount.com",
};

/** A fake Google token endpoint: verifies the JWT-bearer assertion with the public key and issues tokens. */
class FakeTokenEndpoint {
  server: Server | undefined;
  calls = 0;
  status = 200;
  expiresIn = 3600;
  claims: Record<string, unknown>[] = [];
  headers: Record<string, unknown>[] = [];

  async start(): Promise<string> {
    const key = await importSPKI(publicPem, "RS256");
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        this.calls++;
        const form = new URLSearchParams(body);
        const url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/token`;
        jwtVerify(form.get("assertion") ?? "", key, { audience: url, issuer: serviceAccount.client_email })
          .then(({ payload, protectedHeader }) => {
            assert.equal(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
            this.claims.push(payload);
            this.headers.push(protectedHeader);
            response.writeHead(this.status, { "content-type": "application/json" });
            response.end(
              this.status === 200
                ? JSON.stringify({
                    access_token: `token-${this.calls}`,
                    expires_in: this.expiresIn,
                    token_type: "Bearer",
                  })
                : JSON.stringify({ error: "invalid_grant", error_description: "Invalid JWT Signature." }),
            );
          })
          .catch(() => {
            response.writeHead(400, { "content-type": "application/json" });
            response.end(JSON.stringify({ error: "invalid_grant" }));
          });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const endpoint = new FakeTokenEndpoint();
let tokenUrl = "";
before(async () => {
  tokenUrl = await endpoint.start();
});
after(() => endpoint.stop());

function vertexDeployment(
  extra: Record<string, unknown>,
  params: Partial<Deployment["params"]> = {},
): Deployment {
  return testDeployment("vertex_ai", "gemini-2.0-flash", {
    params: { extra: { vertex_token_url: tokenUrl, ...extra }, ...params },
  });
}

const hello: ChatRequest = {
  model: "vertex_ai/gemini-2.0-flash",
  messages: [{ role: "user", content: "hi" }],
};

describe("vertex provider", () => {
  it("signs a JWT, exchanges it at the token endpoint and caches the token until near expiry", async () => {
    let clock = Date.now(); // the fake endpoint checks exp against the real clock
    const provider = createVertexProvider({ now: () => clock });
    const deployment = vertexDeployment({
      vertex_credentials: JSON.stringify(serviceAccount),
      vertex_project: "my-project",
      vertex_location: "europe-west4",
    });
    const before = endpoint.calls;
    const first = await provider.buildRequest(hello, { deployment, stream: true, requestId: "r1" });
    assert.equal(endpoint.calls, before + 1);
    assert.equal(first.headers["authorization"], `Bearer token-${before + 1}`);
    assert.equal(
      first.url,
      "https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
    );
    const claims = endpoint.claims.at(-1)!;
    assert.equal(claims["scope"], "https://www.googleapis.com/auth/cloud-platform");
    assert.equal((claims["exp"] as number) - (claims["iat"] as number), 3600);
    assert.equal(endpoint.headers.at(-1)!["kid"], "key-1");

    // Within the token's life: concurrent requests reuse it without another exchange.
    clock += 30 * 60_000;
    await Promise.all(
      [1, 2, 3].map(() => provider.buildRequest(hello, { deployment, stream: false, requestId: "r" })),
    );
    assert.equal(endpoint.calls, before + 1);

    // Within five minutes of expiry: one refresh shared by concurrent requests.
    clock += 26 * 60_000;
    const refreshed = await Promise.all(
      [1, 2, 3].map(() => provider.buildRequest(hello, { deployment, stream: false, requestId: "r" })),
    );
    assert.equal(endpoint.calls, before + 2);
    for (const request of refreshed)
      assert.equal(request.headers["authorization"], `Bearer token-${before + 2}`);
  });

  it("reads the key file from a path and takes the project from it; global has no regional host", async () => {
    const directory = mkdtempSync(join(tmpdir(), "vertex-"));
    const path = join(directory, "sa.json");
    writeFileSync(path, JSON.stringify(serviceAccount));
    const provider = createVertexProvider();
    const request = await provider.buildRequest(hello, {
      deployment: vertexDeployment({ vertex_credentials: path, vertex_location: "global" }),
      stream: false,
      requestId: "r",
    });
    assert.equal(
      request.url,
      "https://aiplatform.googleapis.com/v1/projects/sa-project/locations/global/publishers/google/models/gemini-2.0-flash:generateContent",
    );
  });

  it("sends the Gemini body (cassette-vertex-file-uri-input)", async () => {
    const [interaction] = readCassette("gemini/cassette-vertex-file-uri-input.yaml");
    const provider = createVertexProvider();
    const request = await provider.buildRequest(
      {
        model: "x",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is the main content of this URL?" },
              {
                type: "image",
                url: "https://upload.wikimedia.org/wikipedia/commons/6/6a/Www.wikipedia_screenshot_%282021%29.png",
              },
            ],
          },
        ],
      },
      {
        deployment: vertexDeployment({
          vertex_credentials: serviceAccount,
          vertex_project: "pydantic-ai",
          vertex_location: "global",
        }),
        stream: false,
        requestId: "r",
      },
    );
    assert.deepEqual(
      JSON.parse(request.body as string),
      normalizeGeminiBody(interaction!.request.parsed_body),
    );
    // The recording used the v1beta1 surface; a deployment can ask for it with api_version.
    assert.match(
      interaction!.request.uri,
      /\/projects\/pydantic-ai\/locations\/global\/publishers\/google\/models\/gemini-2\.0-flash:generateContent$/,
    );
  });

  it("maps a rejected assertion to upstream_auth and an unavailable endpoint to retryable unavailability", async () => {
    const provider = createVertexProvider();
    const wrongKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    await assert.rejects(
      Promise.resolve(
        provider.buildRequest(hello, {
          deployment: vertexDeployment({ vertex_credentials: { ...serviceAccount, private_key: wrongKey } }),
          stream: false,
          requestId: "r",
        }),
      ),
      (error: unknown) =>
        error instanceof GatewayError && error.kind === "upstream_auth" && error.upstreamStatus === 400,
    );
    endpoint.status = 503;
    try {
      await assert.rejects(
        Promise.resolve(
          createVertexProvider().buildRequest(hello, {
            deployment: vertexDeployment({ vertex_credentials: serviceAccount }),
            stream: false,
            requestId: "r",
          }),
        ),
        (error: unknown) => error instanceof GatewayError && error.kind === "upstream_unavailable",
      );
    } finally {
      endpoint.status = 200;
    }
  });

  it("rejects missing or malformed credentials without echoing them", async () => {
    const provider = createVertexProvider();
    await assert.rejects(
      Promise.resolve(
        provider.buildRequest(hello, { deployment: vertexDeployment({}), stream: false, requestId: "r" }),
      ),
      (error: unknown) => error instanceof GatewayError && error.kind === "upstream_auth",
    );
    await assert.rejects(
      Promise.resolve(
        provider.buildRequest(hello, {
          deployment: vertexDeployment({ vertex_credentials: '{"private_key":"secret-material"}' }),
          stream: false,
          requestId: "r",
        }),
      ),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "upstream_auth" &&
        !error.message.includes("secret-material"),
    );
  });

  it("rejects an untranslatable request before any token exchange", async () => {
    const before = endpoint.calls;
    await assert.rejects(
      Promise.resolve(
        createVertexProvider().buildRequest(
          { ...hello, logprobs: true },
          {
            deployment: vertexDeployment({ vertex_credentials: serviceAccount }),
            stream: false,
            requestId: "r",
          },
        ),
      ),
      (error: unknown) =>
        error instanceof GatewayError &&
        error.kind === "unsupported_parameter" &&
        error.provider === "vertex_ai",
    );
    assert.equal(endpoint.calls, before);
  });

  it("puts an express-mode API key in the header, never the URL", async () => {
    const request = await createVertexProvider().buildRequest(hello, {
      deployment: vertexDeployment({}, { apiKey: "express-key" }),
      stream: true,
      requestId: "r",
    });
    assert.equal(request.headers["x-goog-api-key"], "express-key");
    assert.ok(!request.url.includes("express-key"));
    assert.equal(
      request.url,
      "https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
    );
  });
});
