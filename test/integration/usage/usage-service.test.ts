import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { UsageGroupBy, UsageService } from "../../../gen/switchboard/v1/usage_service_pb.js";
import { chat, createKey, MASTER_KEY, startUsageGateway } from "../../helpers/usage-gateway.js";

function client(url: string, key: string) {
  return createClient(
    UsageService,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      interceptors: [
        (next) => async (request) => {
          request.header.set("authorization", `Bearer ${key}`);
          return next(request);
        },
      ],
    }),
  );
}

describe("UsageService over Connect, and /spend/logs", () => {
  it("queries, summarizes and watches the ledger within the caller's scope", async () => {
    const gateway = await startUsageGateway({ database: "sqlite" });
    try {
      const mine = await createKey(gateway.url, {});
      const other = await createKey(gateway.url, {});
      const admin = client(gateway.url, MASTER_KEY);
      const watch = admin.watchUsage({ filter: { keyId: mine.keyId } })[Symbol.asyncIterator]();
      const subscribed = await watch.next();
      assert.equal(subscribed.value?.record, undefined, "the first response confirms the subscription");

      for (let index = 0; index < 3; index++) {
        assert.equal(
          (
            await chat(gateway.url, mine.key, {
              model: "mock-gpt",
              messages: [{ role: "user", content: "hi" }],
            })
          ).status,
          200,
        );
      }
      assert.equal(
        (
          await chat(gateway.url, other.key, {
            model: "mock-gpt",
            messages: [{ role: "user", content: "hi" }],
          })
        ).status,
        200,
      );
      const live = await watch.next();
      assert.equal(live.value?.record?.keyId, mine.keyId);
      assert.ok((live.value?.record?.costUsd ?? 0) > 0);
      await watch.return?.();

      const own = client(gateway.url, mine.key);
      const first = await own.queryUsage({ pageSize: 2 });
      assert.equal(first.records.length, 2);
      assert.ok(first.nextPageToken !== "");
      const second = await own.queryUsage({ pageSize: 2, pageToken: first.nextPageToken });
      assert.equal(second.records.length, 1);
      assert.ok([...first.records, ...second.records].every((record) => record.keyId === mine.keyId));

      await assert.rejects(own.queryUsage({ filter: { keyId: other.keyId } }), (error: unknown) => {
        return error instanceof ConnectError && error.code === Code.PermissionDenied;
      });

      const byKey = await admin.summarizeUsage({ groupBy: UsageGroupBy.KEY });
      const row = byKey.summaries.find((summary) => summary.group === mine.keyId);
      assert.equal(row?.requests, 3n);
      assert.ok((row?.spendUsd ?? 0) > 0);

      const logs = await fetch(`${gateway.url}/spend/logs`, {
        headers: { authorization: `Bearer ${mine.key}` },
      });
      const body = (await logs.json()) as { api_key: string; spend: number }[];
      assert.equal(body.length, 3);
      assert.ok(body.every((log) => log.api_key === mine.keyId && log.spend > 0));
      const info = await fetch(`${gateway.url}/key/info?key=${mine.keyId}`, {
        headers: { authorization: `Bearer ${mine.key}` },
      });
      const spend = ((await info.json()) as { info: { spend: number; total_requests: number } }).info;
      assert.ok(Math.abs(spend.spend - (row?.spendUsd ?? 0)) < 1e-12);
      assert.equal(spend.total_requests, 3);
    } finally {
      await gateway.close();
    }
  });
});
