import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfiguredModelCatalog } from "../../../src/core/catalog/model-catalog.js";
import type { Limiter } from "../../../src/limits/limiter.js";
import { createLogger } from "../../../src/logging/logger.js";
import { PriceTable } from "../../../src/usage/price-table.js";
import { UnpricedWarnings } from "../../../src/usage/unpriced-warnings.js";
import type { UsageLedger } from "../../../src/usage/usage-ledger.js";
import { UsageMeter } from "../../../src/usage/usage-meter.js";

/** Issue 11: 5,000 distinct unpriced model names wrote 4,999 warning lines; now bounded in lines and memory. */

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger("info", { write: (line: string) => void lines.push(line) }) };
}

describe("guards: unpriced-model warnings are bounded", () => {
  it("5,000 distinct unpriced names through the meter write a bounded number of lines", () => {
    const { lines, logger } = capture();
    const meter = new UsageMeter({
      prices: new PriceTable(),
      catalog: new ConfiguredModelCatalog([]),
      // Not used by warnUnpriced.
      limiter: undefined as unknown as Limiter,
      ledger: undefined as unknown as UsageLedger,
      logger,
    });
    for (let index = 0; index < 5_000; index++)
      meter.warnUnpriced({ provider: "openai", model: `no-price-${index}` });
    const individual = lines.filter((line) => line.includes("model is unpriced"));
    const suppressed = lines.filter((line) => line.includes("further warnings are suppressed"));
    assert.equal(individual.length, 20);
    assert.equal(suppressed.length, 1);
    assert.ok(lines.length <= 21, `${lines.length} lines for 5,000 names`);
    process.stdout.write(
      `# unpriced warnings: 5000 distinct names -> ${lines.length} log lines (before: 5000)\n`,
    );
  });

  it("warns once per model per interval, again after it, and counts what it left out", () => {
    const { lines, logger } = capture();
    let now = 1_000_000;
    const warnings = new UnpricedWarnings({
      logger,
      intervalMs: 60_000,
      maxLinesPerInterval: 3,
      now: () => now,
    });
    for (let round = 0; round < 100; round++) warnings.warn("openai", "same-model");
    assert.equal(lines.length, 1, "one line for one model, however often it is used");
    for (const name of ["b", "c", "d", "e", "f"]) warnings.warn("openai", name);
    // 3 individual lines (same-model, b, c), then one "suppressed" line for d, e, f.
    assert.equal(lines.filter((line) => line.includes("model is unpriced")).length, 3);
    assert.equal(lines.filter((line) => line.includes("suppressed")).length, 1);
    now += 60_001;
    warnings.warn("openai", "same-model");
    const summary = lines.find((line) => line.includes("not warned about individually"));
    assert.ok(summary, "the next interval starts with a count of what was left out");
    assert.equal(
      (JSON.parse(summary) as { unpriced_models_not_listed: number }).unpriced_models_not_listed,
      3,
    );
    assert.ok(
      lines.at(-1)?.includes('"model":"same-model"'),
      "a model is warned about again in a new interval",
    );
  });

  it("remembers a bounded number of names (LRU), whatever callers send", () => {
    const warnings = new UnpricedWarnings({ maxTracked: 100 });
    for (let index = 0; index < 5_000; index++) warnings.warn("openai", `m-${index}`);
    assert.equal(warnings.tracked, 100);
  });
});
