import { create } from "@bufbuild/protobuf";
import { type Limits, LimitsSchema } from "../../gen/switchboard/v1/keys_service_pb.js";
import {
  amountFlag,
  durationFlag,
  type FlagSpecs,
  integerFlag,
  type ParsedArgs,
  stringFlag,
} from "./args.js";
import { UsageError } from "./exit-codes.js";

/** Budget and rate-limit flags, shared by keys and teams; each maps to one FieldMask path. */
export const LIMIT_FLAGS: FlagSpecs = {
  "max-budget": { type: "string", value: "USD", description: "spend cap per budget period" },
  "budget-duration": { type: "string", value: "DURATION", description: "budget period (30s, 10m, 24h, 30d)" },
  "soft-budget": { type: "string", value: "USD", description: "spend at which alerts fire" },
  rpm: { type: "string", value: "N", description: "requests per minute" },
  tpm: { type: "string", value: "N", description: "tokens per minute" },
  "max-parallel": { type: "string", value: "N", description: "requests in flight at once" },
};

/** Flag name → FieldMask path, for the flags above and for `--clear`. */
export const LIMIT_PATHS: Readonly<Record<string, string>> = {
  "max-budget": "limits.max_budget",
  "budget-duration": "limits.budget_duration",
  "soft-budget": "limits.soft_budget",
  rpm: "limits.rpm_limit",
  tpm: "limits.tpm_limit",
  "max-parallel": "limits.max_parallel_requests",
};

/** Reads the limit flags into a Limits message; returns it with the mask paths of the flags given. */
export function readLimits(args: ParsedArgs): { limits: Limits; paths: string[] } {
  const limits = create(LimitsSchema);
  const paths: string[] = [];
  const set = (flag: string, apply: () => void) => {
    if (args.values[flag] === undefined) return;
    apply();
    paths.push(LIMIT_PATHS[flag] ?? flag);
  };
  set("max-budget", () => {
    limits.maxBudget = amountFlag(args, "max-budget");
  });
  set("soft-budget", () => {
    limits.softBudget = amountFlag(args, "soft-budget");
  });
  set("budget-duration", () => {
    durationFlag(args, "budget-duration");
    limits.budgetDuration = stringFlag(args, "budget-duration") ?? "";
  });
  set("rpm", () => {
    limits.rpmLimit = bigint(integerFlag(args, "rpm"));
  });
  set("tpm", () => {
    limits.tpmLimit = bigint(integerFlag(args, "tpm"));
  });
  set("max-parallel", () => {
    limits.maxParallelRequests = bigint(integerFlag(args, "max-parallel"));
  });
  return { limits, paths };
}

function bigint(value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(value);
}

/** `--clear a,b`: the mask paths of fields to reset, each checked against the allowed flag names. */
export function clearPaths(names: readonly string[], allowed: Readonly<Record<string, string>>): string[] {
  return names.map((name) => {
    const path = allowed[name];
    if (path === undefined)
      throw new UsageError(`--clear takes ${Object.keys(allowed).join(", ")}; got '${name}'.`);
    return path;
  });
}

/** Limits as table text: "budget $10/30d · 60 rpm · 1000 tpm · 2 parallel". */
export function describeLimits(limits: Limits | undefined): string {
  if (limits === undefined) return "";
  const parts: string[] = [];
  if (limits.maxBudget !== undefined)
    parts.push(`budget $${limits.maxBudget}${limits.budgetDuration ? `/${limits.budgetDuration}` : ""}`);
  if (limits.softBudget !== undefined) parts.push(`soft $${limits.softBudget}`);
  if (limits.rpmLimit !== undefined) parts.push(`${limits.rpmLimit} rpm`);
  if (limits.tpmLimit !== undefined) parts.push(`${limits.tpmLimit} tpm`);
  if (limits.maxParallelRequests !== undefined) parts.push(`${limits.maxParallelRequests} parallel`);
  for (const model of limits.modelLimits) {
    const caps = [
      model.maxBudget !== undefined ? `$${model.maxBudget}` : "",
      model.rpmLimit !== undefined ? `${model.rpmLimit} rpm` : "",
      model.tpmLimit !== undefined ? `${model.tpmLimit} tpm` : "",
    ].filter((part) => part !== "");
    parts.push(`${model.model}: ${caps.join(", ")}`);
  }
  return parts.join(" · ");
}
