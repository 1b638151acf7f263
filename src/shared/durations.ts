const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };
const DURATION = /^([1-9][0-9]{0,5})([smhdw])$/;

/** LiteLLM-style budget durations ("30s", "10m", "24h", "30d", "1w") in seconds; undefined when malformed. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = UNIT_SECONDS[match[2] ?? ""];
  return unit === undefined ? undefined : amount * unit;
}
