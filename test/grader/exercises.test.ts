/**
 * Every graded exercise in notebooks/exercicios/: the instructor version gets
 * full marks, its released version gets 0 without crashing the grader, and
 * release is deterministic (twice → identical bytes).
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gradeSubmission, readSource } from "../../src/grader/autograde";
import { readNotebook, serializeNotebook } from "../../src/grader/notebook";
import { releaseNotebook } from "../../src/grader/release";

const DIR = path.resolve(__dirname, "..", "..", "notebooks", "exercicios");
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort() : [];

describe("grader/exercises", function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-ex-"))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("there are exercises", function () {
    expect(files.length).to.be.greaterThan(0);
  });

  for (const f of files) {
    it(`${f}: full marks for the instructor version, 0 for the released one, deterministic release`, async function () {
      const file = path.join(DIR, f);
      const source = readSource(file);
      const text = serializeNotebook(releaseNotebook(readNotebook(file), f));
      expect(serializeNotebook(releaseNotebook(readNotebook(file), f))).to.equal(text);
      expect(text).to.not.include("BEGIN SOLUTION").and.not.include("HIDDEN TESTS");
      const released = path.join(tmp, f);
      fs.writeFileSync(released, text);
      const full = await gradeSubmission(file, source);
      expect(full.cells.filter((c) => c.status !== "passed"), "instructor version").to.deep.equal([]);
      expect(full.score).to.equal(full.max_score);
      const zero = await gradeSubmission(released, source);
      expect(zero.score).to.equal(0);
      expect(zero.cells.every((c) => c.status === "error" || c.status === "failed")).to.equal(true);
    });
  }
});
