import { Code, ConnectError } from "@connectrpc/connect";
import { createSwitchboardWebClient, type SwitchboardWebClient } from "../../clients/typescript/src/web.js";
import { type GetCallerResponse, KeyRole } from "../../gen/switchboard/v1/keys_service_pb.js";

/** The signed-in session: the key lives in this tab's sessionStorage (never in a URL, never in localStorage). */
export interface Session {
  client: SwitchboardWebClient;
  caller: GetCallerResponse;
  isAdmin: boolean;
}

const STORAGE_KEY = "switchboard.console.key";

export function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage disabled: nothing was kept
  }
}

/**
 * Checks the key with KeysService.GetCaller and keeps it for this tab. The console is for admins and team
 * admins; the gateway enforces the same rule on every RPC, this only spares the others a useless page.
 */
export async function signIn(apiKey: string): Promise<Session> {
  const client = createSwitchboardWebClient({ baseUrl: window.location.origin, apiKey });
  const caller = await client.keys.getCaller({});
  if (caller.role !== KeyRole.ADMIN && caller.role !== KeyRole.TEAM_ADMIN) {
    throw new Error("This console needs an admin or team-admin key; this key may not manage keys.");
  }
  try {
    sessionStorage.setItem(STORAGE_KEY, apiKey);
  } catch {
    // storage disabled: the key stays in memory for this page only
  }
  return { client, caller, isAdmin: caller.role === KeyRole.ADMIN };
}

/** A readable message for an RPC failure (the gateway's message names the field). */
export function errorText(error: unknown): string {
  if (error instanceof ConnectError) {
    if (error.code === Code.Unauthenticated)
      return "The key was refused (unknown, expired, blocked or revoked).";
    if (error.code === Code.PermissionDenied) return `Not allowed: ${error.rawMessage}`;
    return error.rawMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
