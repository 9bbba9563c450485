/**
 * Grading a class in nbgrader's layout: a made-up class of four students on
 * the fixture exercise (full marks, the released copy, an honest solution in
 * another style, a submission that is not a notebook) and one who submitted
 * nothing; results, feedback and the gradebook; a re-run grades only what
 * changed.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gradeCourse, type CourseResult } from "../../src/grader/course";
import { feedbackHtml } from "../../src/grader/feedback";
import { progressLine } from "../../src/cli/commands/grade-course";
import { sandboxSupport } from "../../src/grader/sandbox";
import { spareChildren } from "../support/spares";

const FIX = path.join(__dirname, "..", "fixtures", "grader");
const A = "ex1";

/** A course folder with source/ex1/exercise.ipynb and the given submissions (student → fixture). */
export function makeClass(root: string, subs: Record<string, string | null>): void {
  fs.mkdirSync(path.join(root, "source", A), { recursive: true });
  fs.copyFileSync(path.join(FIX, "exercise.ipynb"), path.join(root, "source", A, "exercise.ipynb"));
  for (const [student, fixture] of Object.entries(subs)) {
    const dir = path.join(root, "submitted", student, A);
    fs.mkdirSync(dir, { recursive: true });
    if (fixture) fs.copyFileSync(path.join(FIX, fixture), path.join(dir, "exercise.ipynb"));
  }
}

const byStudent = (rs: CourseResult[]) => Object.fromEntries(rs.map((r) => [r.student, r]));

describe("grader/course", function () {
  this.timeout(240_000);
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-course-"));
    makeClass(root, { alice: "exercise.ipynb", bruno: "released.ipynb", carla: "sub-other-style.ipynb", davi: "sub-malformed.ipynb", eva: null });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("grades every student, two at a time, and writes results, feedback and the gradebook", async function () {
    const seen: number[] = [];
    const { results, gradebook } = await gradeCourse(root, A, { jobs: 2, timeoutMs: 20_000, onResult: (_r, done) => seen.push(done) });
    expect(seen).to.deep.equal([1, 2, 3, 4, 5]);
    const r = byStudent(results);
    expect(r.alice.grade?.score).to.equal(4.5);
    expect(r.bruno.grade?.score).to.equal(0);
    expect(r.carla.grade?.score).to.equal(4.5);
    expect(r.davi.error).to.match(/JSON inválido/);
    expect(r.eva.error).to.equal("não entregue");
    expect(results.every((x) => !x.reused)).to.equal(true);

    expect(fs.readFileSync(gradebook, "utf8").split("\n")).to.deep.equal([
      "student,test_soma,test_dobra,test_espera,total,max_score,notes",
      "alice,2,1,1.5,4.5,4.5,",
      "bruno,0,0,0,0,4.5,",
      "carla,2,1,1.5,4.5,4.5,",
      `davi,0,0,0,0,4.5,"exercise.ipynb: ${r.davi.error!.replace(/"/g, '""')}"`,
      "eva,0,0,0,0,4.5,exercise.ipynb: não entregue",
      "",
    ]);
    const fb = fs.readFileSync(path.join(root, "feedback", "bruno", A, "exercise.html"), "utf8");
    expect(fb).to.include('<html lang="pt-BR">').and.include("Nota: <b>0</b> de 4,5 pontos");
    expect(fb).to.include("<code>test_soma</code></td><td>0 / 2</td><td>erro</td><td>Error: Ainda não implementado</td>");
    expect(fs.existsSync(path.join(root, "autograded", "alice", A, "exercise.json"))).to.equal(true);
    expect(fs.existsSync(path.join(root, "feedback", "eva")), "nothing written for a missing submission").to.equal(false);
    // Spare kernels started for students who needed none (davi, eva) are stopped with their sandboxes.
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`cdlab-sbx-${process.pid}-`)), "sandbox folders left").to.deep.equal([]);
  });

  it("a re-run keeps what is unchanged and grades only the changed submission", async function () {
    fs.copyFileSync(path.join(FIX, "released.ipynb"), path.join(root, "submitted", "carla", A, "exercise.ipynb"));
    fs.rmSync(path.join(root, "feedback", "alice"), { recursive: true });
    const { results } = await gradeCourse(root, A, { jobs: 2, timeoutMs: 20_000 });
    const r = byStudent(results);
    expect(Object.fromEntries(results.map((x) => [x.student, x.reused]))).to.deep.equal({ alice: true, bruno: true, carla: false, davi: true, eva: false });
    expect(r.carla.grade?.score).to.equal(0);
    expect(fs.existsSync(path.join(root, "feedback", "alice", A, "exercise.html")), "missing feedback rewritten").to.equal(true);
  });

  it("a resumed class starts no spare kernel for submissions whose results are reused", async function () {
    if (os.availableParallelism() < 2 || !sandboxSupport().ok) this.skip(); // spares only with fewer jobs than cores
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-course-resume-"));
    try {
      makeClass(dir, { ana: "exercise.ipynb", beto: "released.ipynb" });
      await gradeCourse(dir, A, { jobs: 1, timeoutMs: 20_000 });
      fs.copyFileSync(path.join(FIX, "released.ipynb"), path.join(dir, "submitted", "ana", A, "exercise.ipynb"));
      const sparesAt: Record<string, number> = {};
      const { results } = await gradeCourse(dir, A, { jobs: 1, timeoutMs: 20_000, onResult: (r) => (sparesAt[r.student] = spareChildren(process.pid).length) });
      expect(results.map((r) => [r.student, r.reused])).to.deep.equal([["ana", false], ["beto", true]]);
      expect(sparesAt.ana, "spares running as ana's grading ended (beto's result is reused)").to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an assignment without a source notebook, or a bad jobs count, is rejected before any kernel starts", async function () {
    const e = await gradeCourse(root, "nada").then(() => undefined, (x: unknown) => x);
    expect(e).to.include({ code: "ERR_NO_ASSIGNMENT" });
    const j = await gradeCourse(root, A, { jobs: 0 }).then(() => undefined, (x: unknown) => x);
    expect(j).to.include({ code: "EINVAL" });
  });

  it("the progress line shows a bar, the count and the last student", function () {
    expect(progressLine(3, 6, "ana")).to.equal(`\r[${"#".repeat(15)}${"-".repeat(15)}] 3/6 ana`);
    expect(progressLine(0, 0, "")).to.match(/^\r\[#{30}\] 0\/0/);
  });

  it("feedback escapes what the submission controls", function () {
    const html = feedbackHtml({
      student: "<script>", assignment: A, notebook: "n.ipynb", reused: false, source_sha256: "",
      grade: { file: "f", score: 0, max_score: 1, ms: 0, kernel_starts: 1, warnings: ["<i>x</i>"], cells: [{ grade_id: "t", points: 0, max_points: 1, status: "failed", message: "<img src=x>" }] },
    });
    expect(html).to.not.include("<script>").and.not.include("<img").and.not.include("<i>");
    expect(html).to.include("&#60;img src=x&#62;");
  });
});
