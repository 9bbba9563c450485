/**
 * The autograder: an ordered list of single-concern steps (like nbgrader's
 * autograde preprocessors) — read the submission, assemble what runs
 * (steps/assemble), execute it in a fresh kernel (steps/execute), score each
 * test cell from the kernel's replies (steps/score), then let the verdicts of
 * the hidden tests decide in this process (steps/judge), with probes measured
 * from a process of their own (probe.ts).
 */
import path from "node:path";
import { CdlabError } from "../runtime/errors";
import { isRunning } from "../proc/child";
import { checkExercise } from "./release";
import { readNotebook, type Notebook } from "./notebook";
import { assemble } from "./steps/assemble";
import { executePlan, type ExecuteLimits } from "./steps/execute";
import { scoreAll, type CellScore } from "./steps/score";
import { judgeAll } from "./steps/judge";
import { PROBE_ADDRESS_KEY } from "./observe";
import { networkOf, startProbes, type ProbeLauncher, type ProbeProcess } from "./probe";
import type { KernelClient } from "../jupyter/kernel-client";
import { probeSpecs } from "./verdict";

/** Limits and options of {@link gradeSubmission}. */
export interface GradeOptions extends ExecuteLimits {
  /** How the probe process starts. @default it enters the kernel's network namespace when the sandbox gave it one */
  probe?: ProbeLauncher;
}

/** The grade of one submission (the `--json` shape, plus `warnings` and timing). */
export interface SubmissionGrade {
  file: string;
  score: number;
  max_score: number;
  cells: CellScore[];
  /** pt-BR notes: restored locked cells, reordering, deleted cells. */
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
export async function gradeSubmission(submission: string, source: Notebook, limits: GradeOptions = {}): Promise<SubmissionGrade> {
  const t0 = Date.now();
  const nb = readNotebook(submission);
  const plan = assembleOrReject(source, nb, submission);
  const specs = probeSpecs(Object.assign({}, ...plan.grades.map((g) => g.probes ?? {})));
  const probeResults = new Map<string, unknown>();
  let probes: ProbeProcess | undefined;
  let probeTrouble: string | undefined;
  // Each kernel gets its own probe process, in its network namespace, started while the kernel runs the grader's
  // prelude; the address goes in right after it, before any student code runs.
  const onKernel = async (k: KernelClient): Promise<string | void> => {
    const before = await limits.onKernel?.(k);
    await probes?.close();
    probes = undefined;
    try {
      // A spare kernel's probe process was started with it; a launcher of the caller's (tests) starts its own.
      const started = limits.probe?.prefix ? undefined : limits.spares?.takeProbe(k.pid);
      const launcher = { prefix: limits.probe?.prefix ?? networkOf(k.pid), kernelPid: limits.probe?.kernelPid ?? k.pid };
      const alive = started && isRunning(started) ? started : undefined;
      // The spare's probe only while it runs; one that died (before or while taking its plan) costs a cold probe start.
      probes = await (alive ? startProbes(specs, launcher, probeResults, alive).catch(() => startProbes(specs, launcher, probeResults)) : startProbes(specs, launcher, probeResults));
    } catch (e) {
      // The cells' probes then do not run and their verdicts fail: say why, it is the grader's machine, not the student.
      probeTrouble = `as sondas do corretor não puderam começar (${(e as Error).message}); testes que dependem delas falharam`;
      return before;
    }
    const address = `(globalThis as any)[Symbol.for(${JSON.stringify(PROBE_ADDRESS_KEY)})] = "127.0.0.1:${probes.port}";`;
    return before ? `${before}\n${address}` : address;
  };
  let run: Awaited<ReturnType<typeof executePlan>>;
  try {
    run = await executePlan(plan.steps, Object.keys(specs).length ? { ...limits, onKernel } : limits);
  } finally {
    await probes?.close();
  }
  const { results, kernelStarts } = run;
  const cells = judgeAll(scoreAll(plan.grades, results), plan.grades, results, probeResults);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    file: submission,
    score: round(cells.reduce((s, c) => s + c.points, 0)),
    max_score: round(cells.reduce((s, c) => s + c.max_points, 0)),
    cells,
    warnings: [...plan.warnings, ...run.notes, ...(probeTrouble ? [probeTrouble] : [])],
    ms: Date.now() - t0,
    kernel_starts: kernelStarts,
  };
}

/** {@link assemble}, where whatever the submission's metadata holds (wrong types anywhere) is a CdlabError for this file only. */
function assembleOrReject(source: Notebook, nb: Notebook, submission: string): ReturnType<typeof assemble> {
  try {
    return assemble(source, nb, submission);
  } catch (e) {
    if (e instanceof CdlabError) throw e;
    throw new CdlabError("ERR_NOT_NOTEBOOK", `Não foi possível corrigir o notebook "${submission}": ${(e as Error).message}`);
  }
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
export async function validateNotebook(file: string, limits: GradeOptions = {}): Promise<SubmissionGrade> {
  return gradeSubmission(file, readSource(file), limits);
}
