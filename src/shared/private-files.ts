import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";

/**
 * Local state (the SQLite ledger and keys, the usage journal, the master-key hash) is readable by the gateway's
 * own user only: the data directory is 0700 and its files 0600 (GUARDS 5). Directories and files that already
 * exist with wider modes — earlier versions created 0755 / 0644 — are narrowed on the next start.
 */
export function ensurePrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** Creates the file empty (0600) if it does not exist yet, so it is never readable by others, not even briefly. */
export function createPrivateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
}

/** Narrows files that exist to 0600 (e.g. SQLite's -wal / -shm / -journal companions); missing ones are skipped. */
export function restrictFiles(paths: readonly string[]): void {
  for (const path of paths) {
    try {
      chmodSync(path, 0o600);
    } catch {
      // Not there (yet): SQLite creates its companions with the main file's mode.
    }
  }
}
