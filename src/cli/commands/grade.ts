import path from "node:path";
import { parse, UsageError, type Command } from "../command";
import { CdlabError } from "../../runtime/errors";
import { gradeSubmission, readSource, type SubmissionGrade } from "../../grader/autograde";
import { gradeId, nbMeta } from "../../grader/notebook";
import { appendCsv, jsonReport, textReport } from "../../grader/report";
import { timeoutOption } from "./validate";

const usage = `Usage: cdlab grade <submission.ipynb …> --source <source.ipynb> [--json] [--csv FILE] [--timeout SECONDS]

Grades each submission in a fresh cdlab kernel: solution cells come from the
submission, test cells (with the hidden tests) from the source, matched by
grade_id; each test cell is scored. Prints a report in Portuguese per
submission. Exit 0 when every submission was graded (whatever the scores),
1 when some could not be graded.
  --source F    the instructor's notebook (solutions and hidden tests)
  --json        one JSON object per submission, one per line, instead of text
  --csv FILE    append one row per submission to FILE (header when new)
  --timeout S   time limit per cell in seconds (default 30)`;

export const command: Command = {
  name: "grade",
  summary: "grade submissions of an exercise (nbgrader-compatible)",
  usage,
  async run(argv) {
    const p = parse(argv, {
      source: { type: "string", short: "s" },
      json: { type: "boolean" },
      csv: { type: "string" },
      timeout: { type: "string" },
    }, { min: 1, max: Infinity });
    if (p === "help") return void console.log(usage), 0;
    if (typeof p.values.source !== "string" || !p.values.source) throw new UsageError("Missing option --source <source.ipynb>");
    const timeoutMs = timeoutOption(p.values.timeout);
    // Our own command line shows --source in /proc/<pid>/cmdline; hide it from the kernels we start.
    process.title = "cdlab-grade";
    const source = readSource(p.values.source);
    const ids = source.cells.filter((c) => nbMeta(c)?.grade).map((c) => gradeId(c)!);
    const rows: (SubmissionGrade | { file: string; error: string })[] = [];
    let failures = 0;
    for (const file of p.positionals) {
      try {
        const g = await gradeSubmission(file, source, { timeoutMs });
        rows.push(g);
        if (p.values.json) console.log(JSON.stringify(jsonReport(g)));
        else process.stdout.write(textReport(g));
      } catch (e) {
        if (!(e instanceof CdlabError)) throw e;
        failures++;
        rows.push({ file, error: e.message });
        process.stderr.write(`cdlab grade: ${e.message}\n`);
        if (p.values.json) console.log(JSON.stringify({ file, error: e.message, code: e.code }));
      }
    }
    if (typeof p.values.csv === "string") appendCsv(p.values.csv, ids, rows);
    return failures ? 1 : 0;
  },
};
