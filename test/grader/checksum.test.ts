import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { computeChecksum, pythonFloat } from "../../src/grader/checksum";
import type { Cell } from "../../src/grader/notebook";

const FIX = path.join(__dirname, "..", "fixtures", "grader");
const vectors = JSON.parse(fs.readFileSync(path.join(FIX, "checksum-vectors.json"), "utf8")) as {
  vectors: { cell: Cell; checksum: string }[];
};
const ROOT = path.resolve(__dirname, "..", "..");
const NBGRADER_GIT = "/work/.mirror/jupyter+nbgrader/repo";
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

describe("grader/checksum", function () {
  it("pythonFloat prints like Python's str(float(x))", function () {
    const cases: [number, string][] = [
      [1, "1.0"], [0.5, "0.5"], [0, "0.0"], [2.25, "2.25"], [10, "10.0"], [1e16, "1e+16"], [1e15, "1000000000000000.0"],
      [1e-5, "1e-05"], [0.0001, "0.0001"], [0.1 + 0.2, "0.30000000000000004"], [1 / 3, "0.3333333333333333"],
      [123456789012345680000, "1.2345678901234568e+20"], [1.5e300, "1.5e+300"], [5e-324, "5e-324"], [-2, "-2.0"],
      [Infinity, "inf"], [NaN, "nan"], [123.456, "123.456"],
    ];
    for (const [x, want] of cases) expect(pythonFloat(x), String(x)).to.equal(want);
  });

  it(`matches nbgrader's compute_checksum on ${vectors.vectors.length} recorded vectors`, function () {
    for (const v of vectors.vectors) {
      expect(computeChecksum(v.cell), JSON.stringify(v.cell.metadata.nbgrader)).to.equal(v.checksum);
    }
  });

  it("any edit of source, type, flags, id or points changes the checksum", function () {
    const base: Cell = { cell_type: "code", source: "assert.ok(true);", metadata: { nbgrader: { schema_version: 3, grade: true, solution: false, locked: true, grade_id: "t", points: 2 } } };
    const sum = computeChecksum(base);
    const edits: ((c: Cell) => void)[] = [
      (c) => (c.source = "assert.ok(true); "),
      (c) => (c.cell_type = "markdown"),
      (c) => (c.metadata.nbgrader!.grade = false),
      (c) => (c.metadata.nbgrader!.solution = true),
      (c) => (c.metadata.nbgrader!.grade_id = "u"),
      (c) => (c.metadata.nbgrader!.points = 3),
    ];
    for (const edit of edits) {
      const c = JSON.parse(JSON.stringify(base)) as Cell;
      edit(c);
      expect(computeChecksum(c), edit.toString()).to.not.equal(sum);
    }
  });

  it("agrees with nbgrader's own function run live on the fetched source", function () {
    if (!fs.existsSync(NBGRADER_GIT) || !fs.existsSync(PYTHON)) {
      console.log(`      (skipped: needs ${NBGRADER_GIT} and ${PYTHON})`);
      this.skip();
    }
    const src = spawnSync("git", ["--git-dir", NBGRADER_GIT, "show", "HEAD:nbgrader/utils.py"], { encoding: "utf8" });
    if (src.status !== 0) {
      console.log(`      (skipped: git show failed: ${src.stderr.trim()})`);
      this.skip();
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-nbgrader-"));
    try {
      fs.writeFileSync(path.join(tmp, "utils.py"), src.stdout);
      const extra: Cell[] = [
        { cell_type: "code", source: "x = 1\n", metadata: { nbgrader: { grade: true, solution: false, locked: true, grade_id: "live_a", points: 0.75 } } },
        { cell_type: "code", source: ["// BEGIN HIDDEN TESTS\n", "assert.ok(1)"], metadata: { nbgrader: { grade: true, solution: false, locked: true, grade_id: "live_b", points: 12 } } },
      ];
      const cells = [...vectors.vectors.map((v) => v.cell), ...extra];
      const r = spawnSync(PYTHON, [path.join(FIX, "nbgrader-checksum.py"), path.join(tmp, "utils.py")], { input: JSON.stringify(cells), encoding: "utf8" });
      expect(r.status, r.stderr).to.equal(0);
      const sums = JSON.parse(r.stdout) as string[];
      expect(cells.map(computeChecksum)).to.deep.equal(sums);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
