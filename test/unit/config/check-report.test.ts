import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatCheckReport } from "../../../src/config/check.js";
import { loadConfig } from "../../../src/config/load-config.js";
import { redactSecret, redactUrl } from "../../../src/config/redact.js";
import { CWD, LITELLM_FIXTURE, parse } from "./helpers.js";

/**
 * Canary secrets: each has a distinctive middle that must never appear in the report. (The display form may show a
 * short prefix and the last four characters, so the markers sit in the middle.)
 */
const CANARIES = {
  OPENAI_API_KEY: "sk-proj-CANARYopenai000000000000a1",
  AZURE_API_KEY: "azkey-CANARYazure00000000000000a2",
  ANTHROPIC_API_KEY: "sk-ant-CANARYanthropic0000000000a3",
  AWS_ACCESS_KEY_ID: "AKIACANARYaccesskey00a4",
  AWS_SECRET_ACCESS_KEY: "CANARYawssecret000000000000000000000000a5",
  VERTEX_CREDENTIALS: '{"private_key":"CANARYvertexprivatekey00000a6"}',
  REDIS_PASSWORD: "CANARYredispassword00a7",
  LITELLM_MASTER_KEY: "sk-CANARYmasterkey000000000000a8",
  DATABASE_URL: "postgres://app:CANARYdbpassword00a9@db.internal:5432/switchboard",
} as const;

const MARKERS = [
  "CANARYopenai",
  "CANARYazure",
  "CANARYanthropic",
  "CANARYaccesskey",
  "CANARYawssecret",
  "CANARYvertex",
  "CANARYredis",
  "CANARYmaster",
  "CANARYdbpassword",
  "CANARYsession",
  "CANARYheader",
  "CANARYurlpass",
  "CANARYquery",
  "CANARYazuread",
  "CANARYclientsecret",
  "CANARYextrabody",
];

describe("switchboard check report", () => {
  test("shows every resolved deployment and the warnings, with no secret in it", async () => {
    const env: NodeJS.ProcessEnv = {
      ...CANARIES,
      OPENAI_ORG_ID: "org-1",
      AZURE_API_BASE: "https://eu.openai.azure.com",
      AZURE_RPM: "600",
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: "6379",
    };
    const config = await loadConfig({ file: LITELLM_FIXTURE, env, cwd: CWD });
    const report = formatCheckReport(config);

    for (const marker of MARKERS) assert.ok(!report.includes(marker), `${marker} leaked:\n${report}`);
    for (const deployment of config.deployments) {
      assert.ok(report.includes(`  ${deployment.modelName}\n`), deployment.modelName);
      assert.ok(
        report.includes(`provider ${deployment.provider}; model ${deployment.model}; id ${deployment.id}`),
      );
    }
    assert.ok(report.includes("api_base https://eu.openai.azure.com/"));
    assert.ok(
      report.includes(
        "limits: rpm 480; tpm 100000; timeout 30000 ms; stream timeout 10000 ms; max retries 2",
      ),
    );
    assert.ok(report.includes(`api_key ${redactSecret(CANARIES.OPENAI_API_KEY)}`));
    assert.ok(report.includes("aws_region_name=us-west-2"));
    assert.ok(report.includes("Master key: sk-…00a8"));
    assert.ok(report.includes("Database: postgres://app:****@db.internal:5432/switchboard"));
    assert.ok(report.includes("Redis: redis://:****@127.0.0.1:6379"));
    assert.ok(report.includes("extra headers (values hidden): X-Tenant"));
    assert.ok(report.includes("Warnings (1):"));
    for (const warning of config.warnings) assert.ok(report.includes(`  - ${warning}`));
  });

  test("hides credentials in api_base, headers, Azure and free-form params", () => {
    const config = parse(`model_list:
  - model_name: m
    litellm_params:
      model: azure/gpt-4o
      api_base: https://user:CANARYurlpass0000@host.example/v1?api-key=CANARYquery0000
      api_key: short
      azure_ad_token: CANARYazuread000000000000000000
      client_secret: CANARYclientsecret00000000
      aws_session_token: CANARYsession00000000000000000000
      extra_headers: { Authorization: "Bearer CANARYheader000000000" }
      extra_body: { token: CANARYextrabody00000 }
      tenant_id: tenant-1
`);
    const report = formatCheckReport(config);
    for (const marker of MARKERS) assert.ok(!report.includes(marker), `${marker} leaked:\n${report}`);
    assert.ok(report.includes("api_base https://user:****@host.example/v1?api-key=****"));
    assert.ok(report.includes("api_key ****"));
    assert.ok(report.includes("extra_body=(set)"));
    assert.ok(report.includes("tenant_id=tenant-1"));
  });

  test("the embedded default report lists the discovered providers without their keys", async () => {
    const config = await loadConfig({ env: { OPENAI_API_KEY: CANARIES.OPENAI_API_KEY }, cwd: CWD });
    const report = formatCheckReport(config);
    assert.ok(report.includes("embedded default (no config file); providers from the environment: openai"));
    assert.ok(report.includes("  openai/*\n"));
    assert.ok(report.includes("Master key: not set (one is generated on first start)"));
    assert.ok(!report.includes("CANARYopenai"));
  });
});

describe("redaction", () => {
  test("secrets show at most a prefix and the last four characters", () => {
    assert.equal(redactSecret("sk-proj-abcdefghijklmnop1234"), "sk-…1234");
    assert.equal(redactSecret("AKIAABCDEFGHIJKLMNOP"), "AKI…MNOP");
    assert.equal(redactSecret("short-secret"), "****");
  });

  test("URLs lose their password and query values; unparsable ones are hidden whole", () => {
    assert.equal(redactUrl("redis://:pw@h:6379/0"), "redis://:****@h:6379/0");
    assert.equal(redactUrl("https://h/v1?key=abc&x=1"), "https://h/v1?key=****&x=****");
    assert.equal(redactUrl("host=db password=secret"), "****");
  });
});
