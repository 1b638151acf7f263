import { createContextKey } from "@connectrpc/connect";
import type { Principal } from "../core/types/principal.js";

/** The authenticated caller, put into contextValues by the auth interceptor. */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "principal" });

/** The request id, also returned in the `x-request-id` response header. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });
