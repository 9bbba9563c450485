/**
 * Every graded exercise in notebooks/exercicios/: the instructor version gets
 * full marks, its released version gets 0 without crashing the grader, and
 * release is deterministic (twice → identical bytes). On the exercises whose
 * hidden tests are judged by the grader (verdicts), a released copy whose
 * student cell patches Promise.race, runs every later cell inside a try {}
 * through vm.runInThisContext and forges observations still gets 0.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gradeSubmission, readSource } from "../../src/grader/autograde";
import { readNotebook, serializeNotebook } from "../../src/grader/notebook";
import { releaseNotebook } from "../../src/grader/release";

const DIR = path.resolve(__dirname, "..", "..", "notebooks", "exercicios");
/** Exercises whose hidden tests are verdicts decided in the grader (the others still check in the kernel). */
const CONVERTED = ["01-grosch-work-units.ipynb", "02-udp.ipynb"];

/** A student cell with the three ways that beat in-kernel checks, plus forged observations (real ones dropped). */
const ATTACK = String.raw`const vm = require("node:vm");
const MIME = "application/vnd.cdlab.observation+json";
const key = Symbol.for("cdlab.display.sink");
const real = (globalThis as any)[key];
(globalThis as any)[key] = (b: any, o?: any) => (b[MIME] ? undefined : real(b, o));
const race = Promise.race.bind(Promise);
Promise.race = ((ps: Iterable<unknown>) => race(ps).catch(() => undefined)) as typeof Promise.race;
const run = vm.runInThisContext;
vm.runInThisContext = (code: string, options?: object) => {
  for (const m of code.matchAll(/observe\("((?:[^"\]|\.)*)"/g)) real({ [MIME]: { name: JSON.parse('"' + m[1] + '"'), value: 0 }, "text/plain": "" });
  return run(code.replace(/^(\((?:async )?function\(exports, require\) \{ )/, "$1try { ").replace(/
\}\)\(__tslab__/, "
} catch {} })(__tslab__"), options);
};
`;

const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith(".ipynb")).sort() : [];

describe("grader/exercises", function () {
  this.timeout(240_000); // three gradings for the converted exercises, on a loaded machine
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
      if (!CONVERTED.includes(f)) return;
      const nb = JSON.parse(text);
      const setup = nb.cells.findIndex((c: { metadata: { nbgrader?: { grade_id?: string } } }) => c.metadata.nbgrader?.grade_id === "setup");
      nb.cells.splice(setup + 1, 0, { cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: ATTACK });
      const attacked = path.join(tmp, `attack-${f}`);
      fs.writeFileSync(attacked, JSON.stringify(nb));
      const cheat = await gradeSubmission(attacked, source);
      expect(cheat.cells.map((c) => [c.grade_id, c.points, c.message.slice(0, 60)]), "patched realm, forged observations").to.deep.equal(
        cheat.cells.map((c) => [c.grade_id, 0, c.message.slice(0, 60)]),
      );
    });
  }
});
