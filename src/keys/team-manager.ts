import { createHash } from "node:crypto";
import { GatewayError, invalidRequest } from "../core/errors/gateway-error.js";
import type { Principal } from "../core/types/principal.js";
import type { InvalidationBus } from "./invalidation-bus.js";
import { type TeamFieldPath, WRITABLE_TEAM_FIELDS } from "./key-fields.js";
import { newId } from "./key-secret.js";
import type { KeyStore, TeamChanges } from "./key-store.js";
import { emptyLimits, type Limits, type Team, type TeamMemberRole } from "./key-types.js";
import { checkId, checkLimits, checkMetadata, checkModels, checkTags, checkText } from "./key-validation.js";
import {
  applyLimitPath,
  assertGuardrailsKept,
  checkEtag,
  denied,
  notFound,
  publishSafely,
  requireAdmin,
  requireManager,
  staleEtag,
} from "./manager-rules.js";
import { decodePageToken, encodePageToken, pageSize, queryFingerprint } from "./page-token.js";

export interface TeamDraft {
  teamId?: string | undefined;
  displayName?: string | undefined;
  models?: string[] | undefined;
  limits?: Limits | undefined;
  maxKeyDurationSeconds?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
}

export interface TeamView {
  team: Team;
  etag: string;
}

export interface TeamPage {
  teams: TeamView[];
  nextPageToken: string;
}

export interface TeamManagerOptions {
  store: KeyStore;
  bus: InvalidationBus;
  now?: () => Date;
  onPublishError?: (error: unknown) => void;
}

/**
 * The teams domain, transport-neutral: both edges call it with the authenticated principal. Admins see and
 * change every team; a team admin reads its own team and manages its members (never makes an admin); deleting a
 * team (admins only) revokes its keys and tells every replica.
 */
export class TeamManager {
  private readonly store: KeyStore;
  private readonly bus: InvalidationBus;
  private readonly now: () => Date;
  private readonly onPublishError: (error: unknown) => void;

  constructor(options: TeamManagerOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.now = options.now ?? (() => new Date());
    this.onPublishError = options.onPublishError ?? (() => {});
  }

  async createTeam(principal: Principal, draft: TeamDraft): Promise<TeamView> {
    const now = this.now();
    requireAdmin(principal);
    validateTeamDraft(draft);
    const team: Team = {
      teamId: draft.teamId ?? newId("team"),
      displayName: draft.displayName ?? "",
      models: draft.models ?? [],
      limits: draft.limits ?? emptyLimits(),
      maxKeyDurationSeconds: draft.maxKeyDurationSeconds,
      metadata: draft.metadata ?? {},
      tags: draft.tags ?? [],
      members: [],
      spend: 0,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (!(await this.store.insertTeam(team))) {
      throw new GatewayError("conflict", `A team with team_id '${team.teamId}' already exists.`, {
        param: "team_id",
        reason: "already_exists",
      });
    }
    return teamView(team);
  }

  async getTeam(principal: Principal, teamId: string): Promise<TeamView> {
    return teamView(await this.visibleTeam(principal, teamId));
  }

  async listTeams(
    principal: Principal,
    page: { pageSize?: number | undefined; pageToken?: string | undefined },
  ): Promise<TeamPage> {
    let scope: string[] | undefined;
    if (principal.role === "team_admin") scope = principal.teamId === undefined ? [] : [principal.teamId];
    else if (principal.role !== "admin") throw denied(undefined, "This key may not list teams.");
    const size = pageSize(page.pageSize);
    const fingerprint = queryFingerprint(["teams", principal.keyId, scope ?? null]);
    const cursor = decodePageToken(page.pageToken ?? "", fingerprint);
    const teams = await this.store.listTeams(scope, cursor, size + 1);
    const more = teams.length > size;
    const pageTeams = more ? teams.slice(0, size) : teams;
    const last = pageTeams[pageTeams.length - 1];
    return {
      teams: pageTeams.map(teamView),
      nextPageToken:
        more && last !== undefined
          ? encodePageToken(fingerprint, { createdAt: last.createdAt.toISOString(), id: last.teamId })
          : "",
    };
  }

  async updateTeam(
    principal: Principal,
    teamId: string,
    paths: ReadonlySet<TeamFieldPath>,
    draft: TeamDraft,
    etag: string | undefined,
  ): Promise<TeamView> {
    const now = this.now();
    if (paths.size === 0) throw invalidRequest("update_mask names no field to change.", "update_mask");
    const writable = WRITABLE_TEAM_FIELDS[principal.role];
    for (const path of paths) {
      if (!writable.has(path)) throw denied(path, `This key may not change the team's ${path}.`);
    }
    const team = await this.visibleTeam(principal, teamId);
    checkEtag(etag, teamEtag(team));
    validateTeamDraft({ ...draft, teamId: undefined });
    const changes = applyTeamPaths(team, paths, draft);
    assertGuardrailsKept(principal, team.metadata, changes.metadata);
    const updated = await this.store.updateTeam(teamId, team.version, changes, now);
    if (updated === undefined) throw staleEtag();
    await this.publish({ kind: "team", teamId });
    return teamView(updated);
  }

  async deleteTeam(principal: Principal, teamId: string, etag: string | undefined): Promise<void> {
    requireAdmin(principal);
    const team = await this.visibleTeam(principal, teamId);
    checkEtag(etag, teamEtag(team));
    const revoked = await this.store.deleteTeam(teamId, team.version, this.now());
    if (revoked === undefined) throw staleEtag();
    await this.publish({ kind: "team", teamId });
    for (const keyId of revoked) await this.publish({ kind: "key", keyId });
  }

  async addTeamMember(
    principal: Principal,
    teamId: string,
    userId: string,
    role: TeamMemberRole,
  ): Promise<TeamView> {
    checkId(userId, "member.user_id");
    if (principal.role === "team_admin" && role === "admin") {
      throw denied("member.role", "A team admin may add members only.");
    }
    await this.managedTeam(principal, teamId);
    await this.store.upsertTeamMember(teamId, userId, role, this.now());
    return this.getTeam(principal, teamId);
  }

  async removeTeamMember(principal: Principal, teamId: string, userId: string): Promise<TeamView> {
    await this.managedTeam(principal, teamId);
    if (!(await this.store.deleteTeamMember(teamId, userId, this.now()))) {
      throw new GatewayError("not_found", `User '${userId}' is not a member of this team.`, {
        param: "user_id",
        reason: "not_found",
      });
    }
    return this.getTeam(principal, teamId);
  }

  private publish(invalidation: Parameters<InvalidationBus["publish"]>[0]): Promise<void> {
    return publishSafely(this.bus, this.onPublishError, invalidation);
  }

  private async visibleTeam(principal: Principal, teamId: string): Promise<Team> {
    if (principal.role !== "admin" && !(principal.role === "team_admin" && principal.teamId === teamId)) {
      throw denied("team_id", "This key may not read that team.");
    }
    const team = await this.store.getTeam(teamId);
    if (team === undefined) throw notFound("team_id", "No team with this team_id.");
    return team;
  }

  private async managedTeam(principal: Principal, teamId: string): Promise<Team> {
    requireManager(principal);
    return this.visibleTeam(principal, teamId);
  }
}

function teamView(team: Team): TeamView {
  return { team, etag: teamEtag(team) };
}

export function teamEtag(team: Pick<Team, "teamId" | "version">): string {
  return createHash("sha256").update(`team:${team.teamId}:${team.version}`).digest("base64url").slice(0, 16);
}

function validateTeamDraft(draft: TeamDraft): void {
  if (draft.teamId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(draft.teamId)) {
    throw invalidRequest("team_id must be 1..64 characters of letters, digits, _ and -.", "team_id");
  }
  checkText(draft.displayName, "display_name");
  checkModels(draft.models);
  checkLimits(draft.limits);
  if (
    draft.maxKeyDurationSeconds !== undefined &&
    (!Number.isFinite(draft.maxKeyDurationSeconds) || draft.maxKeyDurationSeconds <= 0)
  ) {
    throw invalidRequest("max_key_duration must be positive.", "max_key_duration");
  }
  checkMetadata(draft.metadata);
  checkTags(draft.tags);
}

function applyTeamPaths(team: Team, paths: ReadonlySet<TeamFieldPath>, draft: TeamDraft): TeamChanges {
  const changes: TeamChanges = {};
  const limits: Limits = { ...team.limits };
  let limitsChanged = false;
  const given = draft.limits ?? emptyLimits();
  for (const path of paths) {
    switch (path) {
      case "display_name":
        changes.displayName = draft.displayName ?? "";
        break;
      case "models":
        changes.models = draft.models ?? [];
        break;
      case "max_key_duration":
        changes.maxKeyDurationSeconds = draft.maxKeyDurationSeconds;
        break;
      case "metadata":
        changes.metadata = draft.metadata ?? {};
        break;
      case "tags":
        changes.tags = draft.tags ?? [];
        break;
      default:
        if (applyLimitPath(limits, given, path)) limitsChanged = true;
    }
  }
  if (limitsChanged) {
    checkLimits(limits);
    changes.limits = limits;
  }
  return changes;
}
