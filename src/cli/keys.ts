import { create, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import {
  type Duration,
  DurationSchema,
  FieldMaskSchema,
  type Timestamp,
  timestampDate,
  timestampFromDate,
} from "@bufbuild/protobuf/wkt";
import { type Key, KeyRole, KeySchema, KeyState } from "../../gen/switchboard/v1/keys_service_pb.js";
import {
  choiceFlag,
  durationFlag,
  type FlagSpecs,
  integerFlag,
  jsonObjectFlag,
  listFlag,
  type ParsedArgs,
  positionals,
  stringFlag,
  timeFlag,
} from "./args.js";
import type { CommandSpec } from "./command.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./exit-codes.js";
import { clearPaths, describeLimits, LIMIT_FLAGS, LIMIT_PATHS, readLimits } from "./limit-flags.js";
import { machine, paint, record, stateStyle, table, time, usd } from "./output.js";

const ROLES = ["admin", "team-admin", "user", "viewer"] as const;
const ROLE_VALUES: Record<(typeof ROLES)[number], KeyRole> = {
  admin: KeyRole.ADMIN,
  "team-admin": KeyRole.TEAM_ADMIN,
  user: KeyRole.USER,
  viewer: KeyRole.VIEWER,
};
const STATES = ["active", "blocked", "revoked", "expired"] as const;
const STATE_VALUES: Record<(typeof STATES)[number], KeyState> = {
  active: KeyState.ACTIVE,
  blocked: KeyState.BLOCKED,
  revoked: KeyState.REVOKED,
  expired: KeyState.EXPIRED,
};

/** "TEAM_ADMIN" → "team-admin": the spelling the flags take ("" for UNSPECIFIED). */
export function enumWord(name: string | undefined): string {
  if (name === undefined || name === "UNSPECIFIED") return "";
  return name.toLowerCase().replace(/_/g, "-");
}

function role(key: Key): string {
  return enumWord(KeyRole[key.role]);
}
function state(key: Key): string {
  return enumWord(KeyState[key.state]);
}

/** A key as scripts see it: the proto JSON mapping. It has no secret field: only display_secret ("sk-…a1b2"). */
export function keyJson(key: Key): JsonValue {
  return toJson(KeySchema, key);
}

/** Every field of one key, for `keys get` and after a change. */
export function keyRecord(context: CommandContext, key: Key): string {
  const stateText = state(key);
  const styled = stateStyle(stateText);
  return record(context.output, [
    ["ID", key.keyId],
    ["Name", key.displayName],
    ["Secret", key.displaySecret],
    ["State", styled === undefined ? stateText : { text: stateText, style: styled }],
    ["Role", role(key)],
    ["Team", key.teamId],
    ["User", key.userId],
    ["Models", key.models.join(", ")],
    ["Limits", describeLimits(key.limits)],
    ["Spend", usd(key.spend)],
    ["Budget resets", when(key.budgetResetTime)],
    ["Expires", when(key.expireTime)],
    ["Old secret ends", when(key.previousSecretExpireTime)],
    ["Tags", key.tags.join(", ")],
    ["Metadata", key.metadata && Object.keys(key.metadata).length > 0 ? JSON.stringify(key.metadata) : ""],
    ["Created", `${when(key.createTime)}${key.createdBy ? ` by ${key.createdBy}` : ""}`],
    ["Updated", when(key.updateTime)],
    ["Etag", key.etag],
  ]);
}

/** A timestamp field as text, "" when unset. */
export function when(timestamp: Timestamp | undefined): string {
  return time(timestamp === undefined ? undefined : timestampDate(timestamp));
}

function keysTable(context: CommandContext, keys: readonly Key[]): string {
  return table(
    context.output,
    ["ID", "NAME", "ROLE", "STATE", "TEAM", "USER", "SECRET", "SPEND", "EXPIRES"],
    keys.map((key) => {
      const stateText = state(key);
      const style = stateStyle(stateText);
      return [
        key.keyId,
        key.displayName,
        role(key),
        style === undefined ? stateText : { text: stateText, style },
        key.teamId,
        key.userId,
        key.displaySecret,
        usd(key.spend),
        when(key.expireTime),
      ];
    }),
  );
}

/** Prints one key in the chosen format. */
function printKey(context: CommandContext, key: Key | undefined, heading?: string): void {
  if (key === undefined) throw new Error("The gateway answered without a key.");
  if (context.output.format !== "table") {
    context.output.write(machine(context.output.format, keyJson(key)));
    return;
  }
  if (heading !== undefined) context.output.write(`${heading}\n`);
  context.output.write(keyRecord(context, key));
}

/**
 * Prints a freshly minted secret: the one place a secret is ever printed. Table output puts it on its own
 * line after the key; JSON and YAML carry it as `secret` beside `key`.
 */
function printSecret(context: CommandContext, key: Key | undefined, secret: string, heading: string): void {
  if (key === undefined) throw new Error("The gateway answered without a key.");
  if (context.output.format !== "table") {
    context.output.write(machine(context.output.format, { key: keyJson(key), secret }));
    return;
  }
  context.output.write(`${heading}\n`);
  context.output.write(keyRecord(context, key));
  context.output.write(
    `\n${paint(context.output, "yellow", "Secret (shown once; store it now, it cannot be shown again):")}\n  ${secret}\n`,
  );
}

const KEY_FIELD_FLAGS: FlagSpecs = {
  name: { type: "string", value: "NAME", description: "display name" },
  user: { type: "string", value: "USER_ID", description: "owner (an email, an employee id)" },
  team: { type: "string", value: "TEAM_ID", description: "team the key belongs to" },
  role: { type: "string", value: ROLES.join("|"), description: "what the key may do (default user)" },
  models: {
    type: "string",
    multiple: true,
    value: "A,B",
    description: "models it may call (names, aliases, wildcards)",
  },
  ...LIMIT_FLAGS,
  expires: {
    type: "string",
    value: "TIME",
    description: "expiry, RFC 3339 (or a duration from now, e.g. 30d)",
  },
  tag: { type: "string", multiple: true, value: "TAG", description: "label for reporting" },
  metadata: { type: "string", value: "JSON", description: "free-form JSON object" },
};

const KEY_CLEARABLE: Readonly<Record<string, string>> = {
  name: "display_name",
  user: "user_id",
  team: "team_id",
  models: "models",
  ...LIMIT_PATHS,
  expires: "expire_time",
  tag: "tags",
  metadata: "metadata",
};

/** Reads the key field flags into a Key; returns the FieldMask paths of the flags given. */
function readKeyFields(args: ParsedArgs): { key: Key; paths: string[] } {
  const key = create(KeySchema);
  const paths: string[] = [];
  const name = stringFlag(args, "name");
  if (name !== undefined) {
    key.displayName = name;
    paths.push("display_name");
  }
  const user = stringFlag(args, "user");
  if (user !== undefined) {
    key.userId = user;
    paths.push("user_id");
  }
  const team = stringFlag(args, "team");
  if (team !== undefined) {
    key.teamId = team;
    paths.push("team_id");
  }
  const roleText = choiceFlag(args, "role", ROLES);
  if (roleText !== undefined) {
    key.role = ROLE_VALUES[roleText];
    paths.push("role");
  }
  const models = listFlag(args, "models");
  if (models !== undefined) {
    key.models = models;
    paths.push("models");
  }
  const { limits, paths: limitPaths } = readLimits(args);
  if (limitPaths.length > 0) {
    key.limits = limits;
    paths.push(...limitPaths);
  }
  const expires = timeFlag(args, "expires");
  if (expires !== undefined) {
    // A duration means "from now" here (timeFlag reads it as "ago"): mirror it forwards.
    const text = stringFlag(args, "expires") ?? "";
    const at = /^\d{4}-/.test(text) ? expires : new Date(2 * Date.now() - expires.getTime());
    key.expireTime = timestampFromDate(at);
    paths.push("expire_time");
  }
  const tags = listFlag(args, "tag");
  if (tags !== undefined) {
    key.tags = tags;
    paths.push("tags");
  }
  const metadata = jsonObjectFlag(args, "metadata");
  if (metadata !== undefined) {
    // Struct from plain JSON through the JSON mapping, so nested values keep their types.
    key.metadata = metadata as JsonObject;
    paths.push("metadata");
  }
  return { key, paths };
}

function durationOf(seconds: number | undefined): Duration | undefined {
  return seconds === undefined ? undefined : create(DurationSchema, { seconds: BigInt(seconds) });
}

async function listAll(context: CommandContext, args: ParsedArgs): Promise<Key[]> {
  const pageSize = integerFlag(args, "page-size", 1, 1000);
  const stateText = choiceFlag(args, "state", STATES);
  const request = {
    teamId: stringFlag(args, "team") ?? "",
    userId: stringFlag(args, "user") ?? "",
    state: stateText === undefined ? KeyState.UNSPECIFIED : STATE_VALUES[stateText],
    pageSize: pageSize ?? 100,
  };
  const keys: Key[] = [];
  let pageToken = stringFlag(args, "page-token") ?? "";
  for (;;) {
    const page = await context.client().keys.listKeys({ ...request, pageToken }, { signal: context.signal });
    keys.push(...page.keys);
    pageToken = page.nextPageToken;
    // With --page-size, one page and the token for the next; without, every page.
    if (pageSize !== undefined) {
      if (pageToken !== "") context.output.note(`next page: --page-token ${pageToken}`);
      return keys;
    }
    if (pageToken === "") return keys;
  }
}

const ETAG_FLAG: FlagSpecs = {
  etag: { type: "string", value: "ETAG", description: "fail if the key changed since this etag" },
};

export const KEYS_COMMANDS: readonly CommandSpec[] = [
  {
    noun: "keys",
    verb: "create",
    args: "",
    summary: "mint a virtual key; prints its secret once",
    flags: {
      ...KEY_FIELD_FLAGS,
      ttl: { type: "string", value: "DURATION", description: "lifetime from now (instead of --expires)" },
    },
    async run(context, args) {
      positionals(args, []);
      const { key } = readKeyFields(args);
      const ttl = durationOf(durationFlag(args, "ttl"));
      const response = await context
        .client()
        .keys.createKey({ key, ...(ttl !== undefined ? { ttl } : {}) }, { signal: context.signal });
      printSecret(context, response.key, response.secret, `Created key ${response.key?.keyId ?? ""}.`);
    },
  },
  {
    noun: "keys",
    verb: "list",
    args: "",
    summary: "list the keys you may see (secrets shown as prefix…last4)",
    flags: {
      team: { type: "string", value: "TEAM_ID", description: "only this team's keys" },
      user: { type: "string", value: "USER_ID", description: "only this user's keys" },
      state: { type: "string", value: STATES.join("|"), description: "only keys in this state" },
      "page-size": { type: "string", value: "N", description: "one page of N keys (default: every page)" },
      "page-token": { type: "string", value: "TOKEN", description: "continue from a previous page" },
    },
    async run(context, args) {
      positionals(args, []);
      const keys = await listAll(context, args);
      if (context.output.format !== "table") {
        context.output.write(machine(context.output.format, keys.map(keyJson)));
        return;
      }
      context.output.write(keysTable(context, keys));
    },
  },
  {
    noun: "keys",
    verb: "get",
    args: "KEY_ID",
    summary: "show one key (never its secret)",
    flags: {},
    async run(context, args) {
      const [keyId = ""] = positionals(args, ["key_id"]);
      const response = await context.client().keys.getKey({ keyId }, { signal: context.signal });
      printKey(context, response.key);
    },
  },
  {
    noun: "keys",
    verb: "update",
    args: "KEY_ID",
    summary: "change the fields given as flags (--clear resets fields)",
    flags: {
      ...KEY_FIELD_FLAGS,
      clear: {
        type: "string",
        multiple: true,
        value: "FLAG",
        description: `reset a field to unset/empty (${Object.keys(KEY_CLEARABLE).join(", ")})`,
      },
      ...ETAG_FLAG,
    },
    async run(context, args) {
      const [keyId = ""] = positionals(args, ["key_id"]);
      const { key, paths } = readKeyFields(args);
      paths.push(...clearPaths(listFlag(args, "clear") ?? [], KEY_CLEARABLE));
      if (paths.length === 0)
        throw new UsageError("Nothing to update: give at least one field flag or --clear.");
      key.keyId = keyId;
      key.etag = stringFlag(args, "etag") ?? "";
      const response = await context
        .client()
        .keys.updateKey({ key, updateMask: create(FieldMaskSchema, { paths }) }, { signal: context.signal });
      printKey(context, response.key, `Updated key ${keyId}.`);
    },
  },
  {
    noun: "keys",
    verb: "rotate",
    args: "KEY_ID",
    summary: "issue a new secret (printed once); the old one works for --grace",
    flags: {
      grace: {
        type: "string",
        value: "DURATION",
        description: "how long the old secret keeps working (default 0)",
      },
      ...ETAG_FLAG,
    },
    async run(context, args) {
      const [keyId = ""] = positionals(args, ["key_id"]);
      const gracePeriod = durationOf(durationFlag(args, "grace"));
      const response = await context.client().keys.rotateKey(
        {
          keyId,
          etag: stringFlag(args, "etag") ?? "",
          ...(gracePeriod !== undefined ? { gracePeriod } : {}),
        },
        { signal: context.signal },
      );
      printSecret(context, response.key, response.secret, `Rotated key ${keyId}.`);
    },
  },
  ...(["revoke", "block", "unblock"] as const).map(
    (verb): CommandSpec => ({
      noun: "keys",
      verb,
      args: "KEY_ID",
      summary: {
        revoke: "disable a key for good (every secret it has)",
        block: "disable a key until `keys unblock`",
        unblock: "re-enable a blocked key",
      }[verb],
      flags: ETAG_FLAG,
      async run(context, args) {
        const [keyId = ""] = positionals(args, ["key_id"]);
        const request = { keyId, etag: stringFlag(args, "etag") ?? "" };
        const keys = context.client().keys;
        const options = { signal: context.signal };
        const response =
          verb === "revoke"
            ? await keys.revokeKey(request, options)
            : verb === "block"
              ? await keys.blockKey(request, options)
              : await keys.unblockKey(request, options);
        printKey(
          context,
          response.key,
          `${verb === "revoke" ? "Revoked" : verb === "block" ? "Blocked" : "Unblocked"} key ${keyId}.`,
        );
      },
    }),
  ),
];
