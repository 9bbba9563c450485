/**
 * The student version of an exercise (like nbgrader's generate_assignment):
 * solution regions become a stub that throws "Ainda não implementado", hidden
 * test regions are removed, outputs are cleared, locked cells are marked
 * read-only, and checksums are recorded. Deterministic: same source, same bytes.
 */
import { CdlabError } from "../runtime/errors";
import { computeChecksum, isGrade, isLocked, isSolution } from "./checksum";
import { cellSource, gradeId, nbMeta, type Cell, type Notebook } from "./notebook";

/** The code that replaces a solution region. */
export const CODE_STUB = '// SEU CÓDIGO AQUI\nthrow new Error("Ainda não implementado");';
/** The text that replaces a written (markdown) answer. */
export const TEXT_STUB = "SUA RESPOSTA AQUI";

const MARKERS = {
  solution: ["BEGIN SOLUTION", "END SOLUTION"],
  hidden: ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS"],
} as const;

/** A mistake in the instructor's exercise: English, like the rest of `cdlab release`/`validate` (no student sees it). */
function badExercise(where: string, what: string): CdlabError {
  return new CdlabError("ERR_BAD_EXERCISE", `${where}: ${what}`); // english: instructor-only
}

/**
 * Replace or drop the lines between a BEGIN/END pair (nbgrader's rule: a line
 * containing the marker text starts/ends the region, markers included).
 *
 * @returns the new source and whether a region was found
 */
export function replaceRegions(source: string, kind: keyof typeof MARKERS, stub: string | null, where: string): { source: string; found: boolean } {
  const [begin, end] = MARKERS[kind];
  const out: string[] = [];
  let inside = false;
  let found = false;
  for (const line of source.split("\n")) {
    if (line.includes(begin)) {
      if (inside) throw badExercise(where, `nested "${begin}"`);
      inside = found = true;
      if (stub !== null) {
        const indent = /^\s*/.exec(line)![0];
        for (const s of stub.split("\n")) out.push(indent + s);
      }
    } else if (line.includes(end)) {
      if (!inside) throw badExercise(where, `"${end}" without "${begin}"`);
      inside = false;
    } else if (!inside) out.push(line);
  }
  if (inside) throw badExercise(where, `"${begin}" without "${end}"`);
  return { source: out.join("\n"), found };
}

/** Remove the hidden test regions of a source. */
export function stripHiddenTests(source: string, where = "cell"): string {
  return replaceRegions(source, "hidden", null, where).source;
}

const describe = (i: number, c: Cell) => `cell ${i + 1}${gradeId(c) ? ` ("${gradeId(c)}")` : ""}`;

/**
 * Check an exercise's nbgrader metadata (schema v3 rules nbgrader enforces).
 *
 * @param nb the instructor's notebook
 * @param file its path, for messages
 * @throws CdlabError `ERR_BAD_EXERCISE` naming the first problem
 */
export function checkExercise(nb: Notebook, file: string): void {
  const ids = new Set<string>();
  let graded = 0;
  for (const [i, c] of nb.cells.entries()) {
    const m = nbMeta(c);
    if (!m) continue;
    const where = `${file}: ${describe(i, c)}`;
    if (m.schema_version !== 3) throw badExercise(where, `nbgrader schema_version must be 3, got ${JSON.stringify(m.schema_version)}`);
    for (const k of ["grade", "solution", "locked", "task"] as const) {
      if (m[k] !== undefined && typeof m[k] !== "boolean") throw badExercise(where, `nbgrader "${k}" must be true or false`);
    }
    if (!(m.grade || m.solution || m.locked)) continue;
    const id = m.grade_id;
    if (typeof id !== "string" || !/^[a-zA-Z0-9_-]+$/.test(id)) throw badExercise(where, `grade_id must be letters, digits, "_" or "-"`);
    if (ids.has(id)) throw badExercise(where, `duplicate grade_id "${id}"`);
    ids.add(id);
    if (m.grade) {
      if (typeof m.points !== "number" || !(m.points >= 0)) throw badExercise(where, `grade cell needs "points" >= 0`);
      graded++;
    }
    if (c.cell_type === "markdown" && !!m.grade !== !!m.solution && !m.task) {
      throw badExercise(where, `a markdown grade cell must also be a solution cell`);
    }
    const src = cellSource(c);
    if (replaceRegions(src, "solution", null, where).found && !m.solution) throw badExercise(where, `solution region in a cell that is not a solution cell`);
    if (replaceRegions(src, "hidden", null, where).found && !m.grade) throw badExercise(where, `hidden tests in a cell that is not a grade cell`);
  }
  if (graded === 0) throw badExercise(file, "no grade cells (cells with metadata.nbgrader.grade = true)");
}

/**
 * The student version of one cell.
 *
 * @param cell a cell of the instructor's notebook
 * @param where for messages
 * @returns a new cell
 */
export function releaseCell(cell: Cell, where = "cell"): Cell {
  const out: Cell = JSON.parse(JSON.stringify(cell));
  let src = cellSource(out);
  if (src.includes(MARKERS.solution[0]) || isSolution(out)) {
    const stub = out.cell_type === "code" ? CODE_STUB : TEXT_STUB;
    const r = replaceRegions(src, "solution", stub, where);
    src = r.found ? r.source : isSolution(out) ? stub : src;
  }
  src = stripHiddenTests(src, where);
  out.source = src;
  if (out.cell_type === "code") {
    out.outputs = [];
    out.execution_count = null;
  }
  const m = nbMeta(out);
  if (m && (isGrade(out) || isSolution(out) || isLocked(out))) {
    // nbgrader's LockCells defaults: solution cells cannot be deleted; test
    // and read-only cells can be neither deleted nor edited.
    if (isSolution(out)) out.metadata.deletable = false;
    else {
      out.metadata.editable = false;
      out.metadata.deletable = false;
    }
    m.checksum = computeChecksum(out);
    m.cell_type = out.cell_type;
  }
  return out;
}

/**
 * The student version of an exercise notebook.
 *
 * @param nb the instructor's notebook (solutions and hidden tests)
 * @param file its path, for messages
 * @returns the student's notebook
 * @throws CdlabError `ERR_BAD_EXERCISE` when the metadata or markers are wrong
 * @example
 * ```ts
 * import { readNotebook } from "./notebook";
 * import { releaseNotebook } from "./release";
 * const student = releaseNotebook(readNotebook("01-grosch.ipynb"), "01-grosch.ipynb");
 * ```
 */
export function releaseNotebook(nb: Notebook, file = "notebook"): Notebook {
  checkExercise(nb, file);
  const metadata = JSON.parse(JSON.stringify(nb.metadata)) as Notebook["metadata"];
  delete metadata.celltoolbar;
  return {
    ...nb,
    metadata,
    cells: nb.cells.map((c, i) => releaseCell(c, `${file}: ${describe(i, c)}`)),
  };
}
