/**
 * The autograder end to end, with real cdlab kernels: the source gets full
 * marks, the released version 0, and each hostile submission costs only what
 * it breaks. Each `it` grades one fixture (1–2 kernel starts).
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { gradeSubmission, readSource, type SubmissionGrade } from "../../src/grader/autograde";
import { CdlabError } from "../../src/runtime/errors";
import { descendants } from "../../src/proc/tree";

const FIX = path.join(__dirname, "..", "fixtures", "grader");
const fx = (name: string) => path.join(FIX, name);

function statuses(g: SubmissionGrade): Record<string, string> {
  return Object.fromEntries(g.cells.map((c) => [c.grade_id, c.status]));
}

/** Our kernels: descendants of this process started with a connection file in a cdlab-kernel- folder. */
function ourKernels(): number[] {
  return descendants(process.pid).filter((pid) => {
    try {
      // A kernel, sandboxed (bwrap … dist/kernel/main.js) or not (its connection file in a cdlab-kernel- folder).
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      return cmd.includes("cdlab-kernel-") || cmd.includes(path.join("dist", "kernel", "main.js"));
    } catch {
      return false;
    }
  });
}

describe("grader/grade", function () {
  this.timeout(180_000); // a sandboxed kernel or two per test, on a loaded 2-core machine
  const source = readSource(fx("exercise.ipynb"));

  afterEach(function () {
    expect(ourKernels(), "kernels left running").to.deep.equal([]);
  });

  it("the source notebook gets full marks", async function () {
    const g = await gradeSubmission(fx("exercise.ipynb"), source);
    expect(g.score).to.equal(4.5);
    expect(g.max_score).to.equal(4.5);
    expect(statuses(g)).to.deep.equal({ test_soma: "passed", test_dobra: "passed", test_espera: "passed" });
    expect(g.kernel_starts).to.equal(1);
  });

  it("the released version gets 0, every test an error saying it is not implemented", async function () {
    const g = await gradeSubmission(fx("released.ipynb"), source);
    expect(g.score).to.equal(0);
    expect(g.max_score).to.equal(4.5);
    for (const c of g.cells) {
      expect(c.status).to.equal("error");
      expect(c.message).to.include("Ainda não implementado");
    }
    // Where the machine cannot sandbox kernels the report says so ("sem sandbox: …"); nothing else may be warned.
    expect(g.warnings.filter((w) => !w.startsWith("sem sandbox:"))).to.deep.equal([]);
  });

  it("process.exit() in one test and an infinite loop in another cost those two tests only", async function () {
    const g = await gradeSubmission(fx("sub-exit-loop.ipynb"), source, { timeoutMs: 2000 });
    expect(statuses(g)).to.deep.equal({ test_soma: "error", test_dobra: "timeout", test_espera: "passed" });
    expect(g.cells[0].message).to.include("kernel terminou");
    expect(g.score).to.equal(1.5);
    expect(g.kernel_starts).to.be.greaterThanOrEqual(2);
  });

  it("a kernel crash (SIGSEGV) costs that test; the kernel is restarted for the rest", async function () {
    const g = await gradeSubmission(fx("sub-crash.ipynb"), source);
    expect(statuses(g)).to.deep.equal({ test_soma: "passed", test_dobra: "error", test_espera: "passed" });
    expect(g.kernel_starts).to.equal(2);
  });

  it("redefining assert, Object.is, Object.keys and JSON does not turn wrong answers into passes", async function () {
    const g = await gradeSubmission(fx("sub-redefine.ipynb"), source);
    expect(statuses(g)).to.deep.equal({ test_soma: "failed", test_dobra: "failed", test_espera: "passed" });
    expect(g.cells[0].message).to.equal("soma(2, 3): esperava 5, obteve -1");
    expect(g.score).to.equal(1.5);
  });

  it("code looking for the source notebook or hidden tests finds nothing the grader gave it", async function () {
    const g = await gradeSubmission(fx("sub-snoop.ipynb"), source);
    // espera() returns "achei: …" when it found the source path, the hidden tests or a file in its folder
    expect(g.cells.find((c) => c.grade_id === "test_espera")).to.include({ status: "passed", message: "" });
    expect(g.score).to.equal(4.5);
  });

  it("edited and deleted test cells are tampered; edited locked cells and reordering are restored", async function () {
    const g = await gradeSubmission(fx("sub-tampered.ipynb"), source);
    expect(statuses(g)).to.deep.equal({ test_soma: "tampered", test_dobra: "tampered", test_espera: "passed" });
    expect(g.cells[0].message).to.equal("célula de teste alterada");
    expect(g.cells[1].message).to.equal("célula de teste apagada");
    expect(g.warnings).to.include("células fora da ordem original; executadas na ordem original");
    expect(g.warnings).to.include('célula bloqueada "setup" foi alterada; usada a original');
  });

  it("input that cannot be graded is rejected with a clear error before any kernel starts", async function () {
    const cases: [string, string, RegExp][] = [
      ["sub-malformed.ipynb", "ERR_NOT_NOTEBOOK", /JSON inválido/],
      ["other-exercise.ipynb", "ERR_NOT_THIS_EXERCISE", /nenhuma célula deste exercício/],
      ["nbgrader-checksum.py", "ERR_NOT_NOTEBOOK", /JSON inválido/],
      ["checksum-vectors.json", "ERR_NOT_NOTEBOOK", /não é um notebook do Jupyter/],
      ["missing.ipynb", "ENOENT", /arquivo não encontrado/],
    ];
    for (const [file, code, re] of cases) {
      const e = await gradeSubmission(fx(file), source).then(() => undefined, (x: unknown) => x);
      expect(e, file).to.be.instanceOf(CdlabError);
      expect((e as CdlabError).code, file).to.equal(code);
      expect((e as Error).message, file).to.match(re);
    }
  });
});
