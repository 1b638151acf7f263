import { create, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import { DurationSchema, FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { type Team, TeamRole, TeamSchema } from "../../gen/switchboard/v1/keys_service_pb.js";
import {
  durationFlag,
  type FlagSpecs,
  integerFlag,
  jsonObjectFlag,
  listFlag,
  type ParsedArgs,
  positionals,
  stringFlag,
} from "./args.js";
import type { CommandSpec } from "./command.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./exit-codes.js";
import { enumWord, when } from "./keys.js";
import { clearPaths, describeLimits, LIMIT_FLAGS, LIMIT_PATHS, readLimits } from "./limit-flags.js";
import { machine, record, table, usd } from "./output.js";

export function teamJson(team: Team): JsonValue {
  return toJson(TeamSchema, team);
}

function members(team: Team): string {
  return team.members.map((member) => `${member.userId} (${enumWord(TeamRole[member.role])})`).join(", ");
}

export function printTeam(context: CommandContext, team: Team | undefined, heading?: string): void {
  if (team === undefined) throw new Error("The gateway answered without a team.");
  if (context.output.format !== "table") {
    context.output.write(machine(context.output.format, teamJson(team)));
    return;
  }
  if (heading !== undefined) context.output.write(`${heading}\n`);
  context.output.write(
    record(context.output, [
      ["ID", team.teamId],
      ["Name", team.displayName],
      ["Models", team.models.join(", ")],
      ["Limits", describeLimits(team.limits)],
      ["Max key life", team.maxKeyDuration ? `${team.maxKeyDuration.seconds}s` : ""],
      ["Members", members(team)],
      ["Spend", usd(team.spend)],
      ["Tags", team.tags.join(", ")],
      [
        "Metadata",
        team.metadata && Object.keys(team.metadata).length > 0 ? JSON.stringify(team.metadata) : "",
      ],
      ["Created", when(team.createTime)],
      ["Updated", when(team.updateTime)],
      ["Etag", team.etag],
    ]),
  );
}

const TEAM_FIELD_FLAGS: FlagSpecs = {
  name: { type: "string", value: "NAME", description: "display name" },
  models: { type: "string", multiple: true, value: "A,B", description: "models the team's keys may call" },
  ...LIMIT_FLAGS,
  "max-key-duration": { type: "string", value: "DURATION", description: "longest lifetime of a team key" },
  tag: { type: "string", multiple: true, value: "TAG", description: "label for reporting" },
  metadata: { type: "string", value: "JSON", description: "free-form JSON object" },
};

const TEAM_CLEARABLE: Readonly<Record<string, string>> = {
  name: "display_name",
  models: "models",
  ...LIMIT_PATHS,
  "max-key-duration": "max_key_duration",
  tag: "tags",
  metadata: "metadata",
};

function readTeamFields(args: ParsedArgs): { team: Team; paths: string[] } {
  const team = create(TeamSchema);
  const paths: string[] = [];
  const name = stringFlag(args, "name");
  if (name !== undefined) {
    team.displayName = name;
    paths.push("display_name");
  }
  const models = listFlag(args, "models");
  if (models !== undefined) {
    team.models = models;
    paths.push("models");
  }
  const { limits, paths: limitPaths } = readLimits(args);
  if (limitPaths.length > 0) {
    team.limits = limits;
    paths.push(...limitPaths);
  }
  const maxKeyDuration = durationFlag(args, "max-key-duration");
  if (maxKeyDuration !== undefined) {
    team.maxKeyDuration = create(DurationSchema, { seconds: BigInt(maxKeyDuration) });
    paths.push("max_key_duration");
  }
  const tags = listFlag(args, "tag");
  if (tags !== undefined) {
    team.tags = tags;
    paths.push("tags");
  }
  const metadata = jsonObjectFlag(args, "metadata");
  if (metadata !== undefined) {
    team.metadata = metadata as JsonObject;
    paths.push("metadata");
  }
  return { team, paths };
}

export const TEAMS_COMMANDS: readonly CommandSpec[] = [
  {
    noun: "teams",
    verb: "create",
    args: "",
    summary: "create a team (admins only)",
    flags: {
      id: {
        type: "string",
        value: "TEAM_ID",
        description: "choose the id ([a-z0-9_-], 1..64); default generated",
      },
      ...TEAM_FIELD_FLAGS,
    },
    async run(context, args) {
      positionals(args, []);
      const { team } = readTeamFields(args);
      team.teamId = stringFlag(args, "id") ?? "";
      const response = await context.client().keys.createTeam({ team }, { signal: context.signal });
      printTeam(context, response.team, `Created team ${response.team?.teamId ?? ""}.`);
    },
  },
  {
    noun: "teams",
    verb: "list",
    args: "",
    summary: "list the teams you may see",
    flags: {
      "page-size": { type: "string", value: "N", description: "one page of N teams (default: every page)" },
      "page-token": { type: "string", value: "TOKEN", description: "continue from a previous page" },
    },
    async run(context, args) {
      positionals(args, []);
      const pageSize = integerFlag(args, "page-size", 1, 1000);
      const teams: Team[] = [];
      let pageToken = stringFlag(args, "page-token") ?? "";
      for (;;) {
        const page = await context
          .client()
          .keys.listTeams({ pageSize: pageSize ?? 100, pageToken }, { signal: context.signal });
        teams.push(...page.teams);
        pageToken = page.nextPageToken;
        if (pageSize !== undefined && pageToken !== "")
          context.output.note(`next page: --page-token ${pageToken}`);
        if (pageSize !== undefined || pageToken === "") break;
      }
      if (context.output.format !== "table") {
        context.output.write(machine(context.output.format, teams.map(teamJson)));
        return;
      }
      context.output.write(
        table(
          context.output,
          ["ID", "NAME", "MODELS", "LIMITS", "MEMBERS", "SPEND"],
          teams.map((team) => [
            team.teamId,
            team.displayName,
            team.models.join(",") || "*",
            describeLimits(team.limits),
            String(team.members.length),
            usd(team.spend),
          ]),
        ),
      );
    },
  },
  {
    noun: "teams",
    verb: "get",
    args: "TEAM_ID",
    summary: "show one team with its members",
    flags: {},
    async run(context, args) {
      const [teamId = ""] = positionals(args, ["team_id"]);
      const response = await context.client().keys.getTeam({ teamId }, { signal: context.signal });
      printTeam(context, response.team);
    },
  },
  {
    noun: "teams",
    verb: "update",
    args: "TEAM_ID",
    summary: "change the fields given as flags (limits and models: admins only)",
    flags: {
      ...TEAM_FIELD_FLAGS,
      clear: {
        type: "string",
        multiple: true,
        value: "FLAG",
        description: `reset a field to unset/empty (${Object.keys(TEAM_CLEARABLE).join(", ")})`,
      },
      etag: { type: "string", value: "ETAG", description: "fail if the team changed since this etag" },
    },
    async run(context, args) {
      const [teamId = ""] = positionals(args, ["team_id"]);
      const { team, paths } = readTeamFields(args);
      paths.push(...clearPaths(listFlag(args, "clear") ?? [], TEAM_CLEARABLE));
      if (paths.length === 0)
        throw new UsageError("Nothing to update: give at least one field flag or --clear.");
      team.teamId = teamId;
      team.etag = stringFlag(args, "etag") ?? "";
      const response = await context
        .client()
        .keys.updateTeam(
          { team, updateMask: create(FieldMaskSchema, { paths }) },
          { signal: context.signal },
        );
      printTeam(context, response.team, `Updated team ${teamId}.`);
    },
  },
  {
    noun: "teams",
    verb: "delete",
    args: "TEAM_ID",
    summary: "delete a team and revoke every key in it (admins only)",
    flags: {
      etag: { type: "string", value: "ETAG", description: "fail if the team changed since this etag" },
    },
    async run(context, args) {
      const [teamId = ""] = positionals(args, ["team_id"]);
      await context
        .client()
        .keys.deleteTeam({ teamId, etag: stringFlag(args, "etag") ?? "" }, { signal: context.signal });
      if (context.output.format !== "table")
        context.output.write(machine(context.output.format, { teamId, deleted: true }));
      else context.output.write(`Deleted team ${teamId}; its keys are revoked.\n`);
    },
  },
];
