import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import { parentAndChild } from "../../../src/lectures/05-processos/family";
import { runCExample, cExampleSource, cCompiler, compileC } from "../../../src/lectures/05-processos/c-examples";
import { CdlabError } from "../../../src/runtime/errors";
import { descendantWatch } from "../../proc/leaks";

describe("proc/family and the C examples", () => {
  let watch: ReturnType<typeof descendantWatch>;
  beforeEach(() => (watch = descendantWatch()));
  afterEach(() => watch.check());

  it("the child inherits PPID, UIDs and environment, changes only its copy, and shares the file offset", async () => {
    const f = await parentAndChild({ env: "teste" });
    const row = (a: string) => f.rows.find((r) => r.atributo.startsWith(a))!;
    expect(row("PID → PPID").filho).to.equal(`PID ${f.childPid}, PPID ${process.pid}`);
    expect(row("Real UID").filho).to.equal(row("Real UID").pai);
    expect(row("Variável de ambiente").pai).to.equal("CDLAB_AULA=teste (no ambiente do pai)");
    expect(row("Variável de ambiente").filho).to.equal("CDLAB_AULA=teste");
    expect(process.env.CDLAB_AULA, "the parent's environment is restored").to.equal(undefined);
    expect(row("Dados").pai).to.equal("1 (inalterado)");
    expect(row("Dados").filho).to.equal("1 → 101");
    expect(row("Ponteiro").pai).to.equal("19 antes → 34 depois do filho");
    expect(f.file).to.equal("pai escreveu antes\nfilho escreveu\npai escreveu depois\n");
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`cdlab-family-${process.pid}-`))).to.deep.equal([]);
  });

  it("compiles and runs the lecture's fork() and pipe programs (or says there is no compiler)", async function () {
    this.timeout(30000);
    expect(cExampleSource("pipe")).to.include("pipe(d)");
    const fork = await runCExample("fork");
    if (!cCompiler()) {
      expect(fork.available).to.equal(false);
      expect(fork.note).to.match(/Sem compilador C/);
      return this.skip();
    }
    expect(fork.exitCode).to.equal(0);
    expect(fork.stdout).to.match(/filho PID=\d+ PPID=\d+ UID=\d+: global=11 local=21 heap=31/);
    expect(fork.stdout).to.include("global=10 local=20 heap=30 (inalterados)");
    expect(fork.stdout).to.include("offset do arquivo = 15 (movido pelo filho)");
    expect(fork.file).to.equal("filho escreveu\npai escreveu depois\n");
    const p = await runCExample("pipe");
    expect(p.stdout).to.match(/^filho PID=\d+ \(pai \d+\) leu 12 bytes: hello world\n$/);
  });

  it("a C file that does not compile is one clear error", async function () {
    if (!cCompiler()) return this.skip();
    const bad = `${os.tmpdir()}/cdlab-bad-${process.pid}.c`;
    fs.writeFileSync(bad, "int main( { return 0; }\n");
    try {
      const e = await compileC(bad).catch((err) => err);
      expect(e).to.be.instanceOf(CdlabError).and.include({ code: "ERR_COMPILE" });
      expect(e.message).to.match(/cdlab-bad-\d+\.c: .*error/);
    } finally {
      fs.rmSync(bad, { force: true });
    }
    expect(() => runCExample("nope" as "fork")).to.throw(CdlabError, /"name".*"nope".*: esperado um de /);
  });
});
