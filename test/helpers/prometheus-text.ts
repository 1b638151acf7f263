/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats):
 * every sample belongs to a family declared by `# TYPE`, names and label names are valid, label values are
 * properly escaped, values are floats; histogram buckets are cumulative and end at `+Inf` equal to `_count`.
 * Empty lines are skipped, as the format says. Anything else throws, naming the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string | undefined;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const [index, line] of lines.entries()) {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (match === null) continue; // a plain comment
      const [, what, name = "", rest = ""] = match;
      if (!NAME.test(name)) fail("bad metric name");
      const family = families.get(name) ?? { type: "untyped", help: undefined, samples: [] };
      if (what === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) fail("bad type");
        if (family.samples.length > 0) fail("TYPE after samples");
        family.type = rest as Family["type"];
      } else family.help = rest;
      families.set(name, family);
      continue;
    }
    // The format ignores empty lines (prom-client puts one between families); a line of only blanks is not empty.
    if (line === "") continue;
    if (line.trim() === "") fail("a line of only whitespace");
    const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (nameMatch === null) fail("no metric name");
    const name = nameMatch?.[1] as string;
    let position = name.length;
    const labels: Record<string, string> = {};
    if (line[position] === "{") {
      position++;
      while (line[position] !== "}") {
        const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(position));
        if (labelMatch === null) throw new Error(`line ${index + 1}: bad label`);
        const labelName = labelMatch[1] as string;
        if (!LABEL.test(labelName) || labelName in labels) fail("bad or repeated label name");
        position += labelMatch[0].length;
        let value = "";
        for (;;) {
          const char = line[position];
          if (char === undefined) fail("unterminated label value");
          if (char === '"') break;
          if (char === "\\") {
            const next = line[position + 1];
            if (next === "\\") value += "\\";
            else if (next === '"') value += '"';
            else if (next === "n") value += "\n";
            else fail("bad escape");
            position += 2;
            continue;
          }
          value += char;
          position++;
        }
        position++;
        labels[labelName] = value;
        if (line[position] === ",") position++;
        else if (line[position] !== "}") fail("expected , or }");
      }
      position++;
    }
    if (line[position] !== " ") fail("expected a space before the value");
    const parts = line.slice(position + 1).split(" ");
    if (parts.length > 2) fail("too many fields");
    const raw = parts[0] as string;
    const value = parseGoFloat(raw);
    if (value === undefined) fail("bad value");
    const family = familyOf(families, name);
    if (family === undefined) fail("sample without a TYPE-declared family");
    family?.samples.push({ name, labels, value: value as number });
  }
  for (const [name, family] of families) if (family.type === "histogram") checkHistogram(name, family);
  return families;
}

/**
 * A sample value as Prometheus reads it (Go's strconv.ParseFloat): a decimal number, or NaN / Inf / Infinity
 * with an optional sign, case-insensitively (prom-client writes an empty event-loop histogram's mean as "Nan").
 */
function parseGoFloat(raw: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(raw);
  if (special !== null) {
    if ((special[2] as string).toLowerCase() === "nan") return special[1] === "" ? Number.NaN : undefined;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

function familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  const exact = families.get(sample);
  if (exact !== undefined) return exact;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, -suffix.length));
    if (family !== undefined && (family.type === "histogram" || family.type === "summary")) return family;
  }
  return undefined;
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([name]) => name !== "le")
      .sort(),
  );
}

function checkHistogram(name: string, family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of family.samples) {
    const key = seriesKey(sample.labels);
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name === `${name}_bucket`) {
      const le = sample.labels["le"];
      if (le === undefined) throw new Error(`${name}: bucket without le`);
      entry.buckets.push([le === "+Inf" ? Infinity : Number(le), sample.value]);
    } else if (sample.name === `${name}_count`) entry.count = sample.value;
  }
  for (const [key, entry] of series) {
    if (entry.buckets.length < 2) throw new Error(`${name}${key}: fewer than two buckets`);
    for (let i = 1; i < entry.buckets.length; i++) {
      const [le, count] = entry.buckets[i] as [number, number];
      const [previousLe, previousCount] = entry.buckets[i - 1] as [number, number];
      if (!(le > previousLe) || count < previousCount)
        throw new Error(`${name}${key}: buckets not cumulative`);
    }
    const last = entry.buckets[entry.buckets.length - 1] as [number, number];
    if (last[0] !== Infinity || last[1] !== entry.count)
      throw new Error(`${name}${key}: +Inf bucket != _count`);
  }
}

/** The sum of a family's samples named `sample` whose labels include `match`. */
export function total(
  families: Map<string, Family>,
  sample: string,
  match: Record<string, string> = {},
): number {
  const family = familyOf(families, sample);
  if (family === undefined) return 0;
  let sum = 0;
  for (const entry of family.samples) {
    if (entry.name !== sample) continue;
    if (Object.entries(match).every(([name, value]) => entry.labels[name] === value)) sum += entry.value;
  }
  return sum;
}
