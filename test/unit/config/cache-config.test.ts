import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { minimal, parse, problemsOf } from "./helpers.js";

describe("litellm_settings.cache and cache_params (docs/caching.md)", () => {
  test("are off unless cache: true, with a warning when only cache_params is set", () => {
    assert.equal(parse(minimal()).cache, undefined);
    const config = parse(minimal("litellm_settings:\n  cache_params: { ttl: 5 }\n"));
    assert.equal(config.cache, undefined);
    assert.ok(
      config.warnings.some((warning) => warning.startsWith("litellm_settings.cache_params: set, but")),
    );
  });

  test("cache: true alone is an in-memory cache with the documented defaults, for every surface", () => {
    const config = parse(minimal("litellm_settings:\n  cache: true\n"));
    assert.deepEqual(config.cache, {
      type: "local",
      redis: undefined,
      namespace: "switchboard:cache:",
      ttlSeconds: 3600,
      mode: "default_on",
      surfaces: ["chat_completions", "rpc", "messages", "responses"],
      scope: "key",
      cacheNondeterministic: false,
      maxEntryBytes: 1048576,
      maxMemoryBytes: 67108864,
      commandTimeoutMs: 200,
      coalesceWaitMs: 60000,
    });
    assert.ok(!config.warnings.some((warning) => warning.includes("cache")), config.warnings.join("\n"));
  });

  test("LiteLLM's Redis settings, with the password from the environment", () => {
    const config = parse(
      minimal(`litellm_settings:
  cache: true
  cache_params:
    type: redis
    host: cache.internal
    port: 6380
    password: os.environ/CACHE_PASSWORD
    namespace: litellm.caching
    default_in_redis_ttl: 120
    socket_timeout: 0.05
    supported_call_types: [acompletion, aembedding]
    mode: default_off
    scope: team
`),
      { CACHE_PASSWORD: "s3cret-cache-pw" },
    );
    const cache = config.cache;
    assert.ok(cache !== undefined);
    assert.deepEqual(cache.redis, { host: "cache.internal", port: 6380, password: "s3cret-cache-pw" });
    assert.equal(cache.namespace, "litellm.caching:");
    assert.equal(cache.ttlSeconds, 120);
    assert.equal(cache.commandTimeoutMs, 50);
    assert.deepEqual(cache.surfaces, ["chat_completions", "rpc"]);
    assert.equal(cache.mode, "default_off");
    assert.equal(cache.scope, "team");
    assert.ok(config.warnings.some((warning) => warning.includes("'aembedding' answers are not cached")));
    assert.ok(!config.warnings.join("\n").includes("s3cret-cache-pw"));
  });

  test("type redis without an address uses the gateway's Redis, or is an error", () => {
    const text = minimal("litellm_settings:\n  cache: true\n  cache_params: { type: redis }\n");
    assert.deepEqual(parse(text, { REDIS_URL: "redis://127.0.0.1:6379" }).cache?.redis, {
      url: "redis://127.0.0.1:6379",
    });
    assert.match(problemsOf(text).join("\n"), /cache_params.host: required for type redis/);
  });

  test("refuses what it cannot serve, naming the key", () => {
    assert.match(
      problemsOf(
        minimal("litellm_settings:\n  cache: true\n  cache_params: { type: redis-semantic }\n"),
      ).join("\n"),
      /litellm_settings.cache_params.type/,
    );
    assert.match(
      problemsOf(
        minimal(
          "litellm_settings:\n  cache: true\n  cache_params: { supported_call_types: [acompletion, nope] }\n",
        ),
      ).join("\n"),
      /supported_call_types\[1\]: unknown call type 'nope'/,
    );
    assert.match(
      problemsOf(minimal("litellm_settings:\n  cache: true\n  cache_params: { tll: 5 }\n")).join("\n"),
      /tll/,
    );
  });
});
