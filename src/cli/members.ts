import { TeamRole } from "../../gen/switchboard/v1/keys_service_pb.js";
import { choiceFlag, positionals } from "./args.js";
import type { CommandSpec } from "./command.js";
import { printTeam } from "./teams.js";

const ROLES = ["admin", "member"] as const;

export const MEMBERS_COMMANDS: readonly CommandSpec[] = [
  {
    noun: "members",
    verb: "add",
    args: "TEAM_ID USER_ID",
    summary: "add a user to a team, or change their role",
    flags: {
      role: { type: "string", value: ROLES.join("|"), description: "role in the team (default member)" },
    },
    async run(context, args) {
      const [teamId = "", userId = ""] = positionals(args, ["team_id", "user_id"]);
      const role = choiceFlag(args, "role", ROLES);
      const response = await context.client().keys.addTeamMember(
        {
          teamId,
          member: {
            userId,
            role:
              role === "admin" ? TeamRole.ADMIN : role === "member" ? TeamRole.MEMBER : TeamRole.UNSPECIFIED,
          },
        },
        { signal: context.signal },
      );
      printTeam(context, response.team, `Added ${userId} to team ${teamId}.`);
    },
  },
  {
    noun: "members",
    verb: "remove",
    args: "TEAM_ID USER_ID",
    summary: "remove a user from a team",
    flags: {},
    async run(context, args) {
      const [teamId = "", userId = ""] = positionals(args, ["team_id", "user_id"]);
      const response = await context
        .client()
        .keys.removeTeamMember({ teamId, userId }, { signal: context.signal });
      printTeam(context, response.team, `Removed ${userId} from team ${teamId}.`);
    },
  },
];
