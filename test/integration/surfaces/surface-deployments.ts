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
    // Moderations: the official SDKs name no model by default, and the gateway then asks for OpenAI's default.
    deployment("omni-moderation-latest", "openai", "omni-moderation-latest", {
      apiBase: `${url}/openai/v1`,
      apiKey: CANARIES.openai,
    }),
    deployment("text-moderation", "openai", "text-moderation-007", {
      apiBase: `${url}/openai/v1`,
      apiKey: CANARIES.openai,
    }),
    // Rerank
    deployment("rr-cohere", "cohere", "rerank-v3.5", { apiBase: `${url}/cohere`, apiKey: CANARIES.cohere }),
    deployment("rr-voyage", "voyage", "rerank-2.5", { apiBase: `${url}/voyage/v1`, apiKey: CANARIES.voyage }),
    deployment("rr-together", "together_ai", "Salesforce/Llama-Rank-v1", {
      apiBase: `${url}/together/v1`,
      apiKey: CANARIES.together,
    }),
    deployment("rr-vllm", "hosted_vllm", "BAAI/bge-reranker-v2-m3", { apiBase: `${url}/jina/v1` }),
    deployment("rr-bedrock", "bedrock", "amazon.rerank-v1:0", {
      apiBase: `${url}/bedrock-agent`,
      extra: {
        aws_access_key_id: "AKIDCANARYSURFACES",
        aws_secret_access_key: CANARIES.awsSecret,
        aws_region_name: "us-west-2",
      },
    }),
  ];
}
