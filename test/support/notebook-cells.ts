/**
 * Reading a course notebook's cells in a test: sources, saved outputs as text, and the first code cell that
 * matches — for tests that pin what a notebook teaches (its calls, its tables, its conclusions).
 */
import fs from "node:fs";
import path from "node:path";

/** A cell as the tests read it. */
export interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

/** A saved output. */
export interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  text?: string | string[];
}

/** The notebooks/ folder. */
export const NOTEBOOKS = path.resolve(__dirname, "..", "..", "notebooks");

/** The cells of notebooks/<file>. */
export function readCells(file: string): Cell[] {
  return (JSON.parse(fs.readFileSync(path.join(NOTEBOOKS, file), "utf8")) as { cells: Cell[] }).cells;
}

/** nbformat's multiline string as one string. */
export const join = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

/** An output's text: its stream text and every representation of its data. */
export const outputText = (o: Output): string => join(o.text) + Object.values(o.data ?? {}).map(join).join("");

/** Index, among `code`, of the first cell whose source matches (-1 when none). */
export function firstCode(code: Cell[], pattern: RegExp): number {
  return code.findIndex((c) => pattern.test(join(c.source)));
}
