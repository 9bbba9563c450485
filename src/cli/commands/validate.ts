import { defineCommand, UsageError } from "../command";
import { validateNotebook } from "../../grader/autograde";
import { textReport } from "../../grader/report";

const usage = `Usage: cdlab validate <notebook.ipynb> [--timeout SECONDS]

Runs the notebook in a fresh cdlab kernel and reports, in Portuguese, which
test cells pass and which fail (the tests the notebook contains: the visible
ones in a student's copy). Exit 0 when every test passes, 1 otherwise.
  --timeout S   time limit per cell in seconds (default 30)`;

export const command = defineCommand({
  name: "validate",
  summary: "run a notebook's tests and say what passes (pt-BR)",
  usage,
  options: { timeout: { type: "string" } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals: [notebook] }) {
    const timeoutMs = timeoutOption(values.timeout);
    const g = await validateNotebook(notebook, { timeoutMs });
    process.stdout.write(textReport(g));
    const ok = g.cells.every((c) => c.status === "passed");
    console.log(ok ? "Todos os testes passaram." : `${g.cells.filter((c) => c.status !== "passed").length} teste(s) não passaram.`);
    return ok ? 0 : 1;
  },
});

/** Parse `--timeout SECONDS` into ms (default 30 s). */
export function timeoutOption(v: unknown): number {
  if (v === undefined) return 30_000;
  const n = Number(v);
  if (typeof v !== "string" || !/^\s*\d+(\.\d+)?\s*$/.test(v) || !(n > 0) || n > 86_400) {
    throw new UsageError(`Invalid option "--timeout" ${JSON.stringify(v)}: expected seconds, a number from 0 to 86400`);
  }
  return Math.round(n * 1000);
}
