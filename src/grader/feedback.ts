/**
 * Feedback for one student (like nbgrader's generate_feedback): an HTML page in
 * pt-BR with the total, each test cell's points, how it ended and its message,
 * and the grader's notes.
 */
import type { CourseResult } from "./course-result";
import { escapeHtml } from "../runtime/display";
import { num, STATUS_LABEL } from "./report";

const esc = escapeHtml;

/**
 * The feedback page of one result.
 *
 * @param r a student's result for one notebook
 * @returns a complete HTML document
 */
export function feedbackHtml(r: CourseResult): string {
  const title = `${r.assignment} / ${r.notebook} — ${r.student}`;
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  if (!r.grade) {
    body.push(`<p class="erro">Não foi possível corrigir: ${esc(r.error ?? "motivo desconhecido")}</p>`);
  } else {
    const g = r.grade;
    body.push(`<p class="total">Nota: <b>${num(g.score)}</b> de ${num(g.max_score)} pontos</p>`);
    body.push("<table>", "<thead><tr><th>Teste</th><th>Pontos</th><th>Situação</th><th>Mensagem</th></tr></thead>", "<tbody>");
    for (const c of g.cells) {
      body.push(
        `<tr class="${c.status}"><td><code>${esc(c.grade_id)}</code></td><td>${num(c.points)} / ${num(c.max_points)}</td>` +
          `<td>${STATUS_LABEL[c.status]}</td><td>${esc(c.message)}</td></tr>`,
      );
    }
    body.push("</tbody>", "</table>");
    if (g.warnings.length) body.push("<h2>Observações do corretor</h2>", "<ul>", ...g.warnings.map((w) => `<li>${esc(w)}</li>`), "</ul>");
  }
  const style = [
    "body { font-family: sans-serif; margin: 2em; }",
    "table { border-collapse: collapse; }",
    "td, th { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }",
    "tr.passed td:nth-child(3) { color: #1a7f37; }",
    "tr:not(.passed) td:nth-child(3), .erro { color: #b42318; }",
  ].join("\n");
  return [
    "<!DOCTYPE html>",
    '<html lang="pt-BR">',
    `<head><meta charset="utf-8"><title>${esc(title)}</title><style>\n${style}\n</style></head>`,
    "<body>",
    ...body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
