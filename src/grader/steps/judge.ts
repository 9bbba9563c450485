/**
 * Step 4 of grading: for test cells with a verdict (src/grader/verdict.ts),
 * the verdict decides, here in the grader's process. A cell the kernel already
 * failed stays failed (the kernel can only lose points); a cell the kernel
 * passed scores only when the verdict accepts what it observed.
 */
import { judge } from "../verdict";
import type { GradeCell } from "./assemble";
import type { StepResult } from "./execute";
import type { CellScore } from "./score";

/**
 * Apply the verdicts.
 *
 * @param cells scores from the kernel's replies (steps/score)
 * @param grades the plan's test cells (with their verdicts)
 * @param results what ran (the outputs carry the observations)
 * @param probes probe results by name
 * @returns the final scores
 */
export function judgeAll(cells: CellScore[], grades: GradeCell[], results: StepResult[], probes: Map<string, unknown>): CellScore[] {
  const byId = new Map(results.filter((s) => s.step.kind === "test").map((s) => [s.step.gradeId!, s.result]));
  const verdicts = new Map(grades.filter((g) => g.verdict !== undefined).map((g) => [g.gradeId, g.verdict!]));
  return cells.map((c) => {
    const verdict = verdicts.get(c.grade_id);
    const r = byId.get(c.grade_id);
    if (verdict === undefined || c.status !== "passed" || !r) return c;
    const j = judge(verdict, r.outputs, probes);
    return j.ok ? { ...c, points: c.max_points, message: "" } : { ...c, points: 0, status: j.status, message: j.message };
  });
}
