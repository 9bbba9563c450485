/**
 * Notebooks as the grader sees them: nbformat 4 JSON with nbgrader cell
 * metadata (schema v3), reading with clear errors, and writing like nbformat
 * (sorted keys, one-space indent, sources split in lines) so output is
 * deterministic.
 */
import fs from "node:fs";
import type * as nbformat from "@jupyterlab/nbformat";
import { CdlabError } from "../runtime/errors";

/** `metadata.nbgrader` of a cell (nbgrader schema v3). */
export interface NbgraderMeta extends nbformat.OutputMetadata {
  schema_version?: number;
  grade?: boolean;
  solution?: boolean;
  locked?: boolean;
  task?: boolean;
  grade_id?: string;
  points?: number;
  checksum?: string;
  cell_type?: string;
}

declare module "@jupyterlab/nbformat" {
  // Every cell's metadata may carry nbgrader's (nbformat's own types leave it to extensions).
  interface IBaseCellMetadata {
    nbgrader: NbgraderMeta;
  }
}

/** A notebook cell (nbformat 4). */
export type Cell = nbformat.ICell;
/** One output of a code cell (stream, error, execute_result, display_data). */
export type Output = nbformat.IOutput;
/** A notebook (nbformat 4). */
export type Notebook = nbformat.INotebookContent;

/** Is `cell` a code cell (the only kind with outputs and an execution count)? */
export function isCodeCell(cell: Cell): cell is nbformat.ICodeCell {
  return cell.cell_type === "code";
}

/** Is `output` an `execute_result` (the cell's last value)? */
export function isExecuteResult(output: Output): output is nbformat.IExecuteResult {
  return output.output_type === "execute_result";
}

/** A cell's source as one string (nbformat stores it as a list of lines). */
export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** nbgrader metadata of a cell, or undefined. */
export function nbMeta(cell: Cell): NbgraderMeta | undefined {
  const m = cell.metadata?.nbgrader;
  return m && typeof m === "object" ? m : undefined;
}

/** grade_id of a cell that has nbgrader metadata, or undefined. */
export function gradeId(cell: Cell): string | undefined {
  const id = nbMeta(cell)?.grade_id;
  return typeof id === "string" ? id : undefined;
}

/**
 * Parse notebook JSON, checking the shape the grader relies on.
 *
 * @param text the file's contents
 * @param file the path, for messages
 * @returns the notebook
 * @throws CdlabError `ERR_NOT_NOTEBOOK` when the text is not an nbformat 4 notebook
 */
export function parseNotebook(text: string, file: string): Notebook {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new CdlabError("ERR_NOT_NOTEBOOK", `Não foi possível ler o notebook "${file}": JSON inválido (${(e as Error).message})`);
  }
  const o = nb as Partial<Notebook>;
  if (!o || typeof o !== "object" || !Array.isArray(o.cells) || typeof o.nbformat !== "number") {
    throw new CdlabError("ERR_NOT_NOTEBOOK", `Não foi possível ler o notebook "${file}": não é um notebook do Jupyter (sem "cells" ou "nbformat")`);
  }
  if (o.nbformat !== 4) {
    throw new CdlabError("ERR_NOT_NOTEBOOK", `Não foi possível ler o notebook "${file}": nbformat ${o.nbformat} não é suportado (esperado 4)`);
  }
  for (const [i, c] of o.cells.entries()) {
    const ok =
      c && typeof c === "object" && typeof c.cell_type === "string" &&
      (typeof c.source === "string" || (Array.isArray(c.source) && c.source.every((l) => typeof l === "string")));
    if (!ok) throw new CdlabError("ERR_NOT_NOTEBOOK", `Não foi possível ler o notebook "${file}": a célula ${i + 1} está malformada`);
    if (!c.metadata || typeof c.metadata !== "object") c.metadata = {};
  }
  o.metadata ??= {};
  return o as Notebook;
}

/**
 * Read a notebook file.
 *
 * @param file path to an .ipynb
 * @returns the notebook
 * @throws CdlabError `ENOENT`/`EACCES`… when unreadable, `ERR_NOT_NOTEBOOK` when not a notebook
 */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "arquivo não encontrado" : err.code === "EISDIR" ? "é uma pasta" : err.message;
    throw new CdlabError(err.code ?? "ERR_UNKNOWN", `Não foi possível ler o notebook "${file}": ${why}`);
  }
  return parseNotebook(text, file);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Split text into lines that keep their "\n", as nbformat stores sources. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Serialize like nbformat's writer (`json.dumps(nb, sort_keys=True, indent=1,
 * ensure_ascii=False)` with multi-line strings split in lines): same input,
 * same bytes.
 *
 * @param nb the notebook
 * @returns the file's text, ending with a newline
 */
export function serializeNotebook(nb: Notebook): string {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  for (const c of copy.cells) {
    c.source = splitLines(cellSource(c));
    if (!isCodeCell(c)) continue;
    for (const o of c.outputs ?? []) {
      if (typeof o.text === "string") o.text = splitLines(o.text);
    }
  }
  return JSON.stringify(sortKeys(copy), null, 1) + "\n";
}
