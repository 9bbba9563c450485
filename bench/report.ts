/**
 * The benchmark table: one row per figure, next to its reference measured in
 * the same run and the target it is held to. Every section (kernel, net, ipc…)
 * returns rows; the runner prints them and writes them as JSON.
 *
 * Sections written by other areas (`bench/net.ts` → `runNetBench()`, …) may
 * return `BenchRow[]` directly; anything else they return is kept verbatim in
 * the JSON and shown as one row per numeric field (see {@link normalizeRows}).
 */

/** One figure of the benchmark table. */
export interface BenchRow {
  /** Section, e.g. "kernel", "net", "ipc". */
  section: string;
  /** What was measured, e.g. "trivial cell RTT p50 (direct)". */
  name: string;
  /** The subject's figure (cdlab's). `null` when it could not be measured. */
  value: number | null;
  /** Unit: "ms", "MiB/s", "MiB"… */
  unit: string;
  /** The reference's figure, measured in the same run. */
  reference?: number | null;
  /** What the reference is, e.g. "plain tslab". */
  referenceName?: string;
  /**
   * Target as a ratio value/reference: `{ max: 1.1 }` = at most 1.1 × the
   * reference (lower is better), `{ min: 0.9 }` = at least 0.9 × (higher is better).
   */
  target?: { max?: number; min?: number };
  /** Free text: sample size, why a figure is missing… */
  note?: string;
}

/** The ratio value/reference, or null when either is missing. */
export function ratio(row: BenchRow): number | null {
  if (row.value == null || row.reference == null || row.reference === 0) return null;
  return row.value / row.reference;
}

/** "ok", "MISSED" or "" (no target, or nothing to compare). */
export function verdict(row: BenchRow): string {
  const r = ratio(row);
  if (!row.target || r === null) return "";
  if (row.target.max !== undefined && r > row.target.max) return "MISSED";
  if (row.target.min !== undefined && r < row.target.min) return "MISSED";
  return "ok";
}

/** The p-th percentile (0–100) of `xs`, nearest-rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

function fmt(x: number | null | undefined): string {
  if (x == null || Number.isNaN(x)) return "—";
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function targetText(row: BenchRow): string {
  if (!row.target) return "";
  if (row.target.max !== undefined) return `≤ ${row.target.max}×`;
  if (row.target.min !== undefined) return `≥ ${row.target.min}×`;
  return "";
}

/** The rows as a plain-text table (also valid Markdown). */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ["section", "figure", "cdlab", "reference", "ratio", "target", "", "note"];
  const body = rows.map((r) => {
    const q = ratio(r);
    return [
      r.section,
      r.name,
      `${fmt(r.value)} ${r.unit}`,
      r.referenceName ? `${fmt(r.reference)} ${r.unit} (${r.referenceName})` : "",
      q === null ? "" : `${q.toFixed(2)}×`,
      targetText(r),
      verdict(r),
      r.note ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

/**
 * Rows from whatever a section returned: `BenchRow[]` as is; an object or an
 * array of objects becomes one row per numeric field (value only), so a section
 * written before this format still shows up.
 */
export function normalizeRows(section: string, result: unknown): BenchRow[] {
  const isRow = (x: unknown): x is BenchRow =>
    typeof x === "object" && x !== null && "name" in x && "value" in x && "unit" in x;
  const list = Array.isArray(result) ? result : result && typeof result === "object" && Array.isArray((result as { rows?: unknown }).rows) ? (result as { rows: unknown[] }).rows : [result];
  const rows: BenchRow[] = [];
  for (const [i, item] of list.entries()) {
    if (isRow(item)) rows.push({ ...item, section: item.section ?? section });
    else if (item && typeof item === "object") {
      const label = (item as { name?: unknown }).name;
      for (const [k, v] of Object.entries(item)) {
        if (typeof v === "number") rows.push({ section, name: `${typeof label === "string" ? label : `#${i + 1}`} ${k}`, value: v, unit: "" });
      }
    } else if (typeof item === "number") rows.push({ section, name: `#${i + 1}`, value: item, unit: "" });
  }
  return rows;
}
