import { create } from "@bufbuild/protobuf";
import { useEffect, useState } from "preact/hooks";
import { LimitsSchema, type Team, TeamRole } from "../../../gen/switchboard/v1/keys_service_pb.js";
import { errorText, type Session } from "../api.js";
import { list, optionalNumber, TEAM_ROLE_NAMES, usd } from "../format.js";

export function TeamsPage(props: { session: Session }) {
  const { client, isAdmin } = props.session;
  const [teams, setTeams] = useState<Team[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [revision, setRevision] = useState(0);
  const [draft, setDraft] = useState({ id: "", name: "", models: "", budget: "" });
  const [member, setMember] = useState({ user: "", role: String(TeamRole.MEMBER) });

  useEffect(() => {
    let live = true;
    (async () => {
      // A team admin's list holds its own team only (the gateway narrows it).
      const all: Team[] = [];
      let pageToken = "";
      do {
        const page = await client.keys.listTeams({ pageSize: 200, pageToken });
        all.push(...page.teams);
        pageToken = page.nextPageToken;
      } while (pageToken !== "" && all.length < 2_000);
      return all;
    })()
      .then((all) => {
        if (!live) return;
        setTeams(all);
        setError(undefined);
      })
      .catch((failure) => live && setError(errorText(failure)));
    return () => {
      live = false;
    };
  }, [client, revision]);

  const act = async (work: () => Promise<void>) => {
    try {
      await work();
      setError(undefined);
      setRevision((value) => value + 1);
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  const team = teams.find((candidate) => candidate.teamId === selected) ?? teams[0];

  return (
    <section>
      <div class="toolbar">
        <h2>Teams</h2>
      </div>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {isAdmin && (
        <form
          class="card row"
          method="post"
          onSubmit={(event) => {
            event.preventDefault();
            void act(async () => {
              await client.keys.createTeam({
                team: {
                  teamId: draft.id.trim(),
                  displayName: draft.name.trim(),
                  models: list(draft.models),
                  limits: create(LimitsSchema, { maxBudget: optionalNumber(draft.budget, "Team budget") }),
                },
              });
              setDraft({ id: "", name: "", models: "", budget: "" });
            });
          }}
        >
          <input
            placeholder="team id (a-z0-9_-)"
            aria-label="Team id"
            value={draft.id}
            onInput={(e) => setDraft({ ...draft, id: e.currentTarget.value })}
          />
          <input
            placeholder="name"
            aria-label="Team name"
            value={draft.name}
            onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
          />
          <input
            placeholder="models (comma-separated)"
            aria-label="Team models"
            value={draft.models}
            onInput={(e) => setDraft({ ...draft, models: e.currentTarget.value })}
          />
          <input
            placeholder="budget USD"
            aria-label="Team budget"
            value={draft.budget}
            onInput={(e) => setDraft({ ...draft, budget: e.currentTarget.value })}
          />
          <button type="submit">Create team</button>
        </form>
      )}
      <div class="split">
        <table data-testid="teams-table">
          <thead>
            <tr>
              <th>Team</th>
              <th>Models</th>
              <th>Spend / budget</th>
              <th>Members</th>
            </tr>
          </thead>
          <tbody>
            {teams.map((item) => (
              <tr
                key={item.teamId}
                class={item.teamId === team?.teamId ? "selected" : ""}
                onClick={() => setSelected(item.teamId)}
              >
                <td>
                  <strong>{item.displayName || item.teamId}</strong>
                  <div class="muted">{item.teamId}</div>
                </td>
                <td>{item.models.length === 0 ? "all" : item.models.join(", ")}</td>
                <td>
                  {usd(item.spend)} / {usd(item.limits?.maxBudget)}
                </td>
                <td>{item.members.length}</td>
              </tr>
            ))}
            {teams.length === 0 && (
              <tr>
                <td colSpan={4} class="empty">
                  No teams.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {team !== undefined && (
          <div class="card" data-testid="members">
            <h3>Members of {team.displayName || team.teamId}</h3>
            <ul class="members">
              {team.members.map((entry) => (
                <li key={entry.userId}>
                  <span>{entry.userId}</span> <span class="badge">{TEAM_ROLE_NAMES[entry.role]}</span>
                  <button
                    type="button"
                    class="link"
                    onClick={() =>
                      act(async () => {
                        await client.keys.removeTeamMember({ teamId: team.teamId, userId: entry.userId });
                      })
                    }
                  >
                    remove
                  </button>
                </li>
              ))}
              {team.members.length === 0 && <li class="muted">No members.</li>}
            </ul>
            <form
              class="row"
              method="post"
              onSubmit={(event) => {
                event.preventDefault();
                void act(async () => {
                  await client.keys.addTeamMember({
                    teamId: team.teamId,
                    member: { userId: member.user.trim(), role: Number(member.role) as TeamRole },
                  });
                  setMember({ user: "", role: String(TeamRole.MEMBER) });
                });
              }}
            >
              <input
                placeholder="user id"
                aria-label="Member user id"
                value={member.user}
                onInput={(e) => setMember({ ...member, user: e.currentTarget.value })}
              />
              <select
                aria-label="Member role"
                value={member.role}
                onChange={(e) => setMember({ ...member, role: e.currentTarget.value })}
              >
                <option value={String(TeamRole.MEMBER)}>member</option>
                <option value={String(TeamRole.ADMIN)}>admin</option>
              </select>
              <button type="submit">Add member</button>
            </form>
          </div>
        )}
      </div>
    </section>
  );
}
