import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { databaseProbe, redisProbe } from "../../../src/observability/readiness.js";
import { deployment, startTestGateway } from "../../helpers/gateway.js";
import { POSTGRES_URL, REDIS_URL } from "../../helpers/usage-gateway.js";

const MOCK = [deployment("mock-gpt", "mock", "fixed")];

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function database(url: string): Kysely<unknown> {
  return new Kysely<unknown>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 500 }),
    }),
  });
}

async function readiness(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/health/readiness`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("/health/readiness probes the database, Redis and the journal", () => {
  it("database and Redis up → 200 healthy with LiteLLM's field names", async () => {
    const db = database(POSTGRES_URL);
    const app = await startTestGateway(MOCK, {
      observability: {
        readiness: {
          database: databaseProbe(db),
          redis: { ...redisProbe(REDIS_URL), required: true },
          journalDepth: () => 7,
          version: "1.2.3",
        },
      },
    });
    try {
      const { status, body } = await readiness(app.url);
      assert.equal(status, 200);
      assert.deepEqual(body, {
        status: "healthy",
        db: "connected",
        cache: "redis",
        redis: "connected",
        ledger_journal_depth: 7,
        switchboard_version: "1.2.3",
      });
    } finally {
      await app.close(500);
      await db.destroy();
    }
  });

  it("Redis down: 503 when limits fail closed, else 200 degraded; never a hang", async () => {
    const port = await closedPort();
    const db = database(POSTGRES_URL);
    const strict = await startTestGateway(MOCK, {
      observability: {
        readiness: {
          database: databaseProbe(db),
          redis: { ...redisProbe(`redis://127.0.0.1:${port}`), required: true },
        },
      },
    });
    const lenient = await startTestGateway(MOCK, {
      observability: {
        readiness: {
          database: databaseProbe(db),
          redis: { ...redisProbe(`redis://127.0.0.1:${port}`), required: false },
        },
      },
    });
    try {
      const down = await readiness(strict.url);
      assert.equal(down.status, 503);
      assert.equal(down.body["status"], "unhealthy");
      assert.equal(down.body["db"], "connected");
      assert.notEqual(down.body["redis"], "connected");
      const degraded = await readiness(lenient.url);
      assert.equal(degraded.status, 200);
      assert.equal(degraded.body["status"], "degraded");
      // Liveness does no I/O: still 200.
      assert.equal((await fetch(`${strict.url}/health/liveliness`)).status, 200);
    } finally {
      await strict.close(500);
      await lenient.close(500);
      await db.destroy();
    }
  });

  it("database down → 503, and the body names no host, user or password", async () => {
    const port = await closedPort();
    const db = database(`postgres://postgres:sk-db-canary-password@127.0.0.1:${port}/test`);
    const app = await startTestGateway(MOCK, {
      observability: { readiness: { database: databaseProbe(db), timeoutMs: 1_500 } },
    });
    try {
      const response = await fetch(`${app.url}/health/readiness`);
      const text = await response.text();
      assert.equal(response.status, 503);
      assert.equal((JSON.parse(text) as { db: string }).db, "disconnected");
      assert.ok(!text.includes("canary") && !text.includes(String(port)));
    } finally {
      await app.close(500);
      await db.destroy();
    }
  });

  it("shutting down → 503 at once, whatever the probes say", async () => {
    const app = await startTestGateway(MOCK, { observability: { readiness: { journalDepth: () => 0 } } });
    app.health.ready = false;
    const { status, body } = await readiness(app.url);
    assert.equal(status, 503);
    assert.equal(body["status"], "shutting_down");
    await app.close(500);
  });
});
