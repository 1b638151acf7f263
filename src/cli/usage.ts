import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  UsageGroupBy,
  type UsageRecord,
  UsageRecordSchema,
  UsageSummarySchema,
} from "../../gen/switchboard/v1/usage_service_pb.js";
import {
  choiceFlag,
  type FlagSpecs,
  integerFlag,
  type ParsedArgs,
  positionals,
  stringFlag,
  timeFlag,
} from "./args.js";
import type { CommandSpec } from "./command.js";
import { when } from "./keys.js";
import { type Cell, machine, machineLine, type Output, paint, table, usd } from "./output.js";

const GROUPS = ["key", "team", "model", "provider", "day", "user", "deployment"] as const;
const GROUP_VALUES: Record<(typeof GROUPS)[number], UsageGroupBy> = {
  key: UsageGroupBy.KEY,
  team: UsageGroupBy.TEAM,
  model: UsageGroupBy.MODEL,
  provider: UsageGroupBy.PROVIDER,
  day: UsageGroupBy.DAY,
  user: UsageGroupBy.USER,
  deployment: UsageGroupBy.DEPLOYMENT,
};

const FILTER_FLAGS: FlagSpecs = {
  "key-id": { type: "string", value: "KEY_ID", description: "only this key's usage" },
  team: { type: "string", value: "TEAM_ID", description: "only this team's usage" },
  user: { type: "string", value: "USER_ID", description: "only this user's usage" },
  model: { type: "string", value: "MODEL", description: "only this model group" },
  provider: { type: "string", value: "PROVIDER", description: "only this provider" },
};

function filterOf(args: ParsedArgs, withTimes: boolean) {
  const since = withTimes ? timeFlag(args, "since") : undefined;
  const until = withTimes ? timeFlag(args, "until") : undefined;
  return {
    keyId: stringFlag(args, "key-id") ?? "",
    teamId: stringFlag(args, "team") ?? "",
    userId: stringFlag(args, "user") ?? "",
    model: stringFlag(args, "model") ?? "",
    provider: stringFlag(args, "provider") ?? "",
    ...(since !== undefined ? { startTime: timestampFromDate(since) } : {}),
    ...(until !== undefined ? { endTime: timestampFromDate(until) } : {}),
  };
}

const TAIL_HEADERS = ["TIME", "KEY", "TEAM", "MODEL", "PROVIDER", "STATUS", "TOKENS", "COST", "LATENCY"];
/** Streamed rows cannot be aligned against rows not seen yet: fixed widths (longer cells push the line). */
const TAIL_WIDTHS = [20, 24, 14, 20, 10, 12, 8, 12, 8];

function fixed(output: Pick<Output, "color">, cells: readonly Cell[]): string {
  return cells
    .map((cell, index) => {
      const text = typeof cell === "string" ? cell : cell.text;
      const padded = index === cells.length - 1 ? text : text.padEnd(TAIL_WIDTHS[index] ?? 0);
      return typeof cell === "string" || cell.style === undefined
        ? padded
        : paint(output, cell.style, padded);
    })
    .join(" ")
    .trimEnd();
}

function tailRow(record: UsageRecord): Cell[] {
  return [
    when(record.endTime ?? record.startTime),
    record.keyId,
    record.teamId,
    record.modelGroup,
    record.provider,
    record.status === "ok" ? { text: "ok", style: "green" } : { text: record.status, style: "red" },
    `${record.totalTokens}${record.usageEstimated ? "~" : ""}`,
    record.costUsd === undefined ? "unpriced" : usd(record.costUsd),
    `${Math.round(record.latencyMs)}ms`,
  ];
}

export const USAGE_COMMANDS: readonly CommandSpec[] = [
  {
    noun: "usage",
    verb: "summary",
    args: "",
    summary:
      "spend, tokens, requests and errors grouped by key, team, model, provider, day, user or deployment",
    flags: {
      by: { type: "string", value: GROUPS.join("|"), description: "grouping (default key)" },
      since: {
        type: "string",
        value: "TIME",
        description: "from this time (RFC 3339) or this long ago (24h, 7d)",
      },
      until: { type: "string", value: "TIME", description: "before this time (RFC 3339) or this long ago" },
      ...FILTER_FLAGS,
    },
    async run(context, args) {
      positionals(args, []);
      const by = choiceFlag(args, "by", GROUPS) ?? "key";
      const response = await context
        .client()
        .usage.summarizeUsage(
          { filter: filterOf(args, true), groupBy: GROUP_VALUES[by] },
          { signal: context.signal },
        );
      if (context.output.format !== "table") {
        context.output.write(
          machine(
            context.output.format,
            response.summaries.map((summary) =>
              toJson(UsageSummarySchema, summary, { alwaysEmitImplicit: true }),
            ),
          ),
        );
        return;
      }
      const total = {
        spend: 0,
        requests: 0n,
        errors: 0n,
        prompt: 0n,
        completion: 0n,
        tokens: 0n,
        unpriced: 0n,
      };
      const rows: Cell[][] = response.summaries.map((summary) => {
        total.spend += summary.spendUsd;
        total.requests += summary.requests;
        total.errors += summary.errors;
        total.prompt += summary.promptTokens;
        total.completion += summary.completionTokens;
        total.tokens += summary.totalTokens;
        total.unpriced += summary.unpricedRecords;
        return [
          summary.group || "(none)",
          usd(summary.spendUsd),
          String(summary.requests),
          summary.errors > 0n ? { text: String(summary.errors), style: "red" } : "0",
          String(summary.promptTokens),
          String(summary.completionTokens),
          String(summary.totalTokens),
          String(summary.unpricedRecords),
        ];
      });
      if (rows.length > 1)
        rows.push([
          { text: "TOTAL", style: "bold" },
          usd(total.spend),
          String(total.requests),
          String(total.errors),
          String(total.prompt),
          String(total.completion),
          String(total.tokens),
          String(total.unpriced),
        ]);
      context.output.write(
        table(
          context.output,
          [by.toUpperCase(), "SPEND", "REQUESTS", "ERRORS", "PROMPT", "COMPLETION", "TOKENS", "UNPRICED"],
          rows,
        ),
      );
    },
  },
  {
    noun: "usage",
    verb: "tail",
    args: "",
    summary: "follow usage records live as requests finish (Ctrl-C to stop)",
    flags: {
      ...FILTER_FLAGS,
      count: { type: "string", value: "N", description: "stop after N records" },
    },
    async run(context, args) {
      positionals(args, []);
      const count = integerFlag(args, "count", 1);
      const output = context.output;
      let seen = 0;
      let headerShown = false;
      try {
        const stream = context
          .client()
          .usage.watchUsage({ filter: filterOf(args, false) }, { signal: context.signal });
        for await (const response of stream) {
          if (response.record === undefined) {
            // The first message confirms the subscription: every record from now on reaches us.
            output.note("Watching usage (Ctrl-C to stop).");
            continue;
          }
          const record = response.record;
          if (output.format !== "table") {
            output.write(machineLine(output.format, toJson(UsageRecordSchema, record) as JsonValue));
          } else {
            if (!headerShown)
              output.write(
                `${fixed(
                  output,
                  TAIL_HEADERS.map((text) => ({ text, style: "bold" as const })),
                )}\n`,
              );
            output.write(`${fixed(output, tailRow(record))}\n`);
          }
          headerShown = true;
          seen += 1;
          if (count !== undefined && seen >= count) return;
        }
      } catch (error) {
        // Ctrl-C aborts the stream: that is how `tail` is meant to end.
        if (context.signal.aborted && error instanceof ConnectError && error.code === Code.Canceled) return;
        throw error;
      }
    },
  },
];
