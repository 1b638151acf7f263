import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { displaySecret, hashSecret } from "./authenticator.js";

/** Shortest master key we accept: a short key is a guessable key (GUARDS 4). */
export const MIN_MASTER_KEY_LENGTH = 24;

export interface MasterKey {
  hash: Buffer;
  display: string;
  /** Set only on the first start that generated it: print once, never again. */
  generated?: string;
}

export class WeakMasterKeyError extends Error {
  constructor() {
    super(
      `The master key is too weak: use at least ${MIN_MASTER_KEY_LENGTH} characters with no obvious pattern (e.g. 'sk-' + 32 random hex digits).`,
    );
  }
}

/** Refuses keys that are short, or made of very few distinct characters. */
export function assertStrongMasterKey(key: string): void {
  if (key.length < MIN_MASTER_KEY_LENGTH || new Set(key).size < 8) throw new WeakMasterKeyError();
}

const HASH_FILE = "master-key.sha256";

/**
 * The configured master key, or the one generated on the first start without one: only its SHA-256 is stored
 * under the data directory, and the key itself is returned once for printing.
 */
export async function resolveMasterKey(configured: string | undefined, dataDir: string): Promise<MasterKey> {
  if (configured !== undefined) {
    assertStrongMasterKey(configured);
    return { hash: hashSecret(configured), display: displaySecret(configured) };
  }
  const path = join(dataDir, HASH_FILE);
  try {
    const stored = (await readFile(path, "utf8")).trim();
    if (/^[0-9a-f]{64}$/.test(stored))
      return { hash: Buffer.from(stored, "hex"), display: "sk-sb-master-…(generated)" };
  } catch {
    // No stored hash yet: generate below.
  }
  const key = `sk-sb-master-${randomBytes(24).toString("base64url")}`;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(path, `${hashSecret(key).toString("hex")}\n`, { mode: 0o600 });
  return { hash: hashSecret(key), display: displaySecret(key), generated: key };
}
