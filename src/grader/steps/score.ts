/**
 * Step 3 of grading: turn each test cell's execution into points, like
 * nbgrader's `determine_grade`: an error output or anything on stderr is a
 * failure; a numeric execute_result is partial credit; otherwise full points.
 * Fail closed: only an `ok` reply scores; a time-out, a dead kernel, a reply
 * with any other status (or none) and a tampered cell score 0.
 */
import type { ExecuteResult } from "../../jupyter/kernel-client";
import type { GradeCell } from "./assemble";
import { isExecuteResult } from "../notebook";
import type { StepResult } from "./execute";

/** How a test cell ended. */
export type CellStatus = "passed" | "failed" | "error" | "timeout" | "tampered";

/** One test cell's score. */
export interface CellScore {
  grade_id: string;
  points: number;
  max_points: number;
  status: CellStatus;
  /** pt-BR, one line; empty when passed. */
  message: string;
}

const ASSERTION = "FalhaDeTeste";

/**
 * The error a cell raised, as `{ ename, evalue }`: from the error reply, or
 * (kernels that print errors) from the first `Name: message` line on stderr.
 *
 * @param r an execution result
 * @returns the error's name and message
 */
export function errorOf(r: ExecuteResult): { ename: string; evalue: string } {
  if (r.ename) return { ename: r.ename, evalue: r.evalue ?? "" };
  const lines = r.stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  for (const l of lines) {
    const m = /^([A-Za-z_$][\w$]*): (.*)$/.exec(l);
    if (m && (/(Error|Exception)$/.test(m[1]) || m[1] === ASSERTION)) return { ename: m[1], evalue: m[2] };
  }
  const ts = lines.find((l) => /^\d+:\d+ - /.test(l));
  if (ts) return { ename: "TSError", evalue: ts.replace(/^\d+:\d+ - /, "") };
  return { ename: "Error", evalue: lines[0] ?? r.evalue ?? "erro sem mensagem" };
}

function partialCredit(r: ExecuteResult, max: number): number | undefined {
  for (const o of r.outputs) {
    if (!isExecuteResult(o)) continue;
    const plain = o.data?.["text/plain"];
    const text = Array.isArray(plain) ? (plain.length === 1 ? plain[0] : undefined) : plain;
    const n = typeof text === "string" && text.trim() !== "" ? Number(text) : NaN;
    if (Number.isFinite(n) && n >= 0 && n <= max) return n;
    return max;
  }
  return undefined;
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim().slice(0, 300);

/**
 * Score one executed test cell.
 *
 * @param max the cell's points
 * @param r how it ran
 * @returns points, status and a pt-BR message
 */
export function scoreResult(max: number, r: ExecuteResult): Omit<CellScore, "grade_id" | "max_points"> {
  if (r.status === "timeout") return { points: 0, status: "timeout", message: "passou do limite de tempo (laço infinito ou espera sem fim?)" };
  if (r.status === "died") return { points: 0, status: "error", message: r.evalue ?? "o kernel terminou durante o teste (process.exit, falha ou sinal)" };
  if (r.status === "abort") return { points: 0, status: "error", message: "o kernel recusou executar a célula (abort)" };
  if (r.status === "error" || r.outputs.some((o) => o.output_type === "error")) {
    const { ename, evalue } = errorOf(r);
    if (ename === ASSERTION) return { points: 0, status: "failed", message: oneLine(evalue) };
    return { points: 0, status: "error", message: oneLine(`${ename}: ${evalue}`) };
  }
  if (r.outputLost) return { points: 0, status: "error", message: "a saída da célula não chegou inteira ao corretor" };
  // Fail closed: only an `ok` reply scores; a missing or unknown status is 0.
  if (r.status !== "ok") {
    const what = r.replyStatus !== undefined ? `com status «${oneLine(r.replyStatus)}»` : "sem status";
    return { points: 0, status: "error", message: `o kernel respondeu ${what}; só «ok» conta` };
  }
  if (r.stderr.trim()) return { points: 0, status: "failed", message: oneLine(`escreveu em stderr: ${r.stderr.trim().split("\n")[0]}`) };
  const partial = partialCredit(r, max);
  return { points: partial ?? max, status: "passed", message: partial !== undefined && partial < max ? "crédito parcial" : "" };
}

/**
 * Scores for every test cell of the plan, in the source's order.
 *
 * @param grades the plan's test cells
 * @param results what ran
 * @returns one score per test cell
 */
export function scoreAll(grades: GradeCell[], results: StepResult[]): CellScore[] {
  const byId = new Map(results.filter((s) => s.step.kind === "test").map((s) => [s.step.gradeId!, s.result]));
  return grades.map((g) => {
    if (g.tampered) return { grade_id: g.gradeId, points: 0, max_points: g.points, status: "tampered", message: g.tampered };
    const r = byId.get(g.gradeId);
    if (!r) return { grade_id: g.gradeId, points: 0, max_points: g.points, status: "error", message: "célula não executada" };
    const { points, status, message } = scoreResult(g.points, r);
    return { grade_id: g.gradeId, points, max_points: g.points, status, message };
  });
}
