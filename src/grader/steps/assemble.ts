/**
 * Step 1 of grading: build what runs, from the source and the submission.
 *
 * - The source's order decides the order (a reordered submission runs in the
 *   original order; the student's own extra cells follow the nbgrader cell they
 *   followed in the submission).
 * - Solution cells come from the submission; locked cells and test cells come
 *   from the source, hidden tests included (never the submission's copy).
 * - A test cell whose submitted copy was edited or deleted is `tampered`
 *   (checksum of the submitted cell ≠ checksum of the released cell).
 * - A test cell's `cdlab:verdict` and `cdlab:probe` blocks stay with the
 *   grader (src/grader/verdict.ts): they are cut from the code that runs.
 */
import { CdlabError } from "../../runtime/errors";
import { computeChecksum, isGrade, isLocked, isSolution } from "../checksum";
import { cellSource, gradeId, type Cell, type Notebook } from "../notebook";
import { releaseCell } from "../release";
import { splitTest } from "../verdict";

/** Is the submitted copy of a locked cell the released cell (or the source cell itself)? */
function unchanged(mine: Cell, source: Cell): boolean {
  const sum = computeChecksum(mine);
  return sum === computeChecksum(releaseCell(source)) || sum === computeChecksum(source);
}

/** One piece of code to execute. */
export interface Step {
  kind: "locked" | "student" | "test";
  code: string;
  /** For tests and solution cells. */
  gradeId?: string;
  /** For tests: the cell's maximum points. */
  points?: number;
}

/** A test cell and how it ends up, before execution. */
export interface GradeCell {
  gradeId: string;
  points: number;
  /** Set when the submitted copy was edited or deleted. */
  tampered?: string;
  /** The verdict the grader runs on the cell's observations (never sent to the kernel). */
  verdict?: string;
  /** Probe declarations by name (never sent to the kernel). */
  probes?: Record<string, string>;
}

/** What to run and what to score. */
export interface Plan {
  steps: Step[];
  grades: GradeCell[];
  /** pt-BR notes for the report (restored locked cells, reordering, deleted cells). */
  warnings: string[];
}

/**
 * Build the plan for one submission.
 *
 * @param source the instructor's notebook (solutions, hidden tests)
 * @param submission the student's notebook
 * @param file the submission's path, for messages
 * @returns the plan
 * @throws CdlabError `ERR_NOT_THIS_EXERCISE` when the submission shares no grade_id with the source
 */
export function assemble(source: Notebook, submission: Notebook, file: string): Plan {
  const warnings: string[] = [];
  const sourceIds = new Set(source.cells.map(gradeId).filter((id): id is string => !!id));
  const submitted = new Map<string, Cell>();
  const extras = new Map<string | null, Cell[]>([[null, []]]);
  let anchor: string | null = null;
  const order: string[] = [];
  for (const c of submission.cells) {
    const id = gradeId(c);
    if (id && sourceIds.has(id)) {
      if (submitted.has(id)) {
        warnings.push(`célula "${id}" aparece mais de uma vez; só a primeira foi usada`);
        continue;
      }
      submitted.set(id, c);
      order.push(id);
      anchor = id;
      extras.set(id, []);
    } else if (c.cell_type === "code" && cellSource(c).trim()) {
      extras.get(anchor)!.push(c);
    }
  }
  const matched = [...sourceIds].filter((id) => submitted.has(id)).length;
  if (matched === 0) {
    throw new CdlabError("ERR_NOT_THIS_EXERCISE", `Não foi possível corrigir "${file}": ele não tem nenhuma célula deste exercício (nenhum grade_id em comum)`);
  }
  const sourceOrder = source.cells.map(gradeId).filter((id): id is string => !!id && submitted.has(id));
  if (order.join("\n") !== sourceOrder.join("\n")) warnings.push("células fora da ordem original; executadas na ordem original");

  const steps: Step[] = [];
  const grades: GradeCell[] = [];
  const studentCode = (c: Cell, id?: string) => steps.push({ kind: "student", code: cellSource(c), gradeId: id });
  for (const c of extras.get(null)!) studentCode(c);
  for (const c of source.cells) {
    const id = gradeId(c);
    const mine = id ? submitted.get(id) : undefined;
    if (id && c.cell_type === "code") {
      if (isSolution(c)) {
        if (isGrade(c)) warnings.push(`célula "${id}" é de correção manual; não foi pontuada`);
        if (!mine) warnings.push(`célula de solução "${id}" foi apagada`);
        else if (mine.cell_type !== "code") warnings.push(`célula de solução "${id}" não é mais de código`);
        else studentCode(mine, id);
      } else if (isGrade(c)) {
        const points = Number(c.metadata.nbgrader!.points);
        const tampered = !mine ? "célula de teste apagada" : !unchanged(mine, c) ? "célula de teste alterada" : undefined;
        const { code, verdict, probes } = splitTest(cellSource(c));
        grades.push({ gradeId: id, points, tampered, verdict, probes: Object.keys(probes).length ? probes : undefined });
        if (!tampered) steps.push({ kind: "test", code, gradeId: id, points });
      } else if (isLocked(c)) {
        if (!mine) warnings.push(`célula bloqueada "${id}" foi apagada; usada a original`);
        else if (!unchanged(mine, c)) warnings.push(`célula bloqueada "${id}" foi alterada; usada a original`);
        steps.push({ kind: "locked", code: cellSource(c), gradeId: id });
      }
    }
    if (id && mine) for (const e of extras.get(id) ?? []) studentCode(e);
  }
  return { steps, grades, warnings };
}
