import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const FIX = path.join(ROOT, "test", "fixtures", "grader");
const cdlab = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin", "cdlab.js"), ...args], { encoding: "utf8", cwd: FIX });

describe("grader/cli", function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-cli-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("release twice gives identical bytes, equal to the committed released fixture", function () {
    for (const out of ["a", "b"]) expect(cdlab("release", "exercise.ipynb", "--out", path.join(tmp, out)).status).to.equal(0);
    const a = fs.readFileSync(path.join(tmp, "a", "exercise.ipynb"));
    expect(a.equals(fs.readFileSync(path.join(tmp, "b", "exercise.ipynb")))).to.equal(true);
    expect(a.toString()).to.equal(fs.readFileSync(path.join(FIX, "released.ipynb"), "utf8"));
  });

  it("grade --json --csv: one object per submission, one CSV row each, exit 1 when one cannot be graded", function () {
    const csv = path.join(tmp, "notas.csv");
    const r = cdlab("grade", "exercise.ipynb", "sub-malformed.ipynb", "--source", "exercise.ipynb", "--json", "--csv", csv, "--timeout", "20");
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stderr).to.include('Não foi possível ler o notebook "sub-malformed.ipynb": JSON inválido');
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).to.deep.include({ file: "exercise.ipynb", score: 4.5, max_score: 4.5 });
    expect(lines[0].cells[0]).to.deep.equal({ grade_id: "test_soma", points: 2, max_points: 2, status: "passed", message: "" });
    expect(lines[1]).to.include({ file: "sub-malformed.ipynb", code: "ERR_NOT_NOTEBOOK" });
    const rows = fs.readFileSync(csv, "utf8").trim().split("\n");
    expect(rows[0]).to.equal("file,score,max_score,test_soma,test_dobra,test_espera,error");
    expect(rows[1]).to.equal("exercise.ipynb,4.5,4.5,2,1,1.5,");
    expect(rows[2]).to.match(/^sub-malformed\.ipynb,,,,,,"Não foi possível ler o notebook/);
  });

  it("grade --course: a JSON line per submission, the gradebook, and a re-run that reuses what is unchanged", function () {
    fs.mkdirSync(path.join(tmp, "source", "ex1"), { recursive: true });
    fs.copyFileSync(path.join(FIX, "exercise.ipynb"), path.join(tmp, "source", "ex1", "exercise.ipynb"));
    fs.mkdirSync(path.join(tmp, "submitted", "alice", "ex1"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "submitted", "eva", "ex1"), { recursive: true });
    fs.copyFileSync(path.join(FIX, "sub-other-style.ipynb"), path.join(tmp, "submitted", "alice", "ex1", "exercise.ipynb"));
    const first = cdlab("grade", "--course", tmp, "ex1", "--jobs", "2", "--timeout", "20");
    expect(first.status, first.stderr).to.equal(0);
    const lines = first.stdout.trim().split("\n").map((l) => JSON.parse(l)).sort((a, b) => a.student.localeCompare(b.student)); // in the order they finish
    expect(lines.map((l) => [l.student, l.score ?? l.error, l.reused])).to.deep.equal([["alice", 4.5, false], ["eva", "não entregue", undefined]]);
    expect(first.stderr).to.include("2 entregas (0 já corrigidas antes), 0 sem nota");
    expect(fs.readFileSync(path.join(tmp, "gradebook-ex1.csv"), "utf8")).to.include("alice,2,1,1.5,4.5,4.5,\n");
    const again = cdlab("grade", "--course", tmp, "ex1");
    expect(again.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.student === "alice")).to.include({ score: 4.5, reused: true });
  });

  it("usage errors exit 2", function () {
    expect(cdlab("grade", "--course", tmp, "a", "b").status).to.equal(2);
    expect(cdlab("grade", "--course", tmp, "a", "--jobs", "0").status).to.equal(2);
    expect(cdlab("grade", "exercise.ipynb", "--source", "exercise.ipynb", "--jobs", "2").status).to.equal(2);
    expect(cdlab("grade", "exercise.ipynb").status).to.equal(2);
    expect(cdlab("grade", "exercise.ipynb", "--source", "exercise.ipynb", "--timeout", "abc").status).to.equal(2);
    expect(cdlab("release", "exercise.ipynb").status).to.equal(2);
  });
});
