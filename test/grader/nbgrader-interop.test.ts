/**
 * Interoperability with nbgrader, both ways, using nbgrader's own code run
 * from its source (test/fixtures/grader/nbgrader-interop.py extracts the
 * modules from the mirrored git repository into a temporary folder):
 *
 * - nbgrader → cdlab: nbgrader's generate_assignment preprocessors make the
 *   student version of cdlab exercises; cdlab grades it (checksums accepted).
 * - cdlab → nbgrader: `cdlab release` output passes nbgrader's schema v3
 *   reader and its validator's checksum / cell-type checks, and nbgrader
 *   detects an edited locked cell.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { releaseCell } from "../../src/grader/release";
import { cellSource, readNotebook, serializeNotebook, type Cell, type Notebook } from "../../src/grader/notebook";

const ROOT = path.resolve(__dirname, "..", "..");
const FIX = path.join(ROOT, "test", "fixtures", "grader");
const NBGRADER_GIT = "/work/.mirror/jupyter+nbgrader/repo";
const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const SCRIPT = path.join(FIX, "nbgrader-interop.py");
const SOURCE = path.join(FIX, "exercise.ipynb");
const EXERCISES = path.join(ROOT, "notebooks", "exercicios");

/** Run nbgrader's code (from its source) through the fixture script. */
function nbgrader(...args: string[]): string {
  const r = spawnSync(PYTHON, [SCRIPT, NBGRADER_GIT, ...args], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`nbgrader-interop.py ${args[0]} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return r.stdout;
}

interface Validation {
  file: string;
  schema_error: string | null;
  checked: string[];
  changed: string[];
  type_changed: string[];
  checksums: Record<string, [string, string]>;
}

/** nbgrader's validation (schema v3 reader + Validator checksum/type checks) of some notebooks. */
function nbgraderValidate(files: string[]): Validation[] {
  return nbgrader("validate", ...files).trim().split("\n").map((l) => JSON.parse(l) as Validation);
}

const cdlab = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, "bin", "cdlab.js"), ...args], { encoding: "utf8", timeout: 60_000 });

/** Cells with one-string sources (nbformat may split lines differently). */
const normalized = (nb: Notebook): Cell[] => nb.cells.map((c) => ({ ...c, source: cellSource(c) }));

/** The instructor's solution code of a cell: its source minus the BEGIN/END SOLUTION lines. */
const solutionCode = (c: Cell) => cellSource(c).split("\n").filter((l) => !/(BEGIN|END) SOLUTION/.test(l)).join("\n");

describe("grader/nbgrader interop (nbgrader's own code, from its source)", function () {
  this.timeout(60_000);
  let tmp: string;
  /** Instructor notebooks: the test fixture and every course exercise. */
  let sources: string[];

  before(function () {
    if (!fs.existsSync(NBGRADER_GIT) || !fs.existsSync(PYTHON)) {
      console.log(`      (skipped: needs nbgrader's source at ${NBGRADER_GIT} and ${PYTHON})`);
      this.skip();
    }
    const probe = spawnSync(PYTHON, ["-c", "import nbformat, nbconvert, traitlets, jsonschema, dateutil, tornado, setuptools, yaml, jinja2, nbclient, jupyter_client"], { encoding: "utf8" });
    if (probe.status !== 0) {
      console.log(`      (skipped: the venv lacks a module nbgrader's preprocessors import: ${probe.stderr.trim().split("\n").pop()})`);
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-nbgrader-interop-"));
    const exercises = fs.existsSync(EXERCISES)
      ? fs.readdirSync(EXERCISES).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(EXERCISES, f))
      : [];
    sources = [SOURCE, ...exercises];
    // Both tools make the student version of every source once.
    const pairs = sources.flatMap((s) => [s, path.join(tmp, "nbgrader", path.basename(s))]);
    fs.mkdirSync(path.join(tmp, "nbgrader"));
    nbgrader("generate", ...pairs);
    const r = cdlab("release", ...sources, "--out", path.join(tmp, "cdlab"));
    expect(r.status, r.stderr).to.equal(0);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("nbgrader's generate_assignment and `cdlab release` make the same student cells (sources, checksums, lock flags)", function () {
    expect(sources.length).to.be.greaterThan(1);
    for (const s of sources) {
      const name = path.basename(s);
      const ng = readNotebook(path.join(tmp, "nbgrader", name));
      const cd = readNotebook(path.join(tmp, "cdlab", name));
      expect(normalized(cd), name).to.deep.equal(normalized(ng));
    }
  });

  it("nbgrader → cdlab: cdlab grades nbgrader's student version (0 points, checksums accepted) and it filled in (full marks)", function () {
    const student = path.join(tmp, "nbgrader", path.basename(SOURCE));
    const source = readNotebook(SOURCE);
    const solutions = new Map(source.cells.filter((c) => c.metadata.nbgrader?.solution).map((c) => [c.metadata.nbgrader!.grade_id, solutionCode(c)]));
    const filled = readNotebook(student);
    let n = 0;
    for (const c of filled.cells) {
      const code = solutions.get(c.metadata.nbgrader?.grade_id ?? "");
      if (code !== undefined) (c.source = code), n++;
    }
    expect(n).to.equal(3);
    const filledFile = path.join(tmp, "nbgrader-filled.ipynb");
    fs.writeFileSync(filledFile, serializeNotebook(filled));

    const r = cdlab("grade", student, filledFile, "--source", SOURCE, "--json", "--timeout", "20");
    expect(r.status, r.stderr).to.equal(0);
    const [empty, full] = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { score: number; max_score: number; cells: { grade_id: string; status: string }[] });
    expect(empty).to.include({ score: 0, max_score: 4.5 });
    expect(empty.cells.map((c) => c.grade_id)).to.deep.equal(["test_soma", "test_dobra", "test_espera"]);
    expect(empty.cells.filter((c) => c.status === "tampered")).to.deep.equal([]);
    expect(full).to.include({ score: 4.5, max_score: 4.5 });
    expect(full.cells.map((c) => c.status)).to.deep.equal(["passed", "passed", "passed"]);
  });

  it("cdlab → nbgrader: nbgrader's schema v3 reader and validator accept every `cdlab release` output", function () {
    const files = sources.map((s) => path.join(tmp, "cdlab", path.basename(s)));
    const results = nbgraderValidate(files);
    expect(results.map((v) => v.file)).to.deep.equal(files);
    for (const v of results) {
      const name = path.basename(v.file);
      expect(v.schema_error, name).to.equal(null);
      expect(v.checked, `${name}: locked cells with a checksum`).to.not.be.empty;
      expect(v.changed, name).to.deep.equal([]);
      expect(v.type_changed, name).to.deep.equal([]);
      // every checksum cdlab recorded (solution cells too) is nbgrader's compute_checksum of the cell
      for (const [id, [stored, computed]] of Object.entries(v.checksums)) expect(stored, `${name}: ${id}`).to.equal(computed);
    }
  });

  it("nbgrader detects an edited locked cell (and a changed cell type) in a cdlab release; cdlab grades the test edit as tampered", function () {
    const released = readNotebook(path.join(tmp, "cdlab", path.basename(SOURCE)));
    const byId = (nb: Notebook, id: string) => nb.cells.find((c) => c.metadata.nbgrader?.grade_id === id)!;
    const edited = JSON.parse(JSON.stringify(released)) as Notebook;
    byId(edited, "test_soma").source = 'assert.ok(true, "sempre passa");';
    byId(edited, "setup").source += "\nconst extra = 1;";
    const retyped = JSON.parse(JSON.stringify(released)) as Notebook;
    // a read-only cell turned into markdown (a markdown *grade* cell that is not
    // a solution is already refused by nbgrader's schema reader)
    byId(retyped, "setup").cell_type = "markdown";
    delete byId(retyped, "setup").outputs;
    delete byId(retyped, "setup").execution_count;
    const editedFile = path.join(tmp, "edited.ipynb");
    const retypedFile = path.join(tmp, "retyped.ipynb");
    fs.writeFileSync(editedFile, serializeNotebook(edited));
    fs.writeFileSync(retypedFile, serializeNotebook(retyped));

    const [e, t] = nbgraderValidate([editedFile, retypedFile]);
    expect(e.schema_error).to.equal(null);
    expect(e.changed).to.deep.equal(["setup", "test_soma"]);
    expect(t.schema_error).to.equal(null);
    expect(t.type_changed).to.deep.equal(["setup"]);
    expect(t.changed).to.deep.equal(["setup"]);

    const r = cdlab("grade", editedFile, "--source", SOURCE, "--json", "--timeout", "20");
    expect(r.status, r.stderr).to.equal(0);
    const g = JSON.parse(r.stdout) as { cells: { grade_id: string; status: string }[] };
    expect(g.cells.find((c) => c.grade_id === "test_soma")!.status).to.equal("tampered");
  });
});

describe("grader/release lock flags (nbgrader's LockCells defaults)", function () {
  it("solution cells: not deletable, still editable; test and read-only cells: neither", function () {
    const nb = (flags: Record<string, boolean>, extra: Record<string, unknown> = {}): Cell => ({
      cell_type: "code", source: "x", metadata: { nbgrader: { schema_version: 3, grade: false, solution: false, locked: false, grade_id: "c", ...flags, ...extra } },
    });
    const flags = (c: Cell) => [c.metadata.deletable, c.metadata.editable];
    expect(flags(releaseCell(nb({ solution: true })))).to.deep.equal([false, undefined]);
    expect(flags(releaseCell(nb({ solution: true, grade: true }, { points: 1 })))).to.deep.equal([false, undefined]);
    expect(flags(releaseCell(nb({ grade: true, locked: true }, { points: 1 })))).to.deep.equal([false, false]);
    expect(flags(releaseCell(nb({ grade: true }, { points: 1 })))).to.deep.equal([false, false]);
    expect(flags(releaseCell(nb({ locked: true })))).to.deep.equal([false, false]);
    expect(flags(releaseCell(nb({})))).to.deep.equal([undefined, undefined]);
  });
});
