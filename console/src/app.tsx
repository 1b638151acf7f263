import { useEffect, useState } from "preact/hooks";
import { errorText, forgetKey, type Session, signIn, storedKey } from "./api.js";
import { ROLE_NAMES } from "./format.js";
import { KeysPage } from "./pages/keys.js";
import { ModelsPage } from "./pages/models.js";
import { TeamsPage } from "./pages/teams.js";
import { UsagePage } from "./pages/usage.js";

const PAGES = [
  { id: "keys", title: "Keys" },
  { id: "teams", title: "Teams" },
  { id: "usage", title: "Usage" },
  { id: "models", title: "Models" },
] as const;
type PageId = (typeof PAGES)[number]["id"];

/** The page named by the URL's fragment (#/keys): no key or secret is ever part of the URL. */
function pageFromHash(): PageId {
  const id = window.location.hash.replace(/^#\/?/, "");
  return PAGES.find((page) => page.id === id)?.id ?? "keys";
}

export function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [restoring, setRestoring] = useState(storedKey() !== undefined);
  const [page, setPage] = useState<PageId>(pageFromHash());

  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    const key = storedKey();
    if (key === undefined) return;
    signIn(key)
      .then(setSession)
      .catch(() => forgetKey())
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p class="loading">Loading…</p>;
  if (session === undefined) return <SignIn onSession={setSession} />;

  const signOut = () => {
    forgetKey();
    setSession(undefined);
  };
  return (
    <div class="shell">
      <header>
        <strong class="brand">Switchboard</strong>
        <nav>
          {PAGES.map((entry) => (
            <a key={entry.id} href={`#/${entry.id}`} class={entry.id === page ? "active" : ""}>
              {entry.title}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {ROLE_NAMES[session.caller.role]}
          {session.caller.teamId !== "" ? ` · team ${session.caller.teamId}` : ""} ·{" "}
          <code>{session.caller.displaySecret}</code>
        </span>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {page === "keys" && <KeysPage session={session} />}
        {page === "teams" && <TeamsPage session={session} />}
        {page === "usage" && <UsagePage session={session} />}
        {page === "models" && <ModelsPage session={session} />}
      </main>
    </div>
  );
}

function SignIn(props: { onSession: (session: Session) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onSession(await signIn(key.trim()));
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="sign-in card" method="post" onSubmit={submit}>
      <h1>Switchboard console</h1>
      <p>Sign in with an admin or team-admin key. It is kept in this tab only and sent as a header.</p>
      <label>
        API key
        <input
          type="password"
          name="api-key"
          autocomplete="off"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          required
        />
      </label>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || key.trim() === ""}>
        Sign in
      </button>
    </form>
  );
}
