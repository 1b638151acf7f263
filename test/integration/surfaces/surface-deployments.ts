import type { Deployment } from "../../../src/core/types/deployment.js";
import { deployment } from "../../helpers/gateway.js";

/** Upstream credentials planted as canaries: none may appear in any response body. */
export const CANARIES = {
  openai: "sk-upstream-canary-surfaces-4242",
  cohere: "cohere-canary-surfaces-4242",
  voyage: "voyage-canary-surfaces-4242",
  together: "together-canary-surfaces-4242",
  awsSecret: "aws-secret-canary-surfaces-4242",
};

/** One model per provider × surface, all pointing at the fake upstream. */
export function surfaceDeployments(url: string): Deployment[] {
  return [
    deployment("instruct", "openai", "gpt-3.5-turbo-instruct", {
      apiBase: `${url}/openai/v1`,
      apiKey: CANARIES.openai,
    }),
    deployment("vllm-base", "hosted_vllm", "meta-llama/Llama-3.1-8B", { apiBase: `${url}/vllm/v1` }),
    deployment("together-base", "together_ai", "meta-llama/Llama-3-8b-hf", {
      apiBase: `${url}/together/v1`,
      apiKey: CANARIES.together,
    }),
    deployment("chat-only", "groq", "llama-3.1-8b", { apiBase: `${url}/groq/v1`, apiKey: "groq-key" }),
    deployment("claude", "anthropic", "claude-haiku-4-5", { apiBase: `${url}/anthropic`, apiKey: "a-key" }),
    deployment("mock-gpt", "mock", "fixed"),
  ];
}
