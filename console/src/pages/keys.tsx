import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import {
  type Key,
  KeyRole,
  KeyState,
  type Limits,
  LimitsSchema,
} from "../../../gen/switchboard/v1/keys_service_pb.js";
import { errorText, type Session } from "../api.js";
import { durationSeconds, list, optionalNumber, ROLE_NAMES, STATE_NAMES, usd, when } from "../format.js";
import { SecretOnce } from "../secret-once.js";

const PAGE_SIZE = 20;

export function KeysPage(props: { session: Session }) {
  const { client, caller, isAdmin } = props.session;
  const [keys, setKeys] = useState<Key[]>([]);
  const [tokens, setTokens] = useState<string[]>([""]);
  const [nextToken, setNextToken] = useState("");
  const [search, setSearch] = useState("");
  const [teamFilter, setTeamFilter] = useState(isAdmin ? "" : caller.teamId);
  const [stateFilter, setStateFilter] = useState<KeyState>(KeyState.UNSPECIFIED);
  const [error, setError] = useState<string | undefined>();
  const [secret, setSecret] = useState<{ title: string; value: string } | undefined>();
  const [showCreate, setShowCreate] = useState(false);
  const [revision, setRevision] = useState(0);
  const pageToken = tokens[tokens.length - 1] ?? "";

  useEffect(() => {
    let live = true;
    client.keys
      .listKeys({ pageSize: PAGE_SIZE, pageToken, teamId: teamFilter.trim(), state: stateFilter })
      .then((page) => {
        if (!live) return;
        setKeys(page.keys);
        setNextToken(page.nextPageToken);
        setError(undefined);
      })
      .catch((failure) => live && setError(errorText(failure)));
    return () => {
      live = false;
    };
  }, [client, pageToken, teamFilter, stateFilter, revision]);

  const reload = () => setRevision((value) => value + 1);
  const act = async (work: () => Promise<void>) => {
    try {
      await work();
      setError(undefined);
      reload();
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  const needle = search.trim().toLowerCase();
  // Search narrows the page shown (name, id, team, user, tags); the team and state filters go to the server.
  const shown = keys.filter(
    (key) =>
      needle === "" ||
      [key.displayName, key.keyId, key.teamId, key.userId, ...key.tags].some((field) =>
        field.toLowerCase().includes(needle),
      ),
  );

  return (
    <section>
      <div class="toolbar">
        <h2>Keys</h2>
        <input
          type="search"
          placeholder="Search name, id, team, user, tag"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
          aria-label="Search keys"
        />
        {isAdmin && (
          <input
            placeholder="Team id"
            value={teamFilter}
            onChange={(event) => {
              setTeamFilter(event.currentTarget.value);
              setTokens([""]);
            }}
            aria-label="Filter by team"
          />
        )}
        <select
          aria-label="Filter by state"
          value={String(stateFilter)}
          onChange={(event) => {
            setStateFilter(Number(event.currentTarget.value) as KeyState);
            setTokens([""]);
          }}
        >
          <option value={String(KeyState.UNSPECIFIED)}>any state</option>
          {[KeyState.ACTIVE, KeyState.BLOCKED, KeyState.REVOKED, KeyState.EXPIRED].map((state) => (
            <option key={state} value={String(state)}>
              {STATE_NAMES[state]}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => setShowCreate(!showCreate)}>
          {showCreate ? "Close" : "Create key"}
        </button>
      </div>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {secret !== undefined && (
        <SecretOnce title={secret.title} secret={secret.value} onClose={() => setSecret(undefined)} />
      )}
      {showCreate && (
        <CreateKeyForm
          session={props.session}
          onCreated={(key, value) => {
            setShowCreate(false);
            setSecret({ title: `New key ${key.displayName || key.keyId}`, value });
            setTokens([""]);
            reload();
          }}
        />
      )}
      <table data-testid="keys-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Role</th>
            <th>State</th>
            <th>Team</th>
            <th>Models</th>
            <th>Spend / budget</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((key) => (
            <KeyRow
              key={key.keyId}
              keyItem={key}
              onRotate={(grace) =>
                act(async () => {
                  const rotated = await client.keys.rotateKey({
                    keyId: key.keyId,
                    etag: key.etag,
                    ...(grace > 0 ? { gracePeriod: create(DurationSchema, { seconds: BigInt(grace) }) } : {}),
                  });
                  setSecret({ title: `Rotated key ${key.displayName || key.keyId}`, value: rotated.secret });
                })
              }
              onBlock={() =>
                act(async () => {
                  await client.keys.blockKey({ keyId: key.keyId, etag: key.etag });
                })
              }
              onUnblock={() =>
                act(async () => {
                  await client.keys.unblockKey({ keyId: key.keyId, etag: key.etag });
                })
              }
              onRevoke={() =>
                act(async () => {
                  await client.keys.revokeKey({ keyId: key.keyId, etag: key.etag });
                })
              }
            />
          ))}
          {shown.length === 0 && (
            <tr>
              <td colSpan={9} class="empty">
                No keys.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="pager">
        <button type="button" disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous
        </button>
        <span>Page {tokens.length}</span>
        <button type="button" disabled={nextToken === ""} onClick={() => setTokens([...tokens, nextToken])}>
          Next
        </button>
      </div>
    </section>
  );
}

function KeyRow(props: {
  keyItem: Key;
  onRotate: (graceSeconds: number) => void;
  onBlock: () => void;
  onUnblock: () => void;
  onRevoke: () => void;
}) {
  const key = props.keyItem;
  const [grace, setGrace] = useState("0");
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const closed = key.state === KeyState.REVOKED;
  return (
    <tr data-key-id={key.keyId} data-testid="key-row">
      <td>{key.displayName || <em>unnamed</em>}</td>
      <td>
        <code>{key.displaySecret}</code>
        <div class="muted">{key.keyId}</div>
      </td>
      <td>{ROLE_NAMES[key.role]}</td>
      <td>
        <span class={`badge state-${STATE_NAMES[key.state]}`} data-testid="key-state">
          {STATE_NAMES[key.state]}
        </span>
        {key.previousSecretExpireTime !== undefined && (
          <div class="muted">old secret until {when(key.previousSecretExpireTime)}</div>
        )}
      </td>
      <td>{key.teamId || "—"}</td>
      <td>{key.models.length === 0 ? "team / all" : key.models.join(", ")}</td>
      <td>
        {usd(key.spend)} / {usd(key.limits?.maxBudget)}
        {key.limits?.budgetDuration ? <div class="muted">per {key.limits.budgetDuration}</div> : null}
      </td>
      <td>{when(key.expireTime)}</td>
      <td class="actions">
        {!closed && (
          <>
            <select aria-label="Grace period" value={grace} onChange={(e) => setGrace(e.currentTarget.value)}>
              <option value="0">no grace</option>
              <option value="3600">1h grace</option>
              <option value="86400">24h grace</option>
            </select>
            <button type="button" onClick={() => props.onRotate(Number(grace))}>
              Rotate
            </button>
            {key.state === KeyState.BLOCKED ? (
              <button type="button" class="secondary" onClick={props.onUnblock}>
                Unblock
              </button>
            ) : (
              <button type="button" class="secondary" onClick={props.onBlock}>
                Block
              </button>
            )}
            {confirmRevoke ? (
              <button type="button" class="danger" onClick={props.onRevoke}>
                Confirm revoke
              </button>
            ) : (
              <button type="button" class="danger" onClick={() => setConfirmRevoke(true)}>
                Revoke
              </button>
            )}
          </>
        )}
      </td>
    </tr>
  );
}

function CreateKeyForm(props: { session: Session; onCreated: (key: Key, secret: string) => void }) {
  const { client, caller, isAdmin } = props.session;
  const [fields, setFields] = useState<Record<string, string>>({
    name: "",
    team: isAdmin ? "" : caller.teamId,
    user: "",
    role: String(KeyRole.USER),
    models: "",
    maxBudget: "",
    budgetDuration: "",
    softBudget: "",
    rpm: "",
    tpm: "",
    parallel: "",
    ttl: "",
  });
  const [error, setError] = useState<string | undefined>();
  const set = (name: string) => (event: { currentTarget: { value: string } }) =>
    setFields({ ...fields, [name]: event.currentTarget.value });
  const value = (name: string) => fields[name] ?? "";

  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const limits: Limits = create(LimitsSchema, {
        maxBudget: optionalNumber(value("maxBudget"), "Max budget"),
        budgetDuration: value("budgetDuration").trim(),
        softBudget: optionalNumber(value("softBudget"), "Soft budget"),
      });
      const rpm = optionalNumber(value("rpm"), "RPM");
      const tpm = optionalNumber(value("tpm"), "TPM");
      const parallel = optionalNumber(value("parallel"), "Max parallel");
      if (rpm !== undefined) limits.rpmLimit = BigInt(Math.floor(rpm));
      if (tpm !== undefined) limits.tpmLimit = BigInt(Math.floor(tpm));
      if (parallel !== undefined) limits.maxParallelRequests = BigInt(Math.floor(parallel));
      const ttlText = value("ttl").trim();
      const ttl = ttlText === "" ? undefined : durationSeconds(ttlText);
      if (ttlText !== "" && ttl === undefined) throw new Error("Expires in must look like 30d, 12h or 90m.");
      const created = await client.keys.createKey({
        key: {
          displayName: value("name").trim(),
          teamId: value("team").trim(),
          userId: value("user").trim(),
          role: Number(value("role")) as KeyRole,
          models: list(value("models")),
          limits,
          ...(ttl !== undefined ? { expireTime: timestampFromDate(new Date(Date.now() + ttl * 1000)) } : {}),
        },
      });
      props.onCreated(created.key!, created.secret);
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  const roles = isAdmin
    ? [KeyRole.USER, KeyRole.VIEWER, KeyRole.TEAM_ADMIN, KeyRole.ADMIN]
    : [KeyRole.USER, KeyRole.VIEWER];
  return (
    <form class="card grid" method="post" onSubmit={submit} data-testid="create-key">
      <h3>New key</h3>
      <label>
        Name
        <input name="name" value={value("name")} onInput={set("name")} />
      </label>
      <label>
        Team
        <input name="team" value={value("team")} onInput={set("team")} readOnly={!isAdmin} />
      </label>
      <label>
        User
        <input name="user" value={value("user")} onInput={set("user")} />
      </label>
      <label>
        Role
        <select name="role" value={value("role")} onChange={set("role")}>
          {roles.map((role) => (
            <option key={role} value={String(role)}>
              {ROLE_NAMES[role]}
            </option>
          ))}
        </select>
      </label>
      <label class="wide">
        Models (comma-separated; empty: the team's, or all)
        <input name="models" value={value("models")} onInput={set("models")} placeholder="gpt-4o, openai/*" />
      </label>
      <label>
        Max budget (USD)
        <input name="maxBudget" inputMode="decimal" value={value("maxBudget")} onInput={set("maxBudget")} />
      </label>
      <label>
        Budget resets every
        <input
          name="budgetDuration"
          value={value("budgetDuration")}
          onInput={set("budgetDuration")}
          placeholder="30d"
        />
      </label>
      <label>
        Soft budget (USD)
        <input
          name="softBudget"
          inputMode="decimal"
          value={value("softBudget")}
          onInput={set("softBudget")}
        />
      </label>
      <label>
        Requests / minute
        <input name="rpm" inputMode="numeric" value={value("rpm")} onInput={set("rpm")} />
      </label>
      <label>
        Tokens / minute
        <input name="tpm" inputMode="numeric" value={value("tpm")} onInput={set("tpm")} />
      </label>
      <label>
        Max parallel
        <input name="parallel" inputMode="numeric" value={value("parallel")} onInput={set("parallel")} />
      </label>
      <label>
        Expires in
        <input name="ttl" value={value("ttl")} onInput={set("ttl")} placeholder="90d (empty: never)" />
      </label>
      {error !== undefined && (
        <p class="error wide" role="alert">
          {error}
        </p>
      )}
      <div class="wide">
        <button type="submit">Create</button>
      </div>
    </form>
  );
}
