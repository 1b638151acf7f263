import type { GatewayError } from "../../core/errors/gateway-error.js";
import type { HeaderRecord } from "../shared/headers.js";
import { errorFromStatus } from "../shared/upstream-errors.js";

/** Voyage errors are `{"detail": "..."}` with no type: the status decides, the detail is the message. */
export function parseVoyageError(status: number, bodyText: string, headers: HeaderRecord): GatewayError {
  return errorFromStatus("voyage", "Voyage", status, bodyText, headers);
}
