/**
 * Turning what went wrong in a cell into a Jupyter error (ename, evalue, a
 * short traceback) that points at the student's cell line, never at tslab's
 * or Node's internals. Pure functions, tested alone in test/kernel/traceback.test.ts.
 */
import util from "node:util";
import { EXPORTED_VALUE, type Diag } from "./tslab";

export type { Diag };

/** A Jupyter error: `ename`, `evalue`, `traceback` lines. */
export interface JupyterError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** A cell the kernel ran: its TypeScript source and the JavaScript that ran. */
export interface CellSource {
  ts: string;
  js: string;
}

/** The file name the kernel gives the JavaScript of cell `n`. */
export function cellFileName(n: number): string {
  return `cdlab-cell-${n}.js`;
}

/** ename and message of an interrupted cell. */
export const INTERRUPTED: JupyterError = {
  ename: "KeyboardInterrupt",
  evalue: "Execução interrompida (interrupted)",
  traceback: ["KeyboardInterrupt: Execução interrompida (interrupted)"],
};

/** Source lines around `line` (1-based), Python style: `----> 2 code`. */
function context(src: string, line: number, column?: number): string[] {
  const lines = src.split("\n");
  const out: string[] = [];
  const width = String(Math.min(lines.length, line + 1)).length;
  for (let i = Math.max(1, line - 1); i <= Math.min(lines.length, line + 1); i++) {
    const mark = i === line ? "---->" : "     ";
    out.push(`${mark} ${String(i).padStart(width)} ${lines[i - 1]}`);
    if (i === line && column !== undefined) out.push(" ".repeat(7 + width + column) + "^");
  }
  return out;
}

/** A diagnostic's name as TypeScript prints it (`TS2304`), or `TSError` when it has no code. */
function diagName(d: Diag | undefined): string {
  return d?.code ? `TS${d.code}` : "TSError";
}

/**
 * A compile error (syntax or type) from TypeScript diagnostics. Its `ename`
 * names the first diagnostic (`TS2304`), or is `SyntaxError` when the cell does
 * not parse; `TSError` if the diagnostic has no code.
 *
 * @param cell the execution count, shown as `Cell In[n]`
 * @param syntax true when the cell does not parse (SyntaxError), else a type error
 */
export function compileError(diags: Diag[], src: string, cell: number, syntax: boolean): JupyterError {
  const ename = syntax ? "SyntaxError" : diagName(diags[0]);
  const tb: string[] = [];
  const lines = src.split("\n").length;
  // After a syntax error the other diagnostics are mostly noise.
  const shown = syntax ? diags.slice(0, 1) : diags.slice(0, 5);
  for (const d of shown) {
    const where = d.file ? `File ${d.file}` : `Cell In[${cell}]`;
    const line = Math.min(d.line + 1, lines);
    tb.push(`${where}, line ${line}:`);
    if (!d.file) tb.push(...context(src, line, d.line + 1 <= lines ? d.column : undefined));
    tb.push(syntax ? `${ename}: ${d.message}${d.code ? ` (${diagName(d)})` : ""}` : `${diagName(d)}: ${d.message}`, "");
  }
  if (diags.length > shown.length) tb.push(`(+${diags.length - shown.length} more)`);
  const first = diags[0];
  const evalue = first ? `${first.message} (line ${Math.min(first.line + 1, lines)})` : "compilation failed";
  return { ename, evalue, traceback: tb.length ? tb.slice(0, tb[tb.length - 1] === "" ? -1 : undefined) : [`${ename}: ${evalue}`] };
}

const norm = (s: string) => s.replace(/\s+/g, "").replace(/;+$/, "");

/**
 * The TypeScript line (1-based) that produced a JavaScript line, found by
 * text: tslab's emit keeps statements but not line numbers.
 */
export function mapLine(cell: CellSource, jsLine: number, jsColumn: number): number | undefined {
  const js = cell.js.split("\n")[jsLine - 1];
  if (js === undefined) return undefined;
  const tsLines = cell.ts.split("\n").map(norm);
  const whole = norm(js.replace(EXPORTED_VALUE, ""));
  const tries = [whole, norm(js.slice(Math.max(0, jsColumn - 1))).slice(0, 16), norm(js.slice(Math.max(0, jsColumn - 1))).slice(0, 6)];
  for (const t of tries) {
    if (t.length < 2) continue;
    const i = tsLines.findIndex((l) => l.includes(t));
    if (i >= 0) return i + 1;
  }
  return undefined;
}

/** Stack frames of cell code: `{ cell, line, column }`, innermost first. */
export function cellFrames(stack: string): { cell: number; line: number; column: number }[] {
  const out: { cell: number; line: number; column: number }[] = [];
  const re = /cdlab-cell-(\d+)\.js:(\d+):(\d+)/g;
  for (let m = re.exec(stack); m; m = re.exec(stack)) out.push({ cell: +m[1], line: +m[2], column: +m[3] });
  return out;
}

/**
 * A runtime error (a throw, a rejected await) as a Jupyter error.
 *
 * @param cells the cells run so far, by execution count
 */
export function runtimeError(value: unknown, cells: ReadonlyMap<number, CellSource>): JupyterError {
  if (!(value instanceof Error) && !(typeof value === "object" && value !== null && "stack" in value)) {
    const evalue = util.inspect(value);
    return { ename: "Uncaught", evalue, traceback: [`Uncaught ${evalue}`] };
  }
  const e = value as Error & { code?: unknown };
  const ename = e.name || e.constructor?.name || "Error";
  const evalue = String(e.message ?? "");
  const tb: string[] = [];
  const frames = cellFrames(String(e.stack ?? "")).slice(0, 4).reverse();
  const mapped = frames.map((f) => {
    const cell = cells.get(f.cell);
    return { ...f, src: cell?.ts, at: cell && mapLine(cell, f.line, f.column) };
  });
  // Frames with no line of their own (the cell's wrapper) only add noise.
  const useful = mapped.some((f) => f.at !== undefined) ? mapped.filter((f) => f.at !== undefined) : mapped.slice(-1);
  for (const f of useful) {
    if (f.at === undefined || f.src === undefined) tb.push(`Cell In[${f.cell}]`);
    else tb.push(`Cell In[${f.cell}], line ${f.at}`, ...context(f.src, f.at), "");
  }
  const code = typeof e.code === "string" ? ` [${e.code}]` : "";
  tb.push(`${ename}${code}: ${evalue}`);
  return { ename, evalue, traceback: tb };
}

/** One line + the student-code frames of an error thrown in a callback. */
export function describeUncaught(kind: string, value: unknown, cells: ReadonlyMap<number, CellSource>): string {
  const err = runtimeError(value, cells);
  const where = err.traceback.filter((l) => l.startsWith("Cell In[")).join(" <- ");
  return `${kind}: ${err.ename}: ${err.evalue}${where ? ` (${where})` : ""}\n`;
}
