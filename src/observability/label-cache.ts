import { scrubSecrets } from "../shared/secret-scrubber.js";

/**
 * A label whose values come from outside the gateway's control (model groups matched by a wildcard, provider
 * model names): the first `cap` distinct values are kept, every later one reads `other`, so a caller sending a
 * thousand model names cannot grow the series count (prometheus.io/docs/practices/naming: cardinality).
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly cap: number) {}

  value(raw: string | undefined): string {
    if (raw === undefined || raw === "") return "unknown";
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.cap || raw.length > MAX_LABEL_LENGTH) return OTHER;
    // Checked once per distinct value: a configured secret or a credential shape never becomes a label.
    if (scrubSecrets(raw) !== raw) return OTHER;
    this.seen.add(raw);
    return raw;
  }
}

export const OTHER = "other";
const MAX_LABEL_LENGTH = 200;

type Level<T> = Map<string, T>;

/**
 * prom-client children (`metric.labels(...)`), cached per label values in nested maps: after the first request
 * with a given label set, an increment allocates nothing and hashes nothing.
 */
export class ChildCache<C> {
  private readonly root: Level<Level<Level<Level<Level<C>>>>> = new Map();

  constructor(
    private readonly arity: number,
    private readonly create: (values: string[]) => C,
  ) {}

  get(v0: string, v1 = "", v2 = "", v3 = "", v4 = ""): C {
    const l1 = step(this.root, v0);
    const l2 = step(l1, v1);
    const l3 = step(l2, v2);
    const l4 = step(l3, v3);
    let child = l4.get(v4);
    if (child === undefined) {
      child = this.create([v0, v1, v2, v3, v4].slice(0, this.arity));
      l4.set(v4, child);
    }
    return child;
  }
}

function step<T>(map: Map<string, Map<string, T>>, key: string): Map<string, T> {
  let next = map.get(key);
  if (next === undefined) {
    next = new Map();
    map.set(key, next);
  }
  return next;
}
