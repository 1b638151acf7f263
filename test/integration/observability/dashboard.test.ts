import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../src/app.js";
import { GenericApiSink } from "../../../src/observability/callbacks/sinks.js";
import { type FakeReceiver, startFakeReceiver } from "../../helpers/fake-receiver.js";
import { deployment, MASTER_KEY, startTestGateway } from "../../helpers/gateway.js";

/** The shipped Grafana dashboard queries only series the gateway exports (with callbacks and alerts on). */
describe("docs/grafana-dashboard.json", () => {
  let receiver: FakeReceiver;
  let app: App;
  let exported: Set<string>;

  before(async () => {
    receiver = await startFakeReceiver();
    app = await startTestGateway([deployment("mock-gpt", "mock", "fixed")], {
      observability: {
        readiness: { journalDepth: () => 0 },
        followers: {
          callbacks: {
            logMessages: false,
            routes: [
              {
                sink: new GenericApiSink({ endpoint: receiver.url, headers: {} }),
                onSuccess: true,
                onFailure: true,
              },
            ],
          },
          alerting: { webhookUrl: receiver.url },
        },
      },
    });
    const response = await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-gpt", messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(response.status, 200);
    const text = await (
      await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
    ).text();
    exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? ""));
  });

  after(async () => {
    await app?.close(500);
    await receiver?.close();
  });

  it("every series a panel queries is exported", () => {
    const dashboard = JSON.parse(readFileSync("docs/grafana-dashboard.json", "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    assert.ok(dashboard.panels.length >= 10);
    for (const panel of dashboard.panels)
      for (const target of panel.targets)
        for (const match of target.expr.matchAll(/\b((?:switchboard|process|nodejs)_[a-z0-9_]+)/g)) {
          const name = (match[1] ?? "").replace(/_(bucket|sum|count)$/, "");
          const family = exported.has(name) ? name : name.replace(/_total$/, "");
          assert.ok(exported.has(family), `${panel.title}: ${name} is not exported`);
        }
  });
});
