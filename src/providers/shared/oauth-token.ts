import { importPKCS8, SignJWT } from "jose";
import { request } from "undici";
import { GatewayError } from "../../core/errors/gateway-error.js";

/** Google's OAuth token endpoint; a deployment may point elsewhere (tests, private endpoints). */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The fields of a Google service-account key file that the JWT-bearer flow needs. */
export interface ServiceAccountCredentials {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
  projectId?: string;
  tokenUri?: string;
}

/** What a token endpoint answered. */
export interface TokenResponse {
  status: number;
  bodyText: string;
}

/**
 * Posts a form to a token endpoint. Injected so that tests can count calls; the default uses undici, the one
 * HTTP client of the gateway, with its own timeouts (a hung token endpoint must not hang every request).
 */
export type TokenFetcher = (url: string, form: string, signal?: AbortSignal) => Promise<TokenResponse>;

const TOKEN_TIMEOUT_MS = 10_000;
const MAX_TOKEN_BODY_CHARS = 64 * 1024;

export const undiciTokenFetcher: TokenFetcher = async (url, form, signal) => {
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form,
      headersTimeout: TOKEN_TIMEOUT_MS,
      bodyTimeout: TOKEN_TIMEOUT_MS,
      signal,
    });
  } catch (error) {
    throw new GatewayError("connection_error", "Could not reach the OAuth token endpoint.", {
      reason: "token_endpoint_unreachable",
      cause: error,
    });
  }
  const bodyText = await response.body.text();
  return { status: response.statusCode, bodyText: bodyText.slice(0, MAX_TOKEN_BODY_CHARS) };
};

export interface ServiceAccountTokenSourceOptions {
  tokenUrl?: string;
  scopes?: readonly string[];
  fetcher?: TokenFetcher;
  /** Clock, for tests. */
  now?: () => number;
  /** Refresh this long before the token expires (default 5 minutes). */
  refreshMarginMs?: number;
  /** Provider id for error messages. */
  provider?: string;
}

/**
 * Exchanges a service-account key for an OAuth access token (RFC 7523 JWT bearer grant, as Google documents
 * for server-to-server use) and caches it until shortly before it expires. Concurrent callers share one
 * in-flight exchange, so a burst of requests after expiry makes one call to the token endpoint.
 */
export class ServiceAccountTokenSource {
  private readonly tokenUrl: string;
  private readonly scopes: readonly string[];
  private readonly fetcher: TokenFetcher;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly provider: string;
  private cached: { token: string; expiresAt: number } | undefined;
  private inFlight: Promise<string> | undefined;
  private signingKey: ReturnType<typeof importPKCS8> | undefined;

  constructor(
    private readonly credentials: ServiceAccountCredentials,
    options: ServiceAccountTokenSourceOptions = {},
  ) {
    this.tokenUrl = options.tokenUrl ?? credentials.tokenUri ?? GOOGLE_TOKEN_URL;
    this.scopes = options.scopes ?? [CLOUD_PLATFORM_SCOPE];
    this.fetcher = options.fetcher ?? undiciTokenFetcher;
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.provider = options.provider ?? "vertex_ai";
  }

  /** A valid access token, from the cache when it is not near expiry. */
  async getAccessToken(signal?: AbortSignal): Promise<string> {
    const cached = this.cached;
    if (cached !== undefined && this.now() < cached.expiresAt - this.refreshMarginMs) return cached.token;
    if (this.inFlight === undefined) {
      this.inFlight = this.exchange(signal).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async exchange(signal?: AbortSignal): Promise<string> {
    const issuedAt = Math.floor(this.now() / 1000);
    const assertion = await this.sign(issuedAt);
    const form = new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion,
    }).toString();
    const response = await this.fetcher(this.tokenUrl, form, signal);
    const parsed = parseTokenBody(response.bodyText);
    if (response.status < 200 || response.status >= 300 || parsed === undefined) {
      const retryable = response.status >= 500 || response.status === 429;
      throw new GatewayError(
        retryable ? "upstream_unavailable" : "upstream_auth",
        retryable
          ? "The OAuth token endpoint is unavailable."
          : "The OAuth token endpoint rejected the deployment's service-account credentials.",
        { provider: this.provider, upstreamStatus: response.status, reason: "token_exchange_failed" },
      );
    }
    this.cached = { token: parsed.accessToken, expiresAt: this.now() + parsed.expiresInSeconds * 1000 };
    return parsed.accessToken;
  }

  private async sign(issuedAt: number): Promise<string> {
    if (this.signingKey === undefined) {
      this.signingKey = importPKCS8(this.credentials.privateKey, "RS256").catch((error: unknown) => {
        this.signingKey = undefined;
        throw new GatewayError(
          "upstream_auth",
          "The deployment's service-account private key is not valid.",
          {
            provider: this.provider,
            reason: "invalid_private_key",
            cause: error,
          },
        );
      });
    }
    const key = await this.signingKey;
    const header: { alg: "RS256"; typ: "JWT"; kid?: string } = { alg: "RS256", typ: "JWT" };
    if (this.credentials.privateKeyId !== undefined) header.kid = this.credentials.privateKeyId;
    return new SignJWT({ scope: this.scopes.join(" ") })
      .setProtectedHeader(header)
      .setIssuer(this.credentials.clientEmail)
      .setSubject(this.credentials.clientEmail)
      .setAudience(this.tokenUrl)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(key);
  }
}

function parseTokenBody(text: string): { accessToken: string; expiresInSeconds: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const accessToken = record["access_token"];
  if (typeof accessToken !== "string" || accessToken.length === 0) return undefined;
  const expiresIn = Number(record["expires_in"] ?? 3600);
  return { accessToken, expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
}
