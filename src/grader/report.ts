/**
 * Reports of a grade: pt-BR text for people, JSON lines and CSV rows for tools.
 */
import fs from "node:fs";
import type { SubmissionGrade } from "./autograde";
import type { CellStatus } from "./steps/score";

/** How each cell status is named to students (pt-BR). */
export const STATUS_LABEL: Record<CellStatus, string> = {
  passed: "passou",
  failed: "falhou",
  error: "erro",
  timeout: "tempo esgotado",
  tampered: "adulterada",
};

/** Points in the Brazilian format, to 2 decimals: 1,5. */
export const num = (x: number) => String(Math.round(x * 100) / 100).replace(".", ",");

/**
 * The pt-BR report of one submission.
 *
 * @param g the grade
 * @returns several lines ending with a newline
 */
export function textReport(g: SubmissionGrade): string {
  const out = [`${g.file}: ${num(g.score)} de ${num(g.max_score)} pontos`];
  const w = Math.max(...g.cells.map((c) => c.grade_id.length), 4);
  for (const c of g.cells) {
    const mark = c.status === "passed" ? "✓" : "✗";
    out.push(`  ${mark} ${c.grade_id.padEnd(w)}  ${num(c.points)}/${num(c.max_points)}  ${STATUS_LABEL[c.status]}${c.message ? `: ${c.message}` : ""}`);
  }
  for (const warning of g.warnings) out.push(`  ! ${warning}`);
  return out.join("\n") + "\n";
}

/** The `--json` object of one submission. */
export function jsonReport(g: SubmissionGrade): Record<string, unknown> {
  const o: Record<string, unknown> = { file: g.file, score: g.score, max_score: g.max_score, cells: g.cells };
  if (g.warnings.length) o.warnings = g.warnings;
  return o;
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Append one row per submission to a CSV file (header first when the file is
 * new or empty): file, score, max_score, each test cell's points, error.
 *
 * @param file the CSV path
 * @param gradeIds the exercise's test cells, in order
 * @param rows grades, or `{ file, error }` for a submission that could not be graded
 */
export function appendCsv(file: string, gradeIds: string[], rows: (SubmissionGrade | { file: string; error: string })[]): void {
  let empty = true;
  try {
    empty = fs.statSync(file).size === 0;
  } catch {
    /* new file */
  }
  const lines: string[] = [];
  if (empty) lines.push(["file", "score", "max_score", ...gradeIds, "error"].map(csvField).join(","));
  for (const r of rows) {
    if ("error" in r) {
      lines.push([r.file, "", "", ...gradeIds.map(() => ""), r.error].map(csvField).join(","));
    } else {
      const pts = new Map(r.cells.map((c) => [c.grade_id, c.points]));
      lines.push([r.file, r.score, r.max_score, ...gradeIds.map((id) => pts.get(id) ?? ""), ""].map(csvField).join(","));
    }
  }
  fs.appendFileSync(file, lines.map((l) => l + "\n").join(""));
}
