import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, describe, it } from "node:test";
import {
  clearRegisteredSecrets,
  REDACTED,
  registeredSecretCount,
  registerSecrets,
  scrubSecrets,
  secretsIn,
  secretsInEnv,
  urlPasswords,
} from "../../../src/shared/secret-scrubber.js";

after(() => clearRegisteredSecrets());

describe("scrubSecrets: credential shapes (no registration needed)", () => {
  const cases: [string, string, string][] = [
    [
      "bearer header echo",
      "Invalid header: Authorization: Bearer sk-proj-AbCdEf0123456789xyzXYZ",
      "sk-proj-",
    ],
    ["lowercase bearer", "authorization=bearer abcdefgh12345678.zz", "abcdefgh12345678"],
    ["openai key", "Incorrect API key provided: sk-abcdefghijklmnop1234.", "sk-abcdefghijklmnop1234"],
    ["anthropic key", "key sk-ant-api03-AAAAbbbbCCCCdddd-eeee was revoked", "sk-ant-api03"],
    ["switchboard key", "got sk-sb-Q2FuYXJ5LXZpcnR1YWwta2V5LXNlY3JldA in header", "sk-sb-Q2Fu"],
    ["aws key id", "The security token included AKIAIOSFODNN7EXAMPLE is invalid", "AKIAIOSFODNN7EXAMPLE"],
    [
      "aws secret next to its key id",
      "creds AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ],
    [
      "aws sigv4 header",
      "Authorization: AWS4-HMAC-SHA256 Credential=ASIAXXXXXXXXXXXXXXXX/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=0123456789abcdef0123456789abcdef",
      "0123456789abcdef0123456789abcdef",
    ],
    [
      "query key",
      "GET https://host/v1/models?alt=sse&key=AIzaNotReallyButLong_0123 failed",
      "AIzaNotReallyButLong",
    ],
    ["query token", "url was /v1/x?token=hunter2hunter2&x=1", "hunter2hunter2"],
    ["google key", "API key not valid: AIzaSyA-1234567890abcdefghijklmnopqrstu", "AIzaSyA-1234567890"],
    [
      "jwt",
      "assertion eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl rejected",
      "eyJhbGciOiJSUzI1NiJ9",
    ],
    ["json api_key field", '{"api_key":"plainsecretvalue42","model":"x"}', "plainsecretvalue42"],
    ["x-api-key header dump", "{ 'x-api-key': 'another-plain-secret', host: 'h' }", "another-plain-secret"],
    ["x-goog-api-key header", "x-goog-api-key: zzzzzzzzzzzzzzzz", "zzzzzzzzzzzzzzzz"],
  ];
  for (const [name, input, secret] of cases) {
    it(name, () => {
      const output = scrubSecrets(input);
      assert.ok(!output.includes(secret), `${secret} survived in: ${output}`);
      assert.ok(output.includes(REDACTED));
    });
  }

  it("leaves ordinary upstream messages alone", () => {
    for (const text of [
      "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
      "max_tokens: 5 is too small",
      "The model `gpt-5` does not exist or you do not have access to it.",
      "Rate limit reached for requests. Please try again in 20s.",
      "messages.0.content: Input should be a valid string",
      "Basic authentication is not supported",
      '{"level":30,"time":"2025-01-01T00:00:00.000Z","request_id":"0f0e5b8a-8e0b-4b7c-9c53-1f7c2bb5d7aa","key_id":"key_abc","msg":"request"}',
    ]) {
      assert.equal(scrubSecrets(text), text);
    }
  });
});

describe("scrubSecrets: registered secrets", () => {
  it("removes every registered value in raw, JSON-escaped and URL-encoded spellings", () => {
    const weird = 'pl@in"secret/with+chars';
    registerSecrets(["canary-provider-key-0001", weird, undefined, "short"]);
    assert.ok(registeredSecretCount() >= 3);
    const text = `echo canary-provider-key-0001 ${JSON.stringify(weird)} ${encodeURIComponent(weird)} short`;
    const output = scrubSecrets(text);
    assert.ok(!output.includes("canary-provider-key-0001"));
    assert.ok(!output.includes("secret/with"), output);
    assert.ok(!output.includes(encodeURIComponent(weird)));
    assert.ok(output.endsWith(" short"), "values under 8 characters are never registered");
  });

  it("removes a PEM private key whole, reflowed, JSON-escaped or cut", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    registerSecrets([pem]);
    const body = pem.split("\n")[3] ?? "";
    assert.ok(body.length > 16);
    for (const echo of [pem, JSON.stringify(pem), `partial ${body} line`, pem.slice(0, 200)]) {
      const output = scrubSecrets(echo);
      assert.ok(!output.includes(body), output);
    }
  });
});

describe("collecting secrets from config and environment", () => {
  it("finds credentials by name in deployment params, including nested and inline JSON", () => {
    const found = secretsIn([
      {
        apiKey: "k1-aaaaaaaa",
        apiBase: "http://not-a-secret",
        maxRetries: 3,
        extraHeaders: { "x-custom": "hdr-bbbbbbbb" },
        extra: {
          aws_secret_access_key: "k2-cccccccc",
          aws_region_name: "us-east-1",
          vertex_credentials: JSON.stringify({ private_key: "k3-dddddddd", client_email: "a@b" }),
          azure_ad_token: "k4-eeeeeeee",
          max_tokens: "9",
        },
      },
    ]);
    for (const value of ["k1-aaaaaaaa", "hdr-bbbbbbbb", "k2-cccccccc", "k3-dddddddd", "k4-eeeeeeee"]) {
      assert.ok(found.includes(value), `${value} missing from ${found.join(",")}`);
    }
    assert.ok(!found.includes("http://not-a-secret"));
    assert.ok(!found.includes("us-east-1"));
    assert.ok(!found.includes("9"));
  });

  it("finds credential variables and connection-string passwords in the environment", () => {
    const found = secretsInEnv({
      OPENAI_API_KEY: "e1-aaaaaaaa",
      AWS_SECRET_ACCESS_KEY: "e2-bbbbbbbb",
      AWS_SESSION_TOKEN: "e3-cccccccc",
      SWITCHBOARD_MASTER_KEY: "e4-dddddddd",
      DATABASE_URL: "postgres://app:e5-eeeeeeee@db:5432/x",
      HOME: "/home/me",
      AWS_REGION: "us-east-1",
    });
    for (const value of ["e1-aaaaaaaa", "e2-bbbbbbbb", "e3-cccccccc", "e4-dddddddd", "e5-eeeeeeee"]) {
      assert.ok(found.includes(value), `${value} missing`);
    }
    assert.ok(!found.includes("/home/me"));
    assert.deepEqual(urlPasswords("redis://:p%40ss-word@h:6379"), ["p@ss-word"]);
  });
});
