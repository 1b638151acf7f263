import type { EmbeddingAdapter } from "../../core/embeddings/embedding-adapter.js";
import type { Deployment } from "../../core/types/deployment.js";
import { createOpenAIEmbeddings } from "../openai/openai-embeddings.js";
import type { Environment } from "../shared/api-key.js";
import { azureTarget } from "./azure-target.js";

/** Azure OpenAI's embeddings URL and credentials: the same two surfaces and auth as chat (azure-target.ts). */
export function azureEmbeddingsTarget(
  deployment: Deployment,
  env: Environment = process.env,
): { url: string; headers: Record<string, string>; model: string } {
  const { url, auth } = azureTarget(deployment, "embeddings", env);
  return { url, headers: { ...deployment.params.extraHeaders, ...auth }, model: deployment.model };
}

/** Azure OpenAI embeddings: OpenAI's wire (base64 passes through, token ids accepted, 2,048 a call). */
export const azureEmbeddings: EmbeddingAdapter = createOpenAIEmbeddings({
  provider: "azure",
  passEncoding: true,
  sendUser: true,
  maxInputsPerCall: 2048,
  acceptsTokens: true,
  target: (deployment) => azureEmbeddingsTarget(deployment),
});
