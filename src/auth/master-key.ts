import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { displaySecret, hashSecret } from "./authenticator.js";

export interface MasterKey {
  hash: Buffer;
  display: string;
  /** Set only on the first start that generated it: print once, never again. */
  generated?: string;
}

const HASH_FILE = "master-key.sha256";

/**
 * The configured master key, or the one generated on the first start without one: only its SHA-256 is stored
 * under the data directory, and the key itself is returned once for printing.
 */
export async function resolveMasterKey(configured: string | undefined, dataDir: string): Promise<MasterKey> {
  // A configured key's strength is judged once, by the config (config/master-key-strength.ts), for check and start.
  if (configured !== undefined) {
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
