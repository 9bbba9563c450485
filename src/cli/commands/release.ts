import fs from "node:fs";
import path from "node:path";
import { defineCommand, UsageError } from "../command";
import { readNotebook, serializeNotebook } from "../../grader/notebook";
import { releaseNotebook } from "../../grader/release";

const usage = `Usage: cdlab release <source.ipynb …> --out DIR

Writes the student version of each exercise notebook into DIR (same file name):
solutions replaced by a stub that throws "Ainda não implementado", hidden tests
removed, outputs cleared, nbgrader checksums recorded. Same input, same bytes.
  --out DIR   where to write (created if missing; must not be the source's folder)`;

export const command = defineCommand({
  name: "release",
  summary: "make the student version of graded exercise notebooks",
  usage,
  options: { out: { type: "string", short: "o" } },
  positionals: { min: 1, max: Infinity },
  async run({ values, positionals: files }) {
    if (typeof values.out !== "string" || !values.out) throw new UsageError("Missing option --out DIR");
    const out = path.resolve(values.out);
    const jobs = files.map((file) => {
      const target = path.join(out, path.basename(file));
      if (path.resolve(file) === target) throw new UsageError(`--out would overwrite the source "${file}"`);
      return { file, target, text: serializeNotebook(releaseNotebook(readNotebook(file), file)) };
    });
    fs.mkdirSync(out, { recursive: true });
    for (const j of jobs) {
      fs.writeFileSync(j.target, j.text);
      console.log(`${j.file} → ${path.relative(process.cwd(), j.target) || j.target}`);
    }
    return 0;
  },
});
