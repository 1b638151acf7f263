import { createHash } from "node:crypto";
import { GatewayError } from "../../core/errors/gateway-error.js";
import type { Deployment } from "../../core/types/deployment.js";
import {
  type ServiceAccountCredentials,
  ServiceAccountTokenSource,
  type TokenFetcher,
} from "../shared/oauth-token.js";
import { loadServiceAccountCredentials } from "../shared/service-account.js";
import { VERTEX_PROVIDER_ID } from "./vertex-error.js";

export interface VertexAuthOptions {
  fetcher?: TokenFetcher;
  now?: () => number;
}

/** How a Vertex request authenticates: a bearer token from a service account, or an express-mode API key. */
export type VertexAuth =
  | { kind: "bearer"; token: string; project: string }
  | { kind: "api-key"; apiKey: string };

/**
 * Turns a deployment's credentials into request auth. Token sources are kept per service account and token
 * endpoint, so every deployment sharing a key shares one cached token (and one refresh).
 */
export class VertexAuthenticator {
  private readonly sources = new Map<string, ServiceAccountTokenSource>();

  constructor(private readonly options: VertexAuthOptions = {}) {}

  async authFor(deployment: Deployment): Promise<VertexAuth> {
    const extra = deployment.params.extra;
    const raw = extra["vertex_credentials"];
    if (raw === undefined || raw === null || raw === "") {
      const apiKey = deployment.params.apiKey;
      if (apiKey !== undefined && apiKey !== "") return { kind: "api-key", apiKey };
      throw new GatewayError(
        "upstream_auth",
        "The Vertex AI deployment has no credentials (vertex_credentials or api_key) configured.",
        { provider: VERTEX_PROVIDER_ID, reason: "missing_credentials" },
      );
    }
    const credentials = loadServiceAccountCredentials(raw, VERTEX_PROVIDER_ID);
    const configuredProject = extra["vertex_project"];
    const project =
      typeof configuredProject === "string" && configuredProject !== ""
        ? configuredProject
        : credentials.projectId;
    if (project === undefined) {
      throw new GatewayError("upstream_auth", "The Vertex AI deployment has no vertex_project configured.", {
        provider: VERTEX_PROVIDER_ID,
        reason: "missing_project",
      });
    }
    const tokenUrl = typeof extra["vertex_token_url"] === "string" ? extra["vertex_token_url"] : undefined;
    const token = await this.source(credentials, tokenUrl).getAccessToken();
    return { kind: "bearer", token, project };
  }

  private source(
    credentials: ServiceAccountCredentials,
    tokenUrl: string | undefined,
  ): ServiceAccountTokenSource {
    const keyFingerprint = createHash("sha256").update(credentials.privateKey).digest("hex").slice(0, 16);
    const cacheKey = `${credentials.clientEmail}|${tokenUrl ?? credentials.tokenUri ?? ""}|${keyFingerprint}`;
    let source = this.sources.get(cacheKey);
    if (source === undefined) {
      source = new ServiceAccountTokenSource(credentials, {
        provider: VERTEX_PROVIDER_ID,
        ...(tokenUrl === undefined ? {} : { tokenUrl }),
        ...(this.options.fetcher === undefined ? {} : { fetcher: this.options.fetcher }),
        ...(this.options.now === undefined ? {} : { now: this.options.now }),
      });
      this.sources.set(cacheKey, source);
    }
    return source;
  }
}
