/**
 * Conversation state for the OpenAI Responses surface (`store`, `previous_response_id`): the gateway keeps it
 * itself, whatever provider served the turn, so a conversation can continue on any deployment. Every record
 * belongs to the key that created it; reads and deletes by any other key find nothing (a 404 to the caller, the
 * same answer as for an id that never existed). Records expire after the retention period.
 */
export interface StoredResponse {
  /** `resp_…`. */
  id: string;
  /** The virtual key (or "master") that created it: the only one that may read, continue or delete it. */
  keyId: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; the record is gone for every reader from then on, and purged later. */
  expiresAt: number;
  /** The response object as returned to the caller (Responses wire JSON). */
  response: Record<string, unknown>;
  /** This request's own input items (Responses wire JSON), for `GET …/input_items`. */
  inputItems: unknown[];
  /** The conversation before this request's input (earlier turns' input and output items), oldest first. */
  history: unknown[];
}

export interface ResponseStore {
  put(record: StoredResponse): Promise<void>;
  /** The record, when it exists, belongs to `keyId` and has not expired at `now`. */
  get(id: string, keyId: string, now: number): Promise<StoredResponse | undefined>;
  /** True when a record of `keyId` was deleted. */
  delete(id: string, keyId: string): Promise<boolean>;
  /** Deletes every record expired at `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

/** The documented default retention (docs/responses-api.md). */
export const DEFAULT_RESPONSE_RETENTION_DAYS = 30;
