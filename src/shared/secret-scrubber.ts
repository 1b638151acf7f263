/**
 * The one secret scrubber of the process (GUARDS 5 and 8c). Upstream text is untrusted: a proxy or provider that
 * echoes our request headers or URL into its error would hand the provider key to the caller, the logs or the
 * ledger. Every text that comes from an upstream goes through `scrubSecrets` where it enters the gateway
 * (GatewayError creation), and the log writer and the ledger row builder run it again as a last line of defence.
 *
 * Two passes: the exact values registered at startup (provider keys, AWS secrets, private keys, the master key,
 * connection-string passwords, in their raw, JSON-escaped and URL-encoded spellings), then anything shaped like a
 * credential (bearer tokens, `sk-…` keys, AWS key ids and the 40-character secret next to one, Google `AIza…`
 * keys, JWTs, PEM private keys, `key=`/`token=`/`signature=` values, secret-named JSON fields and headers).
 *
 * Module state on purpose: the set of secrets is process-wide, registered once by the composition root, and the
 * scrubber must work from places that cannot be handed a dependency (an Error constructor, a log stream).
 */

/** What a scrubbed value becomes. */
export const REDACTED = "[redacted]";

/** Registered values shorter than this are ignored: scrubbing "1" or "true" would mangle every message. */
const MIN_SECRET_LENGTH = 8;

const secrets = new Set<string>();
let exact: RegExp | undefined;

/**
 * Adds configured secrets (undefined and short values are skipped). Idempotent; call it at startup with every
 * credential the process holds. PEM private keys are registered whole and line by line, so a reflowed or
 * truncated echo is caught too.
 */
export function registerSecrets(values: Iterable<string | undefined | null>): void {
  const before = secrets.size;
  for (const value of values) {
    if (typeof value !== "string") continue;
    for (const form of spellings(value.trim())) {
      if (form.length >= MIN_SECRET_LENGTH) secrets.add(form);
    }
  }
  if (secrets.size !== before) exact = compileExact();
}

/** How many distinct secret spellings are registered (startup logs this count, never the values). */
export function registeredSecretCount(): number {
  return secrets.size;
}

/** Tests only: forget every registered secret. */
export function clearRegisteredSecrets(): void {
  secrets.clear();
  exact = undefined;
}

/** The text with every registered secret and every credential-shaped token replaced by `[redacted]`. */
export function scrubSecrets(text: string): string {
  let result = text;
  if (exact !== undefined && result.length >= MIN_SECRET_LENGTH) result = result.replace(exact, REDACTED);
  if (!MAYBE_CREDENTIAL.test(result)) return result;
  const awsContext = AWS_CONTEXT.test(result);
  result = result.replace(PEM_PRIVATE_KEY, REDACTED);
  result = result.replace(SHAPES, shapeReplacer);
  if (awsContext) result = result.replace(AWS_SECRET_VALUE, REDACTED);
  return result;
}

/** Whether a text still holds something the scrubber would change (tests, assertions). */
export function holdsSecret(text: string): boolean {
  return scrubSecrets(text) !== text;
}

/**
 * Every string in a configuration value that is a credential by its name: `api_key`, `*secret*`, `*token*`,
 * `*password*`, `private_key`, `credentials`, `authorization`, and all `extra_headers` values. Walks objects
 * and arrays (deployment params hold provider-specific keys in `extra`); JSON strings (`vertex_credentials`
 * given inline) are parsed and walked too.
 */
export function secretsIn(value: unknown, named = false, depth = 0): string[] {
  if (depth > 8) return [];
  if (typeof value === "string") {
    if (!named) return [];
    const trimmed = value.trim();
    if (trimmed.startsWith("{")) {
      try {
        // Inline JSON credentials: the whole text, and the secret-named fields inside (not `type`, `client_email`).
        return [trimmed, ...secretsIn(JSON.parse(trimmed), false, depth + 1)];
      } catch {
        return [trimmed];
      }
    }
    return [trimmed];
  }
  if (Array.isArray(value)) return value.flatMap((item) => secretsIn(item, named, depth + 1));
  if (typeof value !== "object" || value === null) return [];
  // Every value of a header map may be a credential; elsewhere each field is judged by its own name.
  const found: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (NOT_SECRET_NAME.test(key)) continue;
    const childNamed = SECRET_NAME.test(key) || HEADERS_NAME.test(key);
    found.push(...secretsIn(HEADERS_NAME.test(key) ? headerMap(item) : item, childNamed, depth + 1));
  }
  return found;
}

const HEADERS_NAME = /headers$/i;

/** A header map's values, each treated as a secret (`extra_headers: { x-api-key: … }`). */
function headerMap(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.values(value).filter((item): item is string => typeof item === "string");
}

/** Values of environment variables whose names say they hold a credential (`OPENAI_API_KEY`, `AWS_SECRET_…`). */
export function secretsInEnv(env: Record<string, string | undefined>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && SECRET_ENV_NAME.test(name) && !NOT_SECRET_ENV_NAME.test(name))
      found.push(value);
    if (value !== undefined && URL_ENV_NAME.test(name)) found.push(...urlPasswords(value));
  }
  return found;
}

/** The password and secret-looking query values of a connection string (`postgres://u:PASS@…`, `…?key=…`). */
export function urlPasswords(value: string | undefined): string[] {
  if (value === undefined || value === "") return [];
  try {
    const url = new URL(value);
    const found = [decodeURIComponent(url.password)];
    for (const [key, item] of url.searchParams) if (SECRET_NAME.test(key)) found.push(item);
    return found.filter((item) => item !== "");
  } catch {
    return [];
  }
}

const SECRET_NAME =
  /(?:^|[_-])(?:key|auth)$|secret|password|private_?key|access_?key|api_?key|token|credential/i;
/** Names that contain "key"/"token" but hold no secret (ids, counts, limits, file paths, regions). */
const NOT_SECRET_NAME =
  /(?:^|[_-])(?:max_?tokens?|tokens?_?(?:limit|count|per_\w+)|tpm|rpm|key_?(?:id|name)|model|region(?:_name)?|project|location|api_?base|base_?url|api_?version|endpoint|file|path)$/i;
const SECRET_ENV_NAME = /(?:API_?KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS|MASTER_KEY)/i;
const NOT_SECRET_ENV_NAME = /(?:_FILE|_PATH|_DIR|_ID_?LENGTH)$/i;
const URL_ENV_NAME = /(?:_URL|_DSN|_URI)$/i;

function spellings(value: string): string[] {
  if (value === "") return [];
  const forms = new Set<string>([value]);
  const json = JSON.stringify(value).slice(1, -1);
  forms.add(json);
  forms.add(encodeURIComponent(value));
  // A PEM private key: every body line too (an echo may reflow, truncate or JSON-escape the block).
  if (value.includes("PRIVATE KEY")) {
    for (const line of value.split(/\\n|\r?\n/)) {
      const body = line.trim();
      if (body.length >= 16 && !body.startsWith("-----")) forms.add(body);
    }
  }
  return [...forms];
}

function compileExact(): RegExp | undefined {
  if (secrets.size === 0) return undefined;
  return new RegExp(trieSource([...secrets]), "g");
}

/**
 * One regular expression for many literals, factored by common prefix (`ab(?:c|d)` rather than `abc|abd`): the
 * engine then tries at most a branch or two per position instead of every secret, which keeps the scrub of a log
 * line in the low microseconds with dozens of secrets registered. Longer matches win (a secret that is a prefix
 * of another is tried after it).
 */
function trieSource(words: readonly string[]): string {
  const groups = new Map<string, string[]>();
  let endsHere = false;
  for (const word of words) {
    if (word === "") {
      endsHere = true;
      continue;
    }
    const head = word[0] as string;
    const rest = groups.get(head);
    if (rest === undefined) groups.set(head, [word.slice(1)]);
    else rest.push(word.slice(1));
  }
  const branches = [...groups].map(([head, rest]) => {
    const escaped = head.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    if (rest.length === 1) return escaped + (rest[0] as string).replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    return `${escaped}(?:${trieSource(rest)})`;
  });
  if (endsHere) branches.push("");
  return branches.length === 1 ? (branches[0] as string) : branches.join("|");
}

/**
 * A cheap pre-check: text without any of these cannot hold a credential shape. An access line's `"key_id"` field
 * and its value (`key_` + 16 base64url characters, an id, not a secret) do not count, so a plain access line
 * costs the exact-secret pass and this test only.
 */
const MAYBE_CREDENTIAL =
  /bearer|basic|sk[-_]|AKIA|ASIA|AIza|eyJ|PRIVATE KEY|key(?!_id"|_[A-Za-z0-9_-]{16}")|token|secret|passw|signature|sig=|auth|credential|cookie|x-amz/i;

const PEM_PRIVATE_KEY =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*)/g;

/** Secret-named fields and headers: `"api_key": "…"`, `x-api-key: …`, `password=…` (the value is replaced). */
const NAMED_VALUE = String.raw`(?<named>["']?\b(?:x-api-key|api-key|x-goog-api-key|api_?key|apikey|access_?token|refresh_?token|id_?token|auth_?token|client_?secret|secret_?access_?key|aws_?secret_?access_?key|aws_?session_?token|x-amz-security-token|security_?token|session_?token|private_?key|password|passwd|secret|token|cookie|set-cookie|proxy-authorization)["']?\s*[:=]\s*["']?)(?<namedValue>[^"'\s,;&}<>]{4,})`;
/** URL query values: `?key=…`, `&token=…`, `&sig=…`, `X-Amz-Signature=…`. */
const QUERY_VALUE = String.raw`(?<query>[?&;]\s*(?:key|api_?key|apikey|token|access_?token|auth|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|code|secret|password)=)(?<queryValue>[^&\s"'<>#]+)`;
/** `Authorization: Bearer …` / `Basic …` / `AWS4-HMAC-SHA256 Credential=…, Signature=…`. */
const AUTH_SCHEME = String.raw`(?<scheme>\bbearer\s+|\bbasic\s+(?=[A-Za-z+/]*[0-9+/=]))(?<schemeValue>[A-Za-z0-9._~+/=-]{8,})`;
const SIGNATURE = String.raw`(?<sig>\b(?:Signature|Credential)=)(?<sigValue>[A-Za-z0-9/+=._-]{8,})`;
const OPENAI_LIKE = String.raw`\bsk-(?:ant-|sb-|proj-|live-|test-)?[A-Za-z0-9_-]{12,}`;
const AWS_KEY_ID = String.raw`\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b`;
const GOOGLE_KEY = String.raw`\bAIza[0-9A-Za-z_-]{30,}`;
const JWT = String.raw`\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}`;

const SHAPES = new RegExp(
  [NAMED_VALUE, QUERY_VALUE, AUTH_SCHEME, SIGNATURE, OPENAI_LIKE, AWS_KEY_ID, GOOGLE_KEY, JWT].join("|"),
  "gi",
);

function shapeReplacer(match: string, ...args: unknown[]): string {
  const groups = args[args.length - 1] as Record<string, string | undefined>;
  for (const prefix of ["named", "query", "scheme", "sig"]) {
    const head = groups[prefix];
    if (head !== undefined) {
      // Already scrubbed by the exact pass (or a redaction marker): leave it as it is.
      if (groups[`${prefix}Value`]?.startsWith("[redacted")) return match;
      return `${head}${REDACTED}`;
    }
  }
  return REDACTED;
}

/** The text names AWS or a secret: a 40-character base64 token in it is taken for an AWS secret access key. */
const AWS_CONTEXT = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|aws|amz|credential|secret/i;
/** A standalone 40-character base64 token: the shape of an AWS secret access key. */
const AWS_SECRET_VALUE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
