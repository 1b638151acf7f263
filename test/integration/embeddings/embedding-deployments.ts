import type { Deployment } from "../../../src/core/types/deployment.js";
import { deployment } from "../../helpers/gateway.js";

/** Upstream credentials planted as canaries: none may ever appear in a response body. */
export const CANARIES = {
  openai: "sk-upstream-canary-openai-4242",
  azure: "azure-canary-key-4242",
  gemini: "gemini-canary-key-4242",
  cohere: "cohere-canary-key-4242",
  voyage: "voyage-canary-key-4242",
  mistral: "mistral-canary-key-4242",
  awsSecret: "aws-secret-canary-4242",
};

const AWS = {
  aws_access_key_id: "AKIDCANARY4242",
  aws_secret_access_key: CANARIES.awsSecret,
  aws_region_name: "us-east-1",
};

/** One embeddings model per provider, all pointing at the fake upstream (model name → what it exercises). */
export function embeddingDeployments(url: string): Deployment[] {
  return [
    deployment("emb-openai", "openai", "text-embedding-3-small", {
      apiBase: `${url}/v1`,
      apiKey: CANARIES.openai,
    }),
    deployment("emb-azure", "azure", "my-embedder", {
      apiBase: `${url}/azure`,
      apiKey: CANARIES.azure,
      apiVersion: "2024-10-21",
    }),
    deployment("emb-gemini", "gemini", "gemini-embedding-001", {
      apiBase: `${url}/gemini`,
      apiKey: CANARIES.gemini,
    }),
    deployment("emb-gemini-2", "gemini", "gemini-embedding-2", {
      apiBase: `${url}/gemini`,
      apiKey: CANARIES.gemini,
    }),
    deployment("emb-vertex", "vertex_ai", "text-embedding-004", {
      apiBase: `${url}/vertex`,
      apiKey: CANARIES.gemini,
    }),
    deployment("emb-titan", "bedrock", "amazon.titan-embed-text-v2:0", {
      apiBase: `${url}/bedrock`,
      extra: AWS,
    }),
    deployment("emb-bedrock-cohere", "bedrock", "cohere.embed-english-v3", {
      apiBase: `${url}/bedrock`,
      extra: AWS,
    }),
    deployment("emb-cohere", "cohere", "embed-v4.0", { apiBase: `${url}/cohere`, apiKey: CANARIES.cohere }),
    deployment("emb-mistral", "mistral", "mistral-embed", {
      apiBase: `${url}/mistral/v1`,
      apiKey: CANARIES.mistral,
    }),
    deployment("emb-ollama", "ollama", "all-minilm", { apiBase: `${url}/ollama` }),
    deployment("emb-voyage", "voyage", "voyage-3.5", {
      apiBase: `${url}/voyage/v1`,
      apiKey: CANARIES.voyage,
    }),
    // A hosted model with no row in the shipped price table (unpriced).
    deployment("emb-unpriced", "voyage", "voyage-finance-2", {
      apiBase: `${url}/voyage/v1`,
      apiKey: CANARIES.voyage,
    }),
    deployment("emb-vllm", "hosted_vllm", "BAAI/bge-m3", { apiBase: `${url}/vllm/v1` }),
    deployment("chat-only", "groq", "llama-3.1-8b", { apiBase: `${url}/groq/v1`, apiKey: "groq-key" }),
    deployment("mock-gpt", "mock", "fixed"),
  ];
}

/** Model → the recorded vector family the fake answers with, for every provider shipped. */
export const PROVIDER_MODELS: readonly {
  model: string;
  family: "openai" | "gemini" | "vertex" | "titan" | "cohere" | "mistral" | "ollama";
}[] = [
  { model: "emb-openai", family: "openai" },
  { model: "emb-azure", family: "openai" },
  { model: "emb-gemini", family: "gemini" },
  { model: "emb-gemini-2", family: "gemini" },
  { model: "emb-vertex", family: "vertex" },
  { model: "emb-titan", family: "titan" },
  { model: "emb-bedrock-cohere", family: "cohere" },
  { model: "emb-cohere", family: "cohere" },
  { model: "emb-mistral", family: "mistral" },
  { model: "emb-ollama", family: "ollama" },
  { model: "emb-voyage", family: "openai" },
  { model: "emb-vllm", family: "openai" },
];
