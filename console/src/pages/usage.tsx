import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import {
  type UsageFilter,
  UsageGroupBy,
  type UsageRecord,
  type UsageSummary,
} from "../../../gen/switchboard/v1/usage_service_pb.js";
import { errorText, type Session } from "../api.js";
import { type Series, StackedBars } from "../chart.js";
import { usd, when } from "../format.js";

const DIMENSIONS = {
  key: { group: UsageGroupBy.KEY, title: "key", filter: (value: string) => ({ keyId: value }) },
  team: { group: UsageGroupBy.TEAM, title: "team", filter: (value: string) => ({ teamId: value }) },
  model: { group: UsageGroupBy.MODEL, title: "model", filter: (value: string) => ({ model: value }) },
} as const;
type Dimension = keyof typeof DIMENSIONS;

/** Series drawn per chart; the rest of the spend is in the top table. */
const TOP_SERIES = 5;
const LIVE_ROWS = 50;

function days(count: number): string[] {
  const out: string[] = [];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  for (let index = count - 1; index >= 0; index--) {
    out.push(new Date(today - index * 86_400_000).toISOString().slice(0, 10));
  }
  return out;
}

export function UsagePage(props: { session: Session }) {
  const { client } = props.session;
  const [dimension, setDimension] = useState<Dimension>("key");
  const [range, setRange] = useState(14);
  const [labels, setLabels] = useState<string[]>([]);
  const [series, setSeries] = useState<Series[]>([]);
  const [topKeys, setTopKeys] = useState<UsageSummary[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    let live = true;
    const dayLabels = days(range);
    const window: UsageFilter["startTime"] = timestampFromDate(new Date(`${dayLabels[0]}T00:00:00Z`));
    const chosen = DIMENSIONS[dimension];
    (async () => {
      // The gateway groups by one dimension at a time: the top groups first, then each one's spend per day.
      const groups = await client.usage.summarizeUsage({
        filter: { startTime: window },
        groupBy: chosen.group,
      });
      const top = [...groups.summaries].sort((a, b) => b.spendUsd - a.spendUsd).slice(0, TOP_SERIES);
      const perGroup = await Promise.all(
        top.map(async (summary) => {
          const daily = await client.usage.summarizeUsage({
            filter: { startTime: window, ...chosen.filter(summary.group) },
            groupBy: UsageGroupBy.DAY,
          });
          const byDay = new Map(daily.summaries.map((row) => [row.group, row.spendUsd]));
          return { label: summary.group || "(none)", values: dayLabels.map((day) => byDay.get(day) ?? 0) };
        }),
      );
      const keys =
        dimension === "key"
          ? groups
          : await client.usage.summarizeUsage({ filter: { startTime: window }, groupBy: UsageGroupBy.KEY });
      return { perGroup, keys: [...keys.summaries].sort((a, b) => b.spendUsd - a.spendUsd).slice(0, 10) };
    })()
      .then(({ perGroup, keys }) => {
        if (!live) return;
        setLabels(dayLabels);
        setSeries(perGroup);
        setTopKeys(keys);
        setError(undefined);
      })
      .catch((failure) => live && setError(errorText(failure)));
    return () => {
      live = false;
    };
  }, [client, dimension, range, revision]);

  return (
    <section>
      <div class="toolbar">
        <h2>Usage</h2>
        <select
          aria-label="Group by"
          value={dimension}
          onChange={(e) => setDimension(e.currentTarget.value as Dimension)}
        >
          <option value="key">by key</option>
          <option value="team">by team</option>
          <option value="model">by model</option>
        </select>
        <select
          aria-label="Range"
          value={String(range)}
          onChange={(e) => setRange(Number(e.currentTarget.value))}
        >
          <option value="7">7 days</option>
          <option value="14">14 days</option>
          <option value="30">30 days</option>
        </select>
        <button type="button" class="secondary" onClick={() => setRevision((value) => value + 1)}>
          Refresh
        </button>
      </div>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <StackedBars
        labels={labels}
        series={series}
        title={`Spend per day by ${DIMENSIONS[dimension].title} (top ${TOP_SERIES}, USD)`}
      />
      <div class="split">
        <div>
          <h3>Top keys</h3>
          <table data-testid="top-keys">
            <thead>
              <tr>
                <th>Key</th>
                <th>Spend</th>
                <th>Requests</th>
                <th>Tokens</th>
                <th>Errors</th>
              </tr>
            </thead>
            <tbody>
              {topKeys.map((row) => (
                <tr key={row.group}>
                  <td>
                    <code>{row.group || "—"}</code>
                  </td>
                  <td>
                    {usd(row.spendUsd)}
                    {row.unpricedRecords > 0n ? (
                      <span class="muted"> +{String(row.unpricedRecords)} unpriced</span>
                    ) : null}
                  </td>
                  <td>{String(row.requests)}</td>
                  <td>{String(row.totalTokens)}</td>
                  <td>{String(row.errors)}</td>
                </tr>
              ))}
              {topKeys.length === 0 && (
                <tr>
                  <td colSpan={5} class="empty">
                    No usage in this range.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <LiveFeed session={props.session} />
      </div>
    </section>
  );
}

/** New usage records as they are journaled (UsageService.WatchUsage, a server stream over Connect-Web). */
function LiveFeed(props: { session: Session }) {
  const { client } = props.session;
  const [rows, setRows] = useState<UsageRecord[]>([]);
  const [status, setStatus] = useState("connecting");
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      for (let attempt = 0; !abort.signal.aborted; attempt++) {
        try {
          for await (const message of client.usage.watchUsage({ filter: {} }, { signal: abort.signal })) {
            // The first message carries no record: the subscription is live.
            if (message.record === undefined) {
              setStatus("live");
              attempt = 0;
              continue;
            }
            const record = message.record;
            setRows((current) => [record, ...current].slice(0, LIVE_ROWS));
          }
        } catch (failure) {
          if (abort.signal.aborted) return;
          setStatus(`reconnecting (${errorText(failure)})`);
        }
        // Back off before reconnecting, up to 10 s.
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
      }
    })();
    return () => abort.abort();
  }, [client]);
  return (
    <div>
      <h3>
        Live feed{" "}
        <span class={`badge live-${status === "live" ? "on" : "off"}`} data-testid="live-status">
          {status}
        </span>
      </h3>
      <table data-testid="live-feed">
        <thead>
          <tr>
            <th>Time</th>
            <th>Key</th>
            <th>Model</th>
            <th>Tokens</th>
            <th>Cost</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.requestId}/${row.attempt}`} data-testid="live-row">
              <td>{when(row.endTime)}</td>
              <td>
                <code>{row.keyId}</code>
              </td>
              <td>{row.modelGroup}</td>
              <td>{String(row.totalTokens)}</td>
              <td>{usd(row.costUsd)}</td>
              <td>{row.status}</td>
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} class="empty">
                Waiting for requests…
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
