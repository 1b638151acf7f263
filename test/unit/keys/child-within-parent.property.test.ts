import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { matchesModelPattern } from "../../../src/core/chat/model-access.js";
import { GatewayError } from "../../../src/core/errors/gateway-error.js";
import type { Principal } from "../../../src/core/types/principal.js";
import { parseDurationSeconds } from "../../../src/keys/durations.js";
import { LocalInvalidationBus } from "../../../src/keys/invalidation-bus.js";
import { KEY_FIELD_PATHS, type KeyFieldPath } from "../../../src/keys/key-fields.js";
import { type KeyDraft, KeyManager, type TeamDraft } from "../../../src/keys/key-manager.js";
import type { Limits, VirtualKey } from "../../../src/keys/key-types.js";
import { SqlKeyStore } from "../../../src/keys/sql-key-store.js";
import { openDatabase } from "../../../src/store/database.js";

/**
 * GUARDS 3, as a property: whatever a team admin asks for, a key it creates or changes never grants more models,
 * budget, rate limits or lifetime than its team or its own key. Seeded: set PROPERTY_SEED to replay a failure.
 */
const SEED = Number(process.env["PROPERTY_SEED"] ?? 20_261_122);
const NOW = new Date("2026-06-01T00:00:00.000Z");
const ADMIN: Principal = { keyId: "master", role: "admin", display: "master" };

const PATTERNS = ["*", "mock/*", "mock/a", "mock/b", "mock/a*", "gpt-4o", "gpt-*", "claude-3"];
/** Concrete names that tell the patterns apart: semantic coverage is checked on these. */
const UNIVERSE = [
  "mock/a",
  "mock/b",
  "mock/ab",
  "mock/a1",
  "mock/",
  "gpt-4o",
  "gpt-4o-mini",
  "gpt-5",
  "claude-3",
  "z",
];

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const rawLimitsArbitrary: fc.Arbitrary<Limits> = fc.record({
  maxBudget: maybe(fc.integer({ min: 0, max: 1_000 })),
  budgetDuration: maybe(fc.constantFrom("1h", "1d", "30d")),
  softBudget: maybe(fc.integer({ min: 0, max: 1_000 })),
  rpmLimit: maybe(fc.integer({ min: 0, max: 1_000 })),
  tpmLimit: maybe(fc.integer({ min: 0, max: 100_000 })),
  maxParallelRequests: maybe(fc.integer({ min: 0, max: 50 })),
  modelLimits: fc.uniqueArray(
    fc.record({
      model: fc.constantFrom(...PATTERNS),
      rpmLimit: maybe(fc.integer({ min: 0, max: 1_000 })),
      tpmLimit: maybe(fc.integer({ min: 0, max: 100_000 })),
      maxBudget: maybe(fc.integer({ min: 0, max: 1_000 })),
    }),
    { maxLength: 2, selector: (limit) => limit.model },
  ),
});
/** Mostly-valid limits (soft budget within max), so that runs reach the interesting checks. */
const limitsArbitrary: fc.Arbitrary<Limits> = rawLimitsArbitrary.map((limits) =>
  limits.softBudget !== undefined && limits.maxBudget !== undefined && limits.softBudget > limits.maxBudget
    ? { ...limits, softBudget: limits.maxBudget }
    : limits,
);
const modelsArbitrary = fc.uniqueArray(fc.constantFrom(...PATTERNS), { maxLength: 3 });
const expiryArbitrary = maybe(
  fc.integer({ min: 60, max: 90 * 86_400 }).map((seconds) => new Date(NOW.getTime() + seconds * 1_000)),
);

const teamArbitrary: fc.Arbitrary<TeamDraft> = fc.record({
  models: modelsArbitrary,
  limits: limitsArbitrary,
  maxKeyDurationSeconds: maybe(fc.integer({ min: 3_600, max: 60 * 86_400 })),
});
const draftArbitrary: fc.Arbitrary<KeyDraft> = fc.record({
  models: maybe(modelsArbitrary),
  limits: maybe(limitsArbitrary),
  expiresAt: expiryArbitrary,
});
const patchArbitrary = fc.record({
  paths: fc.uniqueArray(
    fc.constantFrom<KeyFieldPath>(
      ...KEY_FIELD_PATHS.filter(
        (path) => path.startsWith("limits.") || path === "models" || path === "expire_time",
      ),
    ),
    { minLength: 1, maxLength: 4 },
  ),
  draft: draftArbitrary,
});

/** Every concrete model the child may call, the parent may call too (empty list: everything). */
function modelsWithin(
  child: readonly string[],
  parent: readonly string[],
  emptyChildMeansParent: boolean,
): boolean {
  if (parent.length === 0) return true;
  if (child.length === 0) return emptyChildMeansParent;
  const allowed = (patterns: readonly string[], name: string) =>
    patterns.some((pattern) => matchesModelPattern(pattern, name));
  const names = [...UNIVERSE, ...child.map((pattern) => pattern.replace("*", "zz"))];
  return names.every((name) => !allowed(child, name) || allowed(parent, name));
}

function period(duration: string | undefined): number {
  return duration === undefined
    ? Number.POSITIVE_INFINITY
    : (parseDurationSeconds(duration) ?? Number.POSITIVE_INFINITY);
}

/** The independent oracle: which caps the child breaks. Empty when it is within. */
function violations(child: VirtualKey, creator: VirtualKey, team: TeamDraft): string[] {
  const found: string[] = [];
  const teamLimits = team.limits!;
  if (!modelsWithin(child.models, team.models ?? [], true)) found.push("models vs team");
  if (!modelsWithin(child.models, creator.models, false) && creator.models.length > 0)
    found.push("models vs creator");
  for (const field of ["maxBudget", "rpmLimit", "tpmLimit", "maxParallelRequests"] as const) {
    const mine = child.limits[field];
    const creators = creator.limits[field];
    if (creators !== undefined && (mine === undefined || mine > creators)) found.push(`${field} vs creator`);
    const teams = teamLimits[field];
    if (teams !== undefined && mine !== undefined && mine > teams) found.push(`${field} vs team`);
  }
  for (const parent of [creator.limits, teamLimits]) {
    if (
      child.limits.softBudget !== undefined &&
      parent.maxBudget !== undefined &&
      child.limits.softBudget > parent.maxBudget
    ) {
      found.push("softBudget");
    }
    if (parent.maxBudget !== undefined && child.limits.maxBudget !== undefined) {
      if (period(child.limits.budgetDuration) < period(parent.budgetDuration)) found.push("budgetDuration");
    }
  }
  for (const parentLimit of creator.limits.modelLimits) {
    const mine = child.limits.modelLimits.find((limit) => limit.model === parentLimit.model);
    for (const field of ["rpmLimit", "tpmLimit", "maxBudget"] as const) {
      const cap = parentLimit[field];
      if (cap !== undefined && (mine?.[field] === undefined || mine[field]! > cap))
        found.push(`modelLimits.${field}`);
    }
  }
  if (
    creator.expiresAt !== undefined &&
    (child.expiresAt === undefined || child.expiresAt > creator.expiresAt)
  ) {
    found.push("expiry vs creator");
  }
  if (team.maxKeyDurationSeconds !== undefined) {
    const latest = child.createdAt.getTime() + team.maxKeyDurationSeconds * 1_000;
    if (child.expiresAt === undefined || child.expiresAt.getTime() > latest) found.push("expiry vs team");
  }
  return found;
}

/** A team admin key an admin would mint for the team: the random draft pulled inside the team's caps. */
function clampToTeam(draft: KeyDraft, team: TeamDraft): KeyDraft {
  const teamLimits = team.limits!;
  const limits: Limits = { ...(draft.limits ?? { modelLimits: [] }) };
  for (const field of ["maxBudget", "rpmLimit", "tpmLimit", "maxParallelRequests"] as const) {
    const cap = teamLimits[field];
    if (cap !== undefined && limits[field] !== undefined) limits[field] = Math.min(limits[field]!, cap);
  }
  if (teamLimits.maxBudget !== undefined && limits.maxBudget !== undefined)
    limits.budgetDuration = teamLimits.budgetDuration;
  if (limits.softBudget !== undefined) {
    limits.softBudget = Math.min(
      limits.softBudget,
      limits.maxBudget ?? Infinity,
      teamLimits.maxBudget ?? Infinity,
    );
  }
  limits.modelLimits = [];
  const teamModels = team.models ?? [];
  const models =
    teamModels.length === 0 ? draft.models : draft.models?.filter((model) => teamModels.includes(model));
  const latest =
    team.maxKeyDurationSeconds === undefined ? undefined : NOW.getTime() + team.maxKeyDurationSeconds * 1_000;
  const expiresAt =
    draft.expiresAt !== undefined && latest !== undefined && draft.expiresAt.getTime() > latest
      ? new Date(latest)
      : draft.expiresAt;
  return { models, limits, expiresAt };
}

function expectRefusal(error: unknown): void {
  assert.ok(error instanceof GatewayError, String(error));
  assert.ok(
    error.kind === "permission_denied" || error.kind === "invalid_request",
    `unexpected ${error.kind}: ${error.message}`,
  );
  assert.ok(error.param !== undefined && error.param !== "", `no param on: ${error.message}`);
}

describe("nothing created exceeds its creator (property)", () => {
  it(`holds for create and update by a team admin (seed ${SEED})`, async () => {
    const database = await openDatabase({ sqlitePath: ":memory:" });
    const store = new SqlKeyStore(database.db);
    const manager = new KeyManager({ store, bus: new LocalInvalidationBus(), now: () => NOW });
    let teams = 0;
    let created = 0;
    let refused = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          teamArbitrary,
          draftArbitrary,
          draftArbitrary,
          patchArbitrary,
          async (team, creatorDraft, childDraft, patch) => {
            teams++;
            let teamId: string;
            try {
              teamId = (await manager.teams.createTeam(ADMIN, { ...team, teamId: `t${teams}` })).team.teamId;
            } catch (error) {
              expectRefusal(error); // e.g. soft_budget above max_budget
              return;
            }
            let creator: VirtualKey;
            try {
              creator = (
                await manager.createKey(ADMIN, {
                  ...clampToTeam(creatorDraft, team),
                  teamId,
                  role: "team_admin",
                })
              ).view.key;
            } catch (error) {
              expectRefusal(error);
              if (process.env["PROPERTY_DEBUG"]) console.log("refused creator:", (error as Error).message);
              return; // an admin asked for a team admin key beyond its team: refused, nothing to test further
            }
            assert.deepEqual(
              violations(
                creator,
                { ...creator, models: [], limits: { modelLimits: [] }, expiresAt: undefined },
                team,
              ),
              [],
            );
            const principal: Principal = {
              keyId: creator.keyId,
              role: "team_admin",
              teamId,
              display: creator.displaySecret,
            };
            let child: VirtualKey;
            try {
              child = (await manager.createKey(principal, childDraft)).view.key;
              created++;
            } catch (error) {
              expectRefusal(error);
              refused++;
              if (process.env["PROPERTY_DEBUG"]) console.log("refused child:", (error as Error).message);
              return;
            }
            assert.deepEqual(violations(child, creator, team), [], `created: ${JSON.stringify(child)}`);
            try {
              const updated = await manager.updateKey(
                principal,
                child.keyId,
                new Set(patch.paths),
                patch.draft,
                undefined,
              );
              assert.deepEqual(
                violations(updated.key, creator, team),
                [],
                `updated: ${JSON.stringify(updated.key)}`,
              );
            } catch (error) {
              expectRefusal(error);
            }
          },
        ),
        { seed: SEED, numRuns: 400 },
      );
    } finally {
      await database.close();
    }
    // The generators must exercise both outcomes, or the property proves little.
    assert.ok(created > 40, `only ${created} children created`);
    assert.ok(refused > 40, `only ${refused} children refused`);
  });
});
