import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import type { ResponseStore, StoredResponse } from "./response-store.js";

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * The response store over the gateway's database (SQLite by default, PostgreSQL for replicas), through Kysely:
 * every value is a bound parameter. The key scope is part of every WHERE clause, not a check after the read.
 */
export class SqlResponseStore implements ResponseStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(record: StoredResponse): Promise<void> {
    await this.db
      .insertInto("sb_responses")
      .values({
        response_id: record.id,
        key_id: record.keyId,
        created_at: iso(record.createdAt),
        expires_at: iso(record.expiresAt),
        response: JSON.stringify(record.response),
        input_items: JSON.stringify(record.inputItems),
        history: JSON.stringify(record.history),
      })
      .execute();
  }

  async get(id: string, keyId: string, now: number): Promise<StoredResponse | undefined> {
    const row = await this.db
      .selectFrom("sb_responses")
      .selectAll()
      .where("response_id", "=", id)
      .where("key_id", "=", keyId)
      .where("expires_at", ">", iso(now))
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      id: row.response_id,
      keyId: row.key_id,
      createdAt: Date.parse(row.created_at),
      expiresAt: Date.parse(row.expires_at),
      response: parseJson<Record<string, unknown>>(row.response, {}),
      inputItems: parseJson<unknown[]>(row.input_items, []),
      history: parseJson<unknown[]>(row.history, []),
    };
  }

  async delete(id: string, keyId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("sb_responses")
      .where("response_id", "=", id)
      .where("key_id", "=", keyId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom("sb_responses")
      .where("expires_at", "<=", iso(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
