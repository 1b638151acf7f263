import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

/**
 * Whether the shared test Redis answers. Tests that need it skip with this message when it does not, except
 * under CI=true, where a missing Redis is a failure (CI makes sure it runs).
 */
export async function redisSkipReason(): Promise<string | undefined> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    if (process.env["CI"] === "true")
      throw new Error(`Redis at ${REDIS_URL} is required in CI: ${String(error)}`);
    return `Redis at ${REDIS_URL} is not reachable; skipping (set CI=true to fail instead)`;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test run shares. */
export function uniquePrefix(name: string): string {
  return `switchboard-test:${name}:${Date.now().toString(36)}-${randomBytes(4).toString("hex")}:`;
}

/** Deletes every key under a prefix (test cleanup; keys also expire on their own). */
export async function deletePrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 0, lazyConnect: true });
  client.on("error", () => undefined);
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  } catch {
    // Best effort.
  } finally {
    client.disconnect();
  }
}
