import type { Deployment } from "../../core/types/deployment.js";
import { geminiModelId } from "../gemini/index.js";
import { modelPathSegment } from "../shared/model-path-segment.js";

export const VERTEX_DEFAULT_LOCATION = "us-central1";

/**
 * The Vertex AI publisher-model URL: `https://{location}-aiplatform.googleapis.com/v1/projects/{project}/
 * locations/{location}/publishers/google/models/{model}:generateContent` (the `global` location has no
 * regional host). `api_base` replaces the host (private endpoints, tests); the project comes from
 * `vertex_project` or the service account's own project.
 */
export function vertexUrl(deployment: Deployment, project: string, stream: boolean): string {
  const location = vertexLocation(deployment);
  const host =
    deployment.params.apiBase?.replace(/\/+$/, "") ??
    (location === "global"
      ? "https://aiplatform.googleapis.com"
      : `https://${location}-aiplatform.googleapis.com`);
  const version = deployment.params.apiVersion ?? "v1";
  const method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
  const model = modelPathSegment(geminiModelId(deployment.model), "vertex_ai");
  return `${host}/${version}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models/${model}:${method}`;
}

export function vertexLocation(deployment: Deployment): string {
  const location = deployment.params.extra["vertex_location"];
  return typeof location === "string" && location !== "" ? location : VERTEX_DEFAULT_LOCATION;
}
