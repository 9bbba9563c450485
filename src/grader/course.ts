/**
 * Grading a class in nbgrader's course layout:
 *
 *     <course>/source/<assignment>/<nb>.ipynb           the instructor's notebooks
 *     <course>/release/<assignment>/<nb>.ipynb          what students got (`cdlab release`)
 *     <course>/submitted/<student>/<assignment>/<nb>.ipynb
 *     <course>/autograded/<student>/<assignment>/<nb>.json   one result each (written here)
 *     <course>/feedback/<student>/<assignment>/<nb>.html     pt-BR feedback (written here)
 *     <course>/gradebook-<assignment>.csv                    a row per student (written here)
 *
 * Submissions are graded `jobs` at a time (each in its own kernel). A result
 * is kept with the checksums of the submission and of the source it was graded
 * against: a re-run reuses it when both are unchanged, so an interrupted run
 * resumes where it stopped and a late submission costs only itself.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CdlabError } from "../runtime/errors";
import { gradeSubmission, readSource, type GradeOptions, type SubmissionGrade } from "./autograde";
import { feedbackHtml } from "./feedback";
import { gradebookCsv } from "./gradebook";
import { cellSource, gradeId, nbMeta, type Notebook } from "./notebook";
import { splitTest } from "./verdict";
import { cgroupSupport } from "./cgroup";
import { sandboxSupport } from "./sandbox";
import { sparePool, sparesEnabled } from "./spares";
import type { CourseResult } from "./course-result";

export type { CourseResult };

/** Options of {@link gradeCourse}. */
export interface CourseOptions extends GradeOptions {
  /** Submissions graded at once. @default os.availableParallelism() */
  jobs?: number;
  /** Called after each submission (for a progress bar and JSON lines). */
  onResult?: (r: CourseResult, done: number, total: number) => void;
}

/** What {@link gradeCourse} wrote. */
export interface CourseSummary {
  results: CourseResult[];
  /** The gradebook CSV's path. */
  gradebook: string;
}

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const dirs = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort() : []);

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Does a test cell of these notebooks declare a probe (a `cdlab:probe` block)? Then each kernel gets a probe process. */
function declaresProbes(sources: Notebook[]): boolean {
  return sources.some((nb) => nb.cells.some((c) => nbMeta(c)?.grade && Object.keys(splitTest(cellSource(c)).probes).length > 0));
}

/** The result kept for this submission when it was graded against this same source (a re-run reuses it), else undefined. */
function reusable(course: string, student: string, assignment: string, notebook: string, submission: string, source: string): CourseResult | undefined {
  const record = path.join(course, "autograded", student, assignment, notebook.replace(/\.ipynb$/, ".json"));
  try {
    const old = JSON.parse(fs.readFileSync(record, "utf8")) as CourseResult;
    return old.submission_sha256 === submission && old.source_sha256 === source ? old : undefined;
  } catch {
    return undefined; // not graded yet
  }
}

/** The test cells of a source notebook, in order, with their points. */
export function testCells(source: Notebook): { gradeId: string; points: number }[] {
  return source.cells.filter((c) => nbMeta(c)?.grade && gradeId(c)).map((c) => ({ gradeId: gradeId(c)!, points: Number(nbMeta(c)!.points) }));
}

/**
 * Grade every student's submission of an assignment.
 *
 * @param course the course folder
 * @param assignment the assignment's name (a folder of `source/`)
 * @param options jobs, limits, a callback per result
 * @returns every result, and where the gradebook went
 * @throws CdlabError `ERR_NO_ASSIGNMENT` when `source/<assignment>/` has no notebook; `ERR_BAD_EXERCISE` for a bad source
 */
export async function gradeCourse(course: string, assignment: string, options: CourseOptions = {}): Promise<CourseSummary> {
  const { jobs = os.availableParallelism(), onResult, ...rest } = options;
  // The sandbox keeps the whole course folder (sources, other students) out of each kernel's view.
  const limits: GradeOptions = { ...rest, hide: [...(rest.hide ?? []), path.resolve(course)] };
  // english: the instructor's command, not a student's feedback
  if (!Number.isInteger(jobs) || jobs < 1) throw new CdlabError("EINVAL", `Invalid option "jobs": expected a positive integer, got ${jobs}`);
  const sourceDir = path.join(course, "source", assignment);
  const notebooks = fs.existsSync(sourceDir) ? fs.readdirSync(sourceDir).filter((f) => f.endsWith(".ipynb")).sort() : [];
  // english: the instructor's command
  if (!notebooks.length) throw new CdlabError("ERR_NO_ASSIGNMENT", `Cannot grade "${assignment}": no notebook in ${sourceDir}`);
  const sources = new Map(notebooks.map((nb) => [nb, { nb: readSource(path.join(sourceDir, nb)), sha: sha256(path.join(sourceDir, nb)) }]));
  const students = dirs(path.join(course, "submitted")).filter((s) => fs.existsSync(path.join(course, "submitted", s, assignment)));

  const tasks = students.flatMap((student) => notebooks.map((notebook) => ({ student, notebook })));
  // Which tasks will start a kernel: a submission that exists and has no result to reuse.
  const cold = tasks.map(({ student, notebook }) => {
    const file = path.join(course, "submitted", student, assignment, notebook);
    return fs.existsSync(file) && !reusable(course, student, assignment, notebook, sha256(file), sources.get(notebook)!.sha);
  });
  const results: CourseResult[] = new Array(tasks.length);
  let next = 0;
  let done = 0;
  // The next submission's kernel starts warm on CPU the jobs leave unused, never beyond the last submission. Where the
  // cgroup cpu controller gives it the lowest CPU weight until its claim, it never slows the jobs, whatever their
  // number; without that weight only with fewer jobs than cores (on 2 cores 2 jobs with a spare at the default weight
  // took 0.75-1.08x the time, median 0.95x, with 2-15% more CPU per submission; bench/grade.ts).
  // A spare runs the cdlab kernel with a cold start's environment: none when the caller gives its own command or environment.
  const ownKernel = !!(rest.kernel?.argv || rest.kernel?.env);
  const cg = cgroupSupport();
  const idle = cg.ok && cg.cpu;
  const spares = (idle || jobs < os.availableParallelism()) && rest.sandbox !== false && !ownKernel && sparesEnabled() && sandboxSupport().ok
    ? sparePool({ hide: limits.hide, limits: limits.sandboxLimits, size: 1, idle, wanted: () => cold.slice(next).filter(Boolean).length, probes: declaresProbes([...sources.values()].map((s) => s.nb)) })
    : undefined;
  if (spares) limits.spares = spares;
  const one = async ({ student, notebook }: (typeof tasks)[number]): Promise<CourseResult> => {
    const { nb: source, sha: source_sha256 } = sources.get(notebook)!;
    const base = { student, assignment, notebook, source_sha256, reused: false };
    const file = path.join(course, "submitted", student, assignment, notebook);
    const record = path.join(course, "autograded", student, assignment, notebook.replace(/\.ipynb$/, ".json"));
    const feedback = path.join(course, "feedback", student, assignment, notebook.replace(/\.ipynb$/, ".html"));
    if (!fs.existsSync(file)) return { ...base, error: "não entregue" };
    const submission_sha256 = sha256(file);
    const old = reusable(course, student, assignment, notebook, submission_sha256, source_sha256);
    if (old) {
      if (!fs.existsSync(feedback)) writeAtomic(feedback, feedbackHtml(old));
      return { ...old, reused: true };
    }
    let r: CourseResult;
    try {
      r = { ...base, submission_sha256, grade: await gradeSubmission(file, source, limits) };
    } catch (e) {
      if (limits.signal?.aborted) throw e;
      r = { ...base, submission_sha256, error: (e as Error).message ?? String(e) };
      if (!(e instanceof CdlabError)) return r; // not kept: an error of the grader's, not of the submission
    }
    writeAtomic(record, JSON.stringify(r, null, 1) + "\n");
    writeAtomic(feedback, feedbackHtml(r));
    return r;
  };
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await one(tasks[i]);
      onResult?.(results[i], ++done, tasks.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  } finally {
    await spares?.close();
  }

  const columns = notebooks.flatMap((nb) =>
    testCells(sources.get(nb)!.nb).map((t) => ({ notebook: nb, ...t, label: notebooks.length > 1 ? `${nb.replace(/\.ipynb$/, "")}:${t.gradeId}` : t.gradeId })),
  );
  const gradebook = path.join(course, `gradebook-${assignment}.csv`);
  writeAtomic(gradebook, gradebookCsv(students, columns, results));
  return { results, gradebook };
}
