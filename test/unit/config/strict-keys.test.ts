import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UNIMPLEMENTED_LITELLM_KEYS } from "../../../src/config/litellm-unimplemented-keys.js";
import { minimal, parse, problemsOf } from "./helpers.js";

describe("unknown and misspelled keys", () => {
  test("are errors naming their path, at every depth, all reported at once", () => {
    const text = `modle_list: []
model_list:
  - model_nme: m
    litellm_params:
      model: openai/gpt-4o
      api_bse: https://example.com
    model_info:
      max_input_token: 1000
router_settings:
  retry_policy:
    TimeoutRetries: 2
  model_group_alias:
    fast: { model: m, hiden: true }
general_settings:
  prot: 4000
litellm_settings:
  drop_param: true
`;
    assert.deepEqual(problemsOf(text), [
      "model_list[0].model_name: required",
      "model_list[0].litellm_params.api_bse: unknown key (did you mean 'api_base'?)",
      "model_list[0].model_info.max_input_token: unknown key (did you mean 'max_input_tokens'?)",
      "model_list[0].model_nme: unknown key (did you mean 'model_name'?)",
      "litellm_settings.drop_param: unknown key (did you mean 'drop_params'?)",
      "router_settings.model_group_alias.fast.hiden: unknown key (did you mean 'hidden'?)",
      "router_settings.retry_policy.TimeoutRetries: unknown key (did you mean 'TimeoutErrorRetries'?)",
      "general_settings.prot: unknown key (did you mean 'port'?)",
      "modle_list: unknown key (did you mean 'model_list'?)",
    ]);
  });

  test("a key nothing resembles gets no suggestion", () => {
    assert.deepEqual(problemsOf(minimal("general_settings:\n  completely_made_up: 1\n")), [
      "general_settings.completely_made_up: unknown key",
    ]);
  });

  test("wrong types and out-of-range values name the key, never the value", () => {
    const canary = "sk-CANARY-in-a-bad-place-0001";
    const problems = problemsOf(`model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o
      api_base: ${canary}
      rpm: -1
      timeout: 0
router_settings:
  routing_strategy: fastest
`);
    assert.deepEqual(problems, [
      "model_list[0].litellm_params.api_base: must be an absolute http:// or https:// URL",
      "model_list[0].litellm_params.timeout: must be > 0",
      "model_list[0].litellm_params.rpm: must be ≥ 0",
      'router_settings.routing_strategy: Invalid option: expected one of "simple-shuffle"|"least-busy"|"usage-based-routing"|"usage-based-routing-v2"|"latency-based-routing"|"cost-based-routing"',
    ]);
    assert.ok(!problems.join("\n").includes("CANARY"));
  });

  test("YAML syntax errors give line and column without echoing the line", () => {
    const problems = problemsOf(
      "model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/x\n      api_key: sk-CANARY-0002\n      api_key: sk-CANARY-0003\n",
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /^line 6, column 7: Map keys must be unique/);
    assert.ok(!problems.join("\n").includes("CANARY"));
  });
});

describe("LiteLLM keys we knowingly do not implement", () => {
  test("are accepted and produce exactly one warning each, however often they appear", () => {
    const config = parse(`model_list:
  - model_name: a
    litellm_params: { model: openai/gpt-4o, tags: [x], mock_response: hi }
    model_info: { team_id: t1 }
  - model_name: b
    litellm_params: { model: openai/gpt-4o-mini, tags: [y] }
    model_info: { team_id: t2 }
  - model_name: c
    litellm_params: { model: openai/o3, tags: [z] }
litellm_settings:
  modify_params: os.environ/NOT_SET_ANYWHERE
router_settings:
  enable_tag_filtering: true
general_settings:
  spend_report_frequency: 1d
  custom_auth: my_module.auth
callback_settings:
  otel: { message_logging: false }
`);
    const keys = config.warnings.map((warning) => warning.slice(0, warning.indexOf(":")));
    assert.deepEqual(keys, [
      "callback_settings",
      "model_list[*].litellm_params.tags",
      "model_list[*].litellm_params.mock_response",
      "model_list[*].model_info.team_id",
      "litellm_settings.modify_params",
      "router_settings.enable_tag_filtering",
      "general_settings.custom_auth",
      "general_settings.spend_report_frequency",
    ]);
    assert.match(config.warnings[1] ?? "", /\(3 occurrences\) — tag-based routing is not supported$/);
    assert.match(config.warnings[3] ?? "", /\(2 occurrences\)/);
    assert.doesNotMatch(config.warnings[2] ?? "", /occurrences/);
    // Ignored values are dropped: they never reach the deployment.
    assert.deepEqual(config.deployments[0]?.params.extra, {});
  });

  test("settings whose absence would change behaviour unsafely are rejected instead", () => {
    assert.deepEqual(
      problemsOf(minimal("general_settings:\n  allowed_ips: [10.0.0.1]\ninclude: [more.yaml]\n")),
      [
        "include: not supported: splitting the config over several files is not supported; merge them into one file",
        "general_settings.allowed_ips: not supported: IP allow-lists are not supported; filter at the network layer and remove this key",
      ],
    );
  });

  test("no key is both implemented by the schema and listed as unimplemented", () => {
    // Parsing a config with every unimplemented key of a section must never fail with "unknown key".
    for (const section of ["litellm_settings", "router_settings", "general_settings"] as const) {
      const keys = Object.entries(UNIMPLEMENTED_LITELLM_KEYS[section]).filter(
        ([, entry]) => entry.action === "ignore",
      );
      const body = keys.map(([key]) => `  ${key}: null`).join("\n");
      const config = parse(minimal(`${section}:\n${body}\n`));
      assert.equal(config.warnings.length, keys.length, section);
    }
  });
});
