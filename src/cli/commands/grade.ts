import os from "node:os";
import { defineCommand, UsageError } from "../command";
import { CdlabError } from "../../runtime/errors";
import { gradeSubmission, readSource, type SubmissionGrade } from "../../grader/autograde";
import { gradeId, nbMeta } from "../../grader/notebook";
import { appendCsv, jsonReport, textReport } from "../../grader/report";
import { timeoutOption } from "./validate";
import { jobsOption, runCourse } from "./grade-course";

const usage = `Usage: cdlab grade <submission.ipynb …> --source <source.ipynb> [--json] [--csv FILE] [--timeout SECONDS]
       cdlab grade --course <dir> <assignment> [--jobs N] [--timeout SECONDS]

Grades each submission in a fresh cdlab kernel: solution cells come from the
submission, test cells (with the hidden tests) from the source, matched by
grade_id; each test cell is scored. Prints a report in Portuguese per
submission. Exit 0 when every submission was graded (whatever the scores),
1 when some could not be graded.
  --source F    the instructor's notebook (solutions and hidden tests)
  --json        one JSON object per submission, one per line, instead of text
  --csv FILE    append one row per submission to FILE (header when new)
  --timeout S   time limit per cell in seconds (default 30)

With --course, grades a whole class in nbgrader's layout: every
submitted/<student>/<assignment>/*.ipynb against source/<assignment>/, N at a
time; one JSON line per submission on stdout (a progress bar on stderr at a
terminal); results in autograded/<student>/<assignment>/*.json, feedback
pages in feedback/<student>/<assignment>/*.html and the gradebook in
<dir>/gradebook-<assignment>.csv. A re-run grades only submissions that are
new or changed (or whose source changed).
  --course DIR  the course folder (source/, submitted/, autograded/, feedback/)
  --jobs N      submissions graded at once (default: the machine's cores)`;

export const command = defineCommand({
  name: "grade",
  summary: "grade submissions of an exercise (nbgrader-compatible)",
  usage,
  options: {
    source: { type: "string", short: "s" },
    json: { type: "boolean" },
    csv: { type: "string" },
    timeout: { type: "string" },
    course: { type: "string" },
    jobs: { type: "string" },
  },
  positionals: { min: 1, max: Infinity },
  async run(p) {
    if (typeof p.values.course === "string") {
      if (p.positionals.length !== 1) throw new UsageError("With --course, give exactly one assignment");
      if (p.values.source !== undefined || p.values.csv !== undefined || p.values.json) throw new UsageError("--course takes the sources from the course folder and always prints JSON: drop --source, --csv and --json");
      process.title = "cdlab-grade";
      return runCourse(p.values.course, p.positionals[0], { jobs: jobsOption(p.values.jobs, os.availableParallelism()), timeoutMs: timeoutOption(p.values.timeout) });
    }
    if (p.values.jobs !== undefined) throw new UsageError("--jobs needs --course");
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
});
