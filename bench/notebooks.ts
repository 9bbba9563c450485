/**
 * Notebook benchmarks: the time to execute every lecture notebook in the cdlab
 * kernel (kernel start included), and the kernel's resident memory after
 * notebook 04, next to plain tslab's after start. Notebooks run from a temp
 * copy of notebooks/, so the repository's files are not touched.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../src/cli/kernelspec";
import { runDirect } from "./kernel";
import { makeSpecDir } from "./kernelspecs";
import type { BenchRow } from "./report";

interface NotebookResult {
  notebook: string;
  cells: number;
  start_ms: number;
  total_ms: number | null;
  errors: { cell: number | null; ename: string | null }[];
  rss_end_kib: number | null;
}

/** The lecture notebooks (top level of notebooks/), sorted. */
export function lectureNotebooks(dir = path.join(ROOT, "notebooks")): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Every notebook: the lectures, then the exercises (instructor versions) in exercicios/. */
export function allNotebooks(dir = path.join(ROOT, "notebooks")): string[] {
  const exercises = path.join(dir, "exercicios");
  return [...lectureNotebooks(dir), ...(fs.existsSync(exercises) ? lectureNotebooks(exercises) : [])];
}

/** The notebook section. */
export async function runNotebookBench(options: { log?: (line: string) => void } = {}): Promise<{ rows: BenchRow[]; raw: unknown }> {
  const log = options.log ?? (() => undefined);
  const specs = makeSpecDir();
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-bench-nb-"));
  try {
    fs.cpSync(path.join(ROOT, "notebooks"), copy, { recursive: true });
    const files = allNotebooks(copy);
    log(`notebooks: executing ${files.length} notebooks in the cdlab kernel`);
    const cdlab = (await runDirect(["notebooks", "cdlab", ...files], specs.jupyterPath)) as { notebooks: NotebookResult[] };
    log("notebooks: plain tslab's memory after start");
    const tslab = ((await runDirect(["rtt", "tslab", "--runs", "1", "--warmup", "0"], specs.jupyterPath)) as { kernels: { tslab: { rss_start_kib: number } } }).kernels.tslab;
    const rows: BenchRow[] = [];
    let total = 0;
    for (const r of cdlab.notebooks) {
      total += r.total_ms ?? 0;
      const errs = r.errors.length ? `${r.errors.length} failed cell(s): ${r.errors.map((e) => `${e.cell}:${e.ename}`).join(", ")}` : "";
      rows.push({ section: "notebooks", name: `execute ${path.relative(copy, r.notebook)}`, value: r.total_ms, unit: "ms", note: [`${r.cells} cells`, errs].filter(Boolean).join("; ") });
    }
    rows.push({ section: "notebooks", name: "execute all notebooks", value: total, unit: "ms", note: `${cdlab.notebooks.length} notebooks, one kernel each` });
    const nb04 = cdlab.notebooks.find((r) => path.relative(copy, r.notebook).startsWith("04-"));
    rows.push({
      section: "memory", name: "cdlab RSS after notebook 04", unit: "MiB",
      value: nb04?.rss_end_kib != null ? nb04.rss_end_kib / 1024 : null,
      reference: tslab.rss_start_kib / 1024, referenceName: "plain tslab after start",
      note: nb04 ? "plain tslab cannot run 04 (it imports cdlab)" : "no notebook 04 yet",
    });
    return { rows, raw: { cdlab: cdlab.notebooks, tslabRssStartKib: tslab.rss_start_kib } };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
    specs.remove();
  }
}
