import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

/** Static AWS credentials (from `litellm_params` or the standard AWS environment variables). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Input {
  method: string;
  url: string;
  /** Headers to send and sign (e.g. content-type). */
  headers: Record<string, string>;
  /** The exact body bytes that will be sent: the signature covers their SHA-256. */
  body: string | Uint8Array;
  region: string;
  /** Signing name: "bedrock" for Bedrock Runtime. */
  service: string;
  credentials: AwsCredentials;
  /** Fixed time for tests; now otherwise. */
  signingDate?: Date;
}

/**
 * Signs one request with AWS Signature Version 4 (Smithy's signer, node:crypto SHA-256) and returns the headers to
 * send: the given ones plus `authorization`, `x-amz-date`, `x-amz-content-sha256` and, for temporary credentials,
 * `x-amz-security-token`. The `host` header is signed but not returned: the HTTP client derives the same value
 * from the URL (undici sets it from `url.host`), and some clients refuse an explicit one.
 */
export async function signSigV4(input: SigV4Input): Promise<Record<string, string>> {
  const url = new URL(input.url);
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: input.service,
    sha256: Sha256,
    applyChecksum: true,
    uriEscapePath: true,
  });
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const headers: Record<string, string> = { ...lowercaseKeys(input.headers), host: url.host };
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === "" ? undefined : Number(url.port),
      path: url.pathname,
      query,
      headers,
      body: input.body,
    },
    input.signingDate === undefined ? {} : { signingDate: input.signingDate },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== "host") out[name.toLowerCase()] = value;
  }
  return out;
}

function lowercaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
