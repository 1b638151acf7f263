import { stringify } from "yaml";

export type OutputFormat = "table" | "json" | "yaml";

/** Where and how a command prints. Colours only on a TTY and never with NO_COLOR (https://no-color.org). */
export interface Output {
  format: OutputFormat;
  color: boolean;
  write(text: string): void;
  note(text: string): void;
}

export function colorAllowed(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["TERM"] === "dumb") return false;
  return stream.isTTY === true;
}

const STYLES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39] } as const;
export type Style = keyof typeof STYLES;

export function paint(output: Pick<Output, "color">, style: Style, text: string): string {
  if (!output.color || text === "") return text;
  const [open, close] = STYLES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** A table cell: its text and, optionally, a colour applied after alignment (so escapes never skew widths). */
export type Cell = string | { text: string; style?: Style };

function cellText(cell: Cell): string {
  return typeof cell === "string" ? cell : cell.text;
}

const MAX_CELL = 48;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** Aligned columns, header in bold on a TTY; long cells are clipped so a row stays on one line. */
export function table(
  output: Pick<Output, "color">,
  headers: readonly string[],
  rows: readonly Cell[][],
): string {
  const texts = rows.map((row) => row.map((cell) => clip(cellText(cell))));
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...texts.map((row) => row[index]?.length ?? 0)),
  );
  const line = (cells: readonly string[], styles: readonly (Style | undefined)[]) =>
    cells
      .map((text, index) => {
        const padded = index === cells.length - 1 ? text : text.padEnd(widths[index] ?? 0);
        const style = styles[index];
        return style === undefined ? padded : paint(output, style, padded);
      })
      .join("  ")
      .trimEnd();
  const out = [
    line(
      headers,
      headers.map(() => "bold" as const),
    ),
  ];
  rows.forEach((row, rowIndex) => {
    out.push(
      line(
        texts[rowIndex] ?? [],
        row.map((cell) => (typeof cell === "string" ? undefined : cell.style)),
      ),
    );
  });
  return `${out.join("\n")}\n`;
}

/** "Field: value" lines for one object (get, create), labels aligned. */
export function record(output: Pick<Output, "color">, pairs: readonly [string, Cell][]): string {
  const shown = pairs.filter(([, cell]) => cellText(cell) !== "");
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  return `${shown
    .map(([label, cell]) => {
      const text = cellText(cell);
      const value =
        typeof cell !== "string" && cell.style !== undefined ? paint(output, cell.style, text) : text;
      return `${paint(output, "bold", `${label}:`.padEnd(width))}  ${value}`;
    })
    .join("\n")}\n`;
}

/** Machine output: JSON (pretty, one document) or YAML. */
export function machine(format: "json" | "yaml", value: unknown): string {
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}

/** One streamed item: a JSON line (NDJSON) or a YAML document. */
export function machineLine(format: "json" | "yaml", value: unknown): string {
  return format === "json" ? `${JSON.stringify(value)}\n` : `---\n${stringify(value)}`;
}

export function stateStyle(state: string): Style | undefined {
  switch (state) {
    case "active":
      return "green";
    case "blocked":
      return "yellow";
    case "revoked":
    case "expired":
      return "red";
    default:
      return undefined;
  }
}

/** "$1.2345" for money, "" when unset. */
export function usd(value: number | undefined): string {
  if (value === undefined) return "";
  return `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 6 : 4)}`;
}

/** A timestamp as RFC 3339 without milliseconds, "" when unset. */
export function time(value: Date | undefined): string {
  return value === undefined ? "" : value.toISOString().replace(/\.\d{3}Z$/, "Z");
}
