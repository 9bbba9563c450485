/**
 * `cdlab grade --course <dir> <assignment>`: a whole class in nbgrader's
 * layout (src/grader/course.ts), a JSON line per submission on stdout and a
 * progress bar on stderr when it is a terminal.
 */
import { gradeCourse, type CourseResult } from "../../grader/course";
import { jsonReport } from "../../grader/report";
import { UsageError } from "../command";

/**
 * Parse `--jobs`.
 *
 * @param v the option's value
 * @param cores the default
 * @returns a positive integer
 * @throws UsageError when it is not one
 */
export function jobsOption(v: unknown, cores: number): number {
  if (v === undefined) return cores;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`Invalid option --jobs: expected a positive integer, got "${String(v)}"`);
  return n;
}

/** The progress line: `[#####-----] 12/60 aluno3`. */
export function progressLine(done: number, total: number, last: string): string {
  const width = 30;
  const full = total ? Math.round((done / total) * width) : width;
  return `\r[${"#".repeat(full)}${"-".repeat(width - full)}] ${done}/${total} ${last}`.slice(0, (process.stderr.columns || 80) - 1);
}

/** The JSON line of one result. */
export function courseLine(r: CourseResult): Record<string, unknown> {
  const base = { student: r.student, assignment: r.assignment, notebook: r.notebook };
  if (!r.grade) return { ...base, error: r.error };
  return { ...base, ...jsonReport(r.grade), reused: r.reused };
}

/**
 * Grade the class and print.
 *
 * @param course the course folder
 * @param assignment the assignment
 * @param options jobs and time limit per cell
 * @returns the exit code: 0 when every submission was graded, 1 otherwise
 */
export async function runCourse(course: string, assignment: string, options: { jobs: number; timeoutMs: number }): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const { results, gradebook } = await gradeCourse(course, assignment, {
    jobs: options.jobs,
    timeoutMs: options.timeoutMs,
    onResult(r, done, total) {
      if (tty) process.stderr.write("\r\x1b[K");
      console.log(JSON.stringify(courseLine(r)));
      if (tty) process.stderr.write(progressLine(done, total, r.student) + (done === total ? "\n" : ""));
    },
  });
  const failed = results.filter((r) => !r.grade && r.error !== "não entregue").length;
  const reused = results.filter((r) => r.reused).length;
  process.stderr.write(`cdlab grade: ${results.length} entregas (${reused} já corrigidas antes), ${failed} sem nota; notas em ${gradebook}\n`);
  return failed ? 1 : 0;
}
