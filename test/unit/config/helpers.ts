import * as assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../../src/config/config-error.js";
import type { GatewayConfig } from "../../../src/config/gateway-config.js";
import { parseConfigText } from "../../../src/config/load-config.js";

/** The realistic LiteLLM config used by several suites. */
export const LITELLM_FIXTURE = fileURLToPath(
  new URL("../../fixtures/config/litellm-config.yaml", import.meta.url),
);

/** A fixed working directory, so that resolved paths are predictable. */
export const CWD = "/srv/switchboard";

/** Parses YAML text with a given environment (copied, so tests do not share state). */
export function parse(text: string, env: NodeJS.ProcessEnv = {}): GatewayConfig {
  return parseConfigText(text, { env: { ...env }, cwd: CWD });
}

/** The problems a config is rejected with; fails the test if it is accepted. */
export function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parse(text, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the configuration to be rejected");
}

/** A minimal valid config with one OpenAI deployment, plus extra YAML appended at the top level. */
export function minimal(extra = ""): string {
  return `model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o-mini\n${extra}`;
}
