// Markdown rendering of benchmark results: one table per scenario, arms as columns, plus the comparisons the
// issue asks for (Switchboard and Portkey against direct, Switchboard against Portkey).

/** Formats a number for the table ("—" when missing). */
export function fmt(value, digits = 2) {
  if (value === undefined || value === null || !Number.isFinite(value)) return "—";
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(digits);
}

/** Compares `value` with `base`: "diff" (+x), "pct" (value as % of base) or "ratio" (value ÷ base, "n×"). */
export function compare(mode, value, base, digits = 2) {
  if (!Number.isFinite(value) || !Number.isFinite(base)) return "—";
  switch (mode) {
    case "diff": {
      const delta = value - base;
      return `${delta >= 0 ? "+" : ""}${delta.toFixed(digits)}`;
    }
    case "pct":
      return base === 0 ? "—" : `${((value / base) * 100).toFixed(1)}%`;
    case "ratio":
      return base === 0 ? "—" : `${(value / base).toFixed(2)}×`;
    default:
      return "";
  }
}

/** A GitHub markdown table. */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.map((cell) => String(cell).replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const ARM_ORDER = ["direct", "bare", "switchboard", "switchboard-key", "portkey"];
const ARM_LABELS = {
  direct: "direct",
  bare: "bare pipe",
  switchboard: "Switchboard",
  "switchboard-key": "Switchboard, virtual key",
  portkey: "Portkey",
};

/**
 * The usual scenario table. `result` maps arm name → measured fields; each row spec gives `label`, `get(fields)`,
 * how Switchboard and Portkey compare with direct (`vsDirect`) and Switchboard with Portkey (`vsPortkey`), and the
 * target from the issue.
 */
export function armTable(result, rowSpecs) {
  const arms = ARM_ORDER.filter((name) => result[name] !== undefined);
  const header = [
    "metric",
    ...arms.map((name) => ARM_LABELS[name]),
    "Switchboard vs direct",
    "Portkey vs direct",
    "Switchboard vs Portkey",
    "Switchboard ÷ bare pipe (master key / virtual key)",
    "target",
  ];
  const rows = rowSpecs.map((spec) => {
    const value = (name) => (result[name] === undefined ? Number.NaN : spec.get(result[name]));
    const digits = spec.digits ?? 2;
    return [
      spec.label,
      ...arms.map((name) => fmt(value(name), digits)),
      spec.vsDirect ? compare(spec.vsDirect, value("switchboard"), value("direct"), digits) : "",
      spec.vsDirect ? compare(spec.vsDirect, value("portkey"), value("direct"), digits) : "",
      spec.vsPortkey ? compare(spec.vsPortkey, value("switchboard"), value("portkey"), digits) : "",
      spec.vsBare
        ? `${compare("ratio", value("switchboard"), value("bare"))} / ${compare("ratio", value("switchboard-key"), value("bare"))}`
        : "",
      spec.target ?? "",
    ];
  });
  return markdownTable(header, rows);
}
