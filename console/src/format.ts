import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import { KeyRole, KeyState, TeamRole } from "../../gen/switchboard/v1/keys_service_pb.js";

export function usd(value: number | undefined): string {
  if (value === undefined) return "—";
  return value < 0.01 && value > 0 ? `$${value.toFixed(6)}` : `$${value.toFixed(2)}`;
}

export function when(timestamp: Timestamp | undefined): string {
  if (timestamp === undefined) return "—";
  return timestampDate(timestamp).toISOString().replace("T", " ").slice(0, 19);
}

export const ROLE_NAMES: Record<KeyRole, string> = {
  [KeyRole.UNSPECIFIED]: "—",
  [KeyRole.ADMIN]: "admin",
  [KeyRole.TEAM_ADMIN]: "team admin",
  [KeyRole.USER]: "user",
  [KeyRole.VIEWER]: "viewer",
};

export const STATE_NAMES: Record<KeyState, string> = {
  [KeyState.UNSPECIFIED]: "—",
  [KeyState.ACTIVE]: "active",
  [KeyState.BLOCKED]: "blocked",
  [KeyState.REVOKED]: "revoked",
  [KeyState.EXPIRED]: "expired",
};

export const TEAM_ROLE_NAMES: Record<TeamRole, string> = {
  [TeamRole.UNSPECIFIED]: "—",
  [TeamRole.ADMIN]: "admin",
  [TeamRole.MEMBER]: "member",
};

/** "30d", "12h", "90m", "45s" → seconds; undefined when the text is not one of those. */
export function durationSeconds(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

/** Optional number field of a form: "" → undefined; anything else must be a finite number ≥ 0. */
export function optionalNumber(text: string, field: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${field} must be a number ≥ 0.`);
  return value;
}

export function list(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
