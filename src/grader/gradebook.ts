/**
 * The gradebook of an assignment: a CSV row per student, a column per test
 * cell (points), the total and the maximum, and a pt-BR note for notebooks that
 * were missing or could not be graded.
 */
import type { CourseResult } from "./course-result";

/** A gradebook column: one test cell of one notebook. */
export interface GradebookColumn {
  notebook: string;
  gradeId: string;
  /** The cell's maximum points. */
  points: number;
  /** The header. */
  label: string;
}

function field(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Build the gradebook.
 *
 * @param students every student, in order
 * @param columns the test cells, in order
 * @param results the class's results (any order)
 * @returns the CSV text: `student,<columns…>,total,max_score,notes`
 */
export function gradebookCsv(students: string[], columns: GradebookColumn[], results: CourseResult[]): string {
  const max = round(columns.reduce((s, c) => s + c.points, 0));
  const lines = [["student", ...columns.map((c) => c.label), "total", "max_score", "notes"].map(field).join(",")];
  for (const student of students) {
    const mine = results.filter((r) => r.student === student);
    const pts = columns.map((c) => mine.find((r) => r.notebook === c.notebook)?.grade?.cells.find((x) => x.grade_id === c.gradeId)?.points ?? 0);
    const notes = mine.filter((r) => r.error).map((r) => `${r.notebook}: ${r.error}`).join("; ");
    lines.push([student, ...pts, round(pts.reduce((a, b) => a + b, 0)), max, notes].map(field).join(","));
  }
  return lines.join("\n") + "\n";
}
