/**
 * The autograder: an ordered list of single-concern steps (like nbgrader's
 * autograde preprocessors) — read the submission, assemble what runs
 * (steps/assemble), execute it in a fresh kernel (steps/execute), score each
 * test cell (steps/score).
 */
import path from "node:path";
import { checkExercise } from "./release";
import { readNotebook, type Notebook } from "./notebook";
import { assemble } from "./steps/assemble";
import { executePlan, type ExecuteLimits } from "./steps/execute";
import { scoreAll, type CellScore } from "./steps/score";

/** The grade of one submission (the `--json` shape, plus `warnings` and timing). */
export interface SubmissionGrade {
  file: string;
  score: number;
  max_score: number;
  cells: CellScore[];
  /** pt-BR notes: restored locked cells, reordering, suspicious code. */
  warnings: string[];
  /** Wall-clock time to grade, in ms. */
  ms: number;
  /** Kernels started (1 unless the submission killed or hung one). */
  kernel_starts: number;
}

/**
 * Grade one submission against the instructor's notebook.
 *
 * @param submission path of the student's .ipynb
 * @param source the instructor's notebook (already read and checked)
 * @param limits time limit per cell, restarts, kernel launch
 * @returns the grade
 * @throws CdlabError `ERR_NOT_NOTEBOOK`, `ERR_NOT_THIS_EXERCISE`, `ENOENT`… when it cannot be graded
 */
export async function gradeSubmission(submission: string, source: Notebook, limits: ExecuteLimits = {}): Promise<SubmissionGrade> {
  const t0 = Date.now();
  const nb = readNotebook(submission);
  const plan = assemble(source, nb, submission);
  const { results, kernelStarts } = await executePlan(plan.steps, limits);
  const cells = scoreAll(plan.grades, results);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    file: submission,
    score: round(cells.reduce((s, c) => s + c.points, 0)),
    max_score: round(cells.reduce((s, c) => s + c.max_points, 0)),
    cells,
    warnings: plan.warnings,
    ms: Date.now() - t0,
    kernel_starts: kernelStarts,
  };
}

/**
 * Read and check an instructor's notebook.
 *
 * @param file path of the source .ipynb
 * @returns the notebook
 * @throws CdlabError `ERR_BAD_EXERCISE` when its nbgrader metadata is wrong
 */
export function readSource(file: string): Notebook {
  const nb = readNotebook(file);
  checkExercise(nb, path.basename(file));
  return nb;
}

/**
 * Run a notebook's own tests (what `cdlab validate` does): the notebook is
 * graded against itself, so the tests are the ones it contains.
 *
 * @param file path of the .ipynb
 * @param limits as for grading
 * @returns the grade
 */
export async function validateNotebook(file: string, limits: ExecuteLimits = {}): Promise<SubmissionGrade> {
  return gradeSubmission(file, readSource(file), limits);
}
