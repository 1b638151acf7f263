// How many workers `switchboard` runs, and the flags that ask for them (pure: no process is started here; the
// processes themselves are in test/integration/workers.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCommand } from "../../../src/cli.js";
import { planWorkers } from "../../../src/cluster/workers.js";

const REDIS = "redis://127.0.0.1:6379";
const POSTGRES = "postgres://postgres@127.0.0.1:5432/test";

describe("planWorkers", () => {
  it("defaults to one per core with Redis and PostgreSQL, else one", () => {
    assert.deepEqual(
      planWorkers({ requested: undefined, redisUrl: REDIS, databaseUrl: POSTGRES, cores: 16 }),
      {
        workers: 16,
      },
    );
    for (const [redisUrl, databaseUrl] of [
      [undefined, undefined],
      [REDIS, undefined],
      [undefined, POSTGRES],
      ["", ""],
    ] as const) {
      assert.deepEqual(planWorkers({ requested: undefined, redisUrl, databaseUrl, cores: 16 }), {
        workers: 1,
      });
    }
  });

  it("takes an explicit count when state is shared, and one is always fine", () => {
    assert.deepEqual(planWorkers({ requested: 3, redisUrl: REDIS, databaseUrl: POSTGRES, cores: 2 }), {
      workers: 3,
    });
    assert.deepEqual(planWorkers({ requested: 1, redisUrl: undefined, databaseUrl: undefined, cores: 8 }), {
      workers: 1,
    });
  });

  it("refuses N > 1 without Redis or without PostgreSQL, naming what is missing", () => {
    const noRedis = planWorkers({ requested: 4, redisUrl: undefined, databaseUrl: POSTGRES, cores: 8 });
    assert.ok("refused" in noRedis);
    assert.match(noRedis.refused, /--workers 4/);
    assert.match(noRedis.refused, /Redis \(REDIS_URL\)/);
    assert.doesNotMatch(noRedis.refused, /PostgreSQL \(DATABASE_URL\)/);
    const noPostgres = planWorkers({ requested: 2, redisUrl: REDIS, databaseUrl: undefined, cores: 8 });
    assert.ok("refused" in noPostgres);
    assert.match(noPostgres.refused, /SQLite database is opened by one process only/);
  });
});

describe("--workers / --num_workers", () => {
  it("accepts both spellings", () => {
    assert.deepEqual(parseCommand(["--workers", "4"]), { kind: "serve", workers: 4 });
    assert.deepEqual(parseCommand(["--num_workers", "2", "--port", "8080"]), {
      kind: "serve",
      port: 8080,
      workers: 2,
    });
    assert.deepEqual(parseCommand(["-w", "3"]), { kind: "serve", workers: 3 });
  });

  it("refuses counts that are not 1-1024 whole numbers, and both spellings at once", () => {
    for (const value of ["0", "1.5", "two", "", "1025", "1e2", "0x10"]) {
      assert.throws(() => parseCommand(["--workers", value]), /--workers must be a whole number/, value);
    }
    assert.throws(() => parseCommand(["--workers", "-1"])); // parseArgs: "-1" is not a value
    assert.throws(() => parseCommand(["--workers", "2", "--num_workers", "2"]), /not both/);
  });
});
