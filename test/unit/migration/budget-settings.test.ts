import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/config/config-error.js";
import { parseConfigText } from "../../../src/config/load-config.js";
import { applyKeyGenerateParams, KeyParamAboveBound } from "../../../src/keys/key-generate-params.js";

const MODELS = "model_list:\n  - model_name: m\n    litellm_params:\n      model: mock/m\n";
const parse = (extra: string) => parseConfigText(`${MODELS}${extra}`, { env: {} });

describe("LiteLLM budget settings in config (issue #15)", () => {
  it("general_settings.max_budget / budget_duration is the proxy-wide budget, without an unknown-key error", () => {
    const config = parse("general_settings:\n  max_budget: 100\n  budget_duration: 30d\n");
    assert.deepEqual(config.litellmSettings.proxyBudget, { maxBudget: 100, budgetDuration: "30d" });
    assert.ok(!config.warnings.some((warning) => warning.includes("max_budget")));
  });

  it("litellm_settings.max_budget works the same; set in both places is an error", () => {
    const config = parse("litellm_settings:\n  max_budget: 5\n");
    assert.deepEqual(config.litellmSettings.proxyBudget, { maxBudget: 5, budgetDuration: undefined });
    assert.throws(
      () => parse("litellm_settings:\n  max_budget: 5\ngeneral_settings:\n  max_budget: 6\n"),
      (error: unknown) => error instanceof ConfigError && /one place/.test(error.message),
    );
  });

  it("refuses a malformed budget_duration and a duration without a budget, naming the path", () => {
    assert.throws(
      () => parse("general_settings:\n  max_budget: 1\n  budget_duration: monthly\n"),
      (error: unknown) =>
        error instanceof ConfigError && /general_settings\.budget_duration/.test(error.message),
    );
    assert.throws(
      () => parse("litellm_settings:\n  budget_duration: 1d\n"),
      (error: unknown) => error instanceof ConfigError && /requires max_budget/.test(error.message),
    );
  });

  it("key generate params: known fields kept, unknown or mistyped ones are errors naming them", () => {
    const config = parse(
      [
        "litellm_settings:",
        "  default_key_generate_params:",
        "    models: [m]",
        "    max_budget: 1",
        "  upperbound_key_generate_params:",
        "    max_budget: 10",
        "    duration: 30d",
        "    rpm_limit: 100",
        "",
      ].join("\n"),
    );
    assert.deepEqual(config.litellmSettings.keyGenerateParams, {
      defaults: { models: ["m"], max_budget: 1 },
      upperBounds: { max_budget: 10, duration: "30d", rpm_limit: 100 },
    });
    for (const [extra, path] of [
      ["  upperbound_key_generate_params:\n    models: [m]\n", "upperbound_key_generate_params.models"],
      [
        "  upperbound_key_generate_params:\n    duration: forever\n",
        "upperbound_key_generate_params.duration",
      ],
      [
        "  upperbound_key_generate_params:\n    max_budget: -1\n",
        "upperbound_key_generate_params.max_budget",
      ],
      ["  default_key_generate_params:\n    api_base: http://x\n", "default_key_generate_params.api_base"],
    ] as const) {
      assert.throws(
        () => parse(`litellm_settings:\n${extra}`),
        (error: unknown) => error instanceof ConfigError && error.message.includes(path),
        path,
      );
    }
  });

  it("applies defaults to absent fields, fills absent bounded fields, refuses values above a bound", () => {
    const params = {
      defaults: { models: ["m"], max_budget: 1 },
      upperBounds: { max_budget: 10, duration: "30d", rpm_limit: 100 },
    };
    assert.deepEqual(applyKeyGenerateParams({ key_alias: "a" }, params), {
      key_alias: "a",
      models: ["m"],
      max_budget: 1,
      duration: "30d",
      rpm_limit: 100,
    });
    assert.deepEqual(applyKeyGenerateParams({ max_budget: 10, duration: "1w" }, params).max_budget, 10);
    assert.throws(
      () => applyKeyGenerateParams({ max_budget: 10.01 }, params),
      (error: unknown) => error instanceof KeyParamAboveBound && error.field === "max_budget",
    );
    assert.throws(
      () => applyKeyGenerateParams({ duration: "31d" }, params),
      (error: unknown) => error instanceof KeyParamAboveBound && error.field === "duration",
    );
    // duration: null means "never expires", which exceeds any bound: filled with the bound instead.
    assert.equal(applyKeyGenerateParams({ duration: null }, params).duration, "30d");
    assert.deepEqual(applyKeyGenerateParams({ a: 1 }, undefined), { a: 1 });
  });
});
