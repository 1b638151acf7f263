import { pathToFileURL } from "node:url";
import type { GuardrailConfig } from "../config/guardrail-config.js";
import type { GuardrailDecision, GuardrailInput } from "./external-decision.js";
import { parseDecision } from "./external-decision.js";

/**
 * A custom guardrail: an ES module (JavaScript; TypeScript when the gateway runs under a TS loader such as tsx)
 * from the config, exporting `preCall(input)` and/or `postCall(input)`, each returning (or resolving to) a
 * decision `{action: "allow" | "block" | "mask", reason?, messages?, choices?}`. Loaded once at startup; a module
 * that cannot be loaded, or has neither hook, is a startup error. Its answers are parsed as strictly as an HTTP
 * guardrail's, under the same time box and fail-closed policy.
 */
export interface CustomGuardrailModule {
  preCall?: (input: GuardrailInput) => unknown;
  postCall?: (input: GuardrailInput) => unknown;
}

export interface CustomDecider {
  preCall: ((input: GuardrailInput) => Promise<GuardrailDecision>) | undefined;
  postCall: ((input: GuardrailInput) => Promise<GuardrailDecision>) | undefined;
}

export async function loadCustomGuardrail(config: GuardrailConfig): Promise<CustomDecider> {
  if (config.modulePath === undefined) throw new Error(`guardrails: '${config.name}' has no module`);
  let loaded: CustomGuardrailModule;
  try {
    loaded = (await import(pathToFileURL(config.modulePath).href)) as CustomGuardrailModule;
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "load error";
    throw new Error(`guardrails: '${config.name}': cannot load its module (${code})`);
  }
  const pre = typeof loaded.preCall === "function" ? loaded.preCall : undefined;
  const post = typeof loaded.postCall === "function" ? loaded.postCall : undefined;
  if (pre === undefined && post === undefined) {
    throw new Error(`guardrails: '${config.name}': its module exports neither preCall nor postCall`);
  }
  const wrap = (hook: (input: GuardrailInput) => unknown) => async (input: GuardrailInput) =>
    parseDecision(await hook(structuredClone(input)));
  return { preCall: pre && wrap(pre), postCall: post && wrap(post) };
}
