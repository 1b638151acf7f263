import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { signSigV4 } from "../../../src/providers/shared/sigv4.js";
import { readCorpusJson } from "../support/conformance.js";

interface Vector {
  signingDate: string;
  region: string;
  service: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  request: { method: string; url: string; body: string; contentType: string };
  expected: { date: string; payloadHash: string; authorization: string };
}

const vector = readCorpusJson("bedrock", "sigv4-test-vector.json") as Vector;

describe("signSigV4", () => {
  it("reproduces the recorded SigV4 test vector exactly", async () => {
    const headers = await signSigV4({
      method: vector.request.method,
      url: vector.request.url,
      headers: { "Content-Type": vector.request.contentType },
      body: vector.request.body,
      region: vector.region,
      service: vector.service,
      credentials: vector.credentials,
      signingDate: new Date(vector.signingDate),
    });
    assert.equal(headers.authorization, vector.expected.authorization);
    assert.equal(headers["x-amz-date"], vector.expected.date);
    assert.equal(headers["x-amz-content-sha256"], vector.expected.payloadHash);
    assert.equal(headers["x-amz-security-token"], vector.credentials.sessionToken);
    assert.equal(headers["content-type"], vector.request.contentType);
    assert.equal(headers.host, undefined, "host is signed but left to the HTTP client");
  });

  it("signs the body bytes: another body gives another payload hash and signature", async () => {
    const base = {
      method: "POST",
      url: vector.request.url,
      headers: { "content-type": "application/json" },
      region: vector.region,
      service: vector.service,
      credentials: vector.credentials,
      signingDate: new Date(vector.signingDate),
    };
    const one = await signSigV4({ ...base, body: vector.request.body });
    const other = await signSigV4({
      ...base,
      body: new TextEncoder().encode('{"model":"gpt-4o","input":"bye"}'),
    });
    assert.equal(
      other["x-amz-content-sha256"],
      createHash("sha256").update('{"model":"gpt-4o","input":"bye"}').digest("hex"),
    );
    assert.notEqual(one.authorization, other.authorization);
  });

  it("omits the security token header for long-term credentials", async () => {
    const headers = await signSigV4({
      method: "POST",
      url: "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-micro-v1%3A0/converse",
      headers: { "content-type": "application/json" },
      body: "{}",
      region: "us-east-1",
      service: "bedrock",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      },
      signingDate: new Date(vector.signingDate),
    });
    assert.equal(headers["x-amz-security-token"], undefined);
    assert.match(
      headers.authorization ?? "",
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20250102\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });
});
