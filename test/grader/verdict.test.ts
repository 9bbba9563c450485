// Longer than 300 lines: the verdicts, every probe kind run from the probe process, and grading as root and as nobody belong to one story
/**
 * Verdicts decided in the grader's process: the verdict blocks never reach the
 * kernel; a cell scores only when what it observed satisfies the verdict; the
 * three ways that beat in-kernel checks (Promise.race, vm.runInThisContext in a
 * try, forged observations) earn nothing on the converted fixture exercise,
 * while the same submissions do earn points when the verdicts are removed
 * (so the attacks are real); probes measure from a process of their own.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { gradeSubmission, readSource, type SubmissionGrade } from "../../src/grader/autograde";
import { cellSource, readNotebook, type Notebook } from "../../src/grader/notebook";
import { observe, OBSERVATION_MIME, probe, PROBE_ADDRESS_KEY } from "../../src/grader/observe";
import { startProbes, type ProbeProcess } from "../../src/grader/probe";
import type { UdpProbeSpec } from "../../src/grader/probes/udp";
import { assemble } from "../../src/grader/steps/assemble";
import { judge, probeSpecs, splitTest } from "../../src/grader/verdict";
import type { Output } from "../../src/grader/notebook";
import { descendants, procStat } from "../../src/proc/tree";
import { pollUntil } from "../support/poll";

const FIX = path.join(__dirname, "..", "fixtures", "grader");
const fx = (name: string) => path.join(FIX, name);
const obs = (name: string, o: object): Output => ({ output_type: "display_data", data: { [OBSERVATION_MIME]: { name, ...o } } as never, metadata: {} });
const points = (g: SubmissionGrade) => Object.fromEntries(g.cells.map((c) => [c.grade_id, c.points]));

describe("grader/verdict", function () {
  describe("splitTest and judge", function () {
    it("verdict and probe blocks are cut from the kernel's code", function () {
      const src = 'a();\n/* cdlab:verdict\nassert.equal(value("x"), 42);\n*/\n/* cdlab:probe srv\nudp({ send: ["oi"] })\n*/\nb();\n';
      const s = splitTest(src);
      expect(s.code).to.equal("a();\n\n\nb();\n");
      expect(s.verdict).to.equal('assert.equal(value("x"), 42);\n');
      expect(probeSpecs(s.probes)).to.deep.equal({ srv: { kind: "udp", send: ["oi"] } });
      expect(splitTest("a();\n").verdict).to.equal(undefined);
    });

    it("no expectation of the fixture exercise is in the code that runs in the kernel", function () {
      const source = readSource(fx("exercise.ipynb"));
      const plan = assemble(source, readNotebook(fx("released.ipynb")), "released.ipynb");
      const code = plan.steps.map((s) => s.code).join("\n");
      expect(code).to.include('observe("soma(1e9, 7)"');
      expect(code).to.not.include("cdlab:verdict").and.not.include("1000000007");
      expect(plan.grades.every((g) => g.verdict)).to.equal(true);
    });

    it("judge: values pass or fail in pt-BR; missing, thrown and repeated observations fail; a broken verdict is an error", function () {
      const v = 'assert.equal(value("x"), 5, "x");';
      expect(judge(v, [obs("x", { value: 5 })])).to.deep.equal({ ok: true });
      expect(judge(v, [obs("x", { value: 4 })])).to.deep.equal({ ok: false, status: "failed", message: "x: esperava 5, obteve 4" });
      expect(judge(v, [])).to.include({ ok: false, status: "failed", message: "x: não observado (a célula de teste não chegou até aí)" });
      expect(judge(v, [obs("x", { error: { name: "Error", message: "Ainda não implementado" } })])).to.include({
        message: "x: lançou Error: Ainda não implementado",
      });
      expect(judge(v, [obs("x", { value: 5 }), obs("x", { value: 5 })])).to.include({ message: "observação enviada mais de uma vez: x" });
      expect(judge('assert.equal(error("x").code, "ETIMEDOUT");', [obs("x", { error: { name: "Error", message: "m", code: "ETIMEDOUT" } })])).to.deep.equal({ ok: true });
      expect(judge('assert.equal(value("x"), undefined);', [obs("x", { value: { $: "undefined" } })])).to.deep.equal({ ok: true });
      expect(judge("nope(", [])).to.include({ ok: false, status: "error" });
      const text: Output = { output_type: "stream", name: "stdout", text: JSON.stringify({ [OBSERVATION_MIME]: { name: "x", value: 5 } }) };
      expect(judge(v, [text]), "only display_data of the observation type counts").to.include({ ok: false });
    });
  });

  describe("probes", function () {
    let probes: ProbeProcess | undefined;
    let server: dgram.Socket | undefined;
    let tcp: net.Server | undefined;
    let family: ChildProcess | undefined;
    afterEach(async () => {
      await probes?.close();
      server?.close();
      tcp?.close();
      if (family && family.exitCode === null && family.signalCode === null) {
        for (const pid of descendants(family.pid!)) process.kill(pid, "SIGKILL");
        family.kill("SIGKILL");
        await new Promise((r) => family!.once("exit", r));
      }
      [probes, server, tcp, family] = [undefined, undefined, undefined, undefined];
      delete (globalThis as Record<symbol, unknown>)[Symbol.for(PROBE_ADDRESS_KEY)];
    });

    it("a probe runs once, from its own process, and reports to the grader only", async function () {
      this.timeout(20_000);
      server = dgram.createSocket("udp4");
      server.on("message", (m, r) => server!.send(m.toString().toUpperCase(), r.port, r.address));
      await new Promise<void>((r) => server!.bind(0, "127.0.0.1", r));
      const port = server.address().port;
      probes = await startProbes(probeSpecs({ srv: 'udp({ send: ["oi", "ação"] })', taken: "udpFree()", lossy: "udpServer({ drop: 1 })" }));
      (globalThis as Record<symbol, unknown>)[Symbol.for(PROBE_ADDRESS_KEY)] = `127.0.0.1:${probes.port}`;
      expect(await probe("srv", { port })).to.deep.equal({ ran: true });
      expect(await probe("srv", { port }), "a second request for the same probe is refused").to.deep.equal({ ran: false });
      expect(await probe("other", { port }), "a probe the source did not declare").to.deep.equal({ ran: false });
      expect(probes.results.get("srv")).to.deep.equal([
        { text: "OI", length: 2, from: port },
        { text: "AÇÃO", length: 6, from: port },
      ]);
      expect(await probe("taken", { port })).to.deep.equal({ ran: true });
      expect(probes.results.get("taken")).to.deep.equal({ free: false });
      const lossy = await probe("lossy");
      expect(lossy.port).to.be.a("number");
      const c = dgram.createSocket("udp4");
      const replies: string[] = [];
      c.on("message", (m) => replies.push(m.toString()));
      await new Promise<void>((r) => c.bind(0, "127.0.0.1", r));
      for (const t of ["a", "b"]) c.send(t, lossy.port!, "127.0.0.1");
      const until = Date.now() + 5000;
      while (replies.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      c.close();
      expect(replies).to.deep.equal(["B"]);
      expect(probes.results.get("lossy")).to.deep.equal({ received: 2, texts: ["a", "b"] });
    });

    it("TCP probes: a writeUTF client (one connection, or one per text, frames split in pieces), a free port, a server of the grader's", async function () {
      this.timeout(30_000);
      const frame = (t: string) => {
        const b = Buffer.from(t, "utf8");
        return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
      };
      // the student's side: answers each writeUTF frame with the text reversed, one buffer per connection
      const rev = net.createServer((s) => {
        let pending = Buffer.alloc(0);
        s.on("data", (d) => {
          pending = Buffer.concat([pending, d]);
          while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
            const n = pending.readUInt16BE(0);
            s.write(frame([...pending.toString("utf8", 2, 2 + n)].reverse().join("")));
            pending = pending.subarray(2 + n);
          }
        });
      });
      tcp = rev;
      await new Promise<void>((r) => rev.listen(0, "127.0.0.1", r));
      const port = (rev.address() as net.AddressInfo).port;
      probes = await startProbes(
        probeSpecs({ seq: 'tcp({ send: ["olá", "", "ab".repeat(30000)] })', par: 'tcp({ send: ["primeiro", "segundo"], parallel: true, chunk: 3 })', taken: "tcpFree()", srv: "tcpServer()" }),
      );
      (globalThis as Record<symbol, unknown>)[Symbol.for(PROBE_ADDRESS_KEY)] = `127.0.0.1:${probes.port}`;
      expect(await probe("seq", { port })).to.deep.equal({ ran: true });
      expect(probes.results.get("seq")).to.deep.equal([
        { text: "álo", length: 4 },
        { text: "", length: 0 },
        { text: "ba".repeat(30000), length: 60000 },
      ]);
      expect(await probe("par", { port })).to.deep.equal({ ran: true });
      expect(probes.results.get("par")).to.deep.equal([
        { text: "oriemirp", length: 8 },
        { text: "odnuges", length: 7 },
      ]);
      expect(await probe("taken", { port })).to.deep.equal({ ran: true });
      expect(probes.results.get("taken")).to.deep.equal({ free: false });
      const srv = await probe("srv");
      const c = net.connect(srv.port!, "127.0.0.1");
      let got = Buffer.alloc(0);
      c.on("data", (d) => (got = Buffer.concat([got, d])));
      c.write(Buffer.concat([frame("oi"), frame("ação")]));
      await pollUntil(() => got.length >= 10);
      c.end();
      await pollUntil(() => (probes!.results.get("srv") as { closed: number }).closed === 1);
      expect(got.toString("hex")).to.equal(Buffer.concat([frame("OI"), frame("AÇÃO")]).toString("hex"));
      expect(probes.results.get("srv")).to.deep.equal({ connections: 1, closed: 1, received: 2, texts: ["oi", "ação"] });
    });

    it("process probes: /proc of a pid the cell names, looked up in the kernel's tree only; a watch of its new children", async function () {
      this.timeout(30_000);
      probes = await startProbes(probeSpecs({ neto: "processInfo()", fora: "processInfo()", filhos: 'children({ forMs: 5000, env: ["CDLAB_PROBE_X"] })' }), { kernelPid: process.pid });
      (globalThis as Record<symbol, unknown>)[Symbol.for(PROBE_ADDRESS_KEY)] = `127.0.0.1:${probes.port}`;
      family = spawn("sh", ["-c", "sleep 30 & echo $!; wait"], { stdio: ["ignore", "pipe", "ignore"] });
      const grandchild = Number(await new Promise<string>((r) => family!.stdout!.once("data", (b) => r(String(b)))));
      await pollUntil(() => procStat(grandchild)?.comm === "sleep" && procStat(grandchild)?.state === "S", { what: "the grandchild sleeping" });
      expect(await probe("neto", { pid: grandchild })).to.deep.equal({ ran: true });
      const info = probes.results.get("neto") as { chain: number[] };
      expect(info).to.deep.include({ exists: true, pid: grandchild, ppid: family.pid, name: "sleep", state: "S" });
      expect(info.chain.slice(0, 3)).to.deep.equal([grandchild, family.pid, process.pid]);
      expect(info.chain.at(-1)).to.equal(1);
      expect(await probe("fora", { pid: 1 }), "pid 1 is not in this kernel's tree").to.deep.equal({ ran: true });
      expect(probes.results.get("fora")).to.deep.equal({ exists: false });
      expect(await probe("filhos", { pid: process.pid })).to.deep.equal({ ran: true });
      const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 300)"], { cwd: "/", env: { ...process.env, CDLAB_PROBE_X: "42" }, stdio: "ignore" });
      await new Promise((r) => child.once("exit", r));
      await pollUntil(() => (probes!.results.get("filhos") as { pid: number; exited: boolean }[]).some((c) => c.pid === child.pid && c.exited));
      const seen = (probes.results.get("filhos") as { pid: number }[]).find((c) => c.pid === child.pid);
      expect(seen).to.deep.equal({ pid: child.pid, cmdline: [process.execPath, "-e", "setTimeout(() => {}, 300)"], cwd: "/", env: { CDLAB_PROBE_X: "42" }, exited: true });
    });

    it("a probe process that cannot start is an error for the grader, not a hang", async function () {
      const plan: Record<string, UdpProbeSpec> = { srv: { kind: "udp", send: ["oi"] } };
      const e = await startProbes(plan, { prefix: ["/nonexistent/cdlab-enter"] }).then(() => undefined, (x: unknown) => x);
      expect((e as NodeJS.ErrnoException)?.code).to.equal("ENOENT");
    });

    it("outside the grader, probe() and observe() only show text", async function () {
      const shown: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((s: string) => (shown.push(s), true)) as typeof write;
      try {
        expect(await probe("srv", { port: 1 })).to.deep.equal({ ran: false });
        await observe("x", () => [1, undefined]);
        await observe("y", () => Promise.reject(new Error("não")));
      } finally {
        process.stdout.write = write;
      }
      expect(shown).to.deep.equal(['sonda "srv": só roda durante a correção\n', 'x: [1,{"$":"undefined"}]\n', "y: lançou Error: não\n"]);
    });
  });

  describe("grading as a non-root user", function () {
    this.timeout(180_000);
    /** A one-test exercise whose verdict needs a server probe: the probe must join the kernel's (sandboxed) network. */
    const exercise = {
      cells: [
        { cell_type: "code", execution_count: null, metadata: { nbgrader: { grade: false, grade_id: "setup", locked: true, schema_version: 3, solution: false, task: false } }, outputs: [], source: 'import dgram from "node:dgram";' },
        {
          cell_type: "code",
          execution_count: null,
          metadata: { nbgrader: { grade: true, grade_id: "test_probe", locked: true, points: 1, schema_version: 3, solution: false, task: false } },
          outputs: [],
          source: [
            "// BEGIN HIDDEN TESTS",
            'const { observe, probe } = require("cdlab") as typeof import("cdlab");',
            'const srv = await probe("eco");',
            "const s = dgram.createSocket(\"udp4\");",
            "await observe(\"resposta\", () => new Promise((ok, fail) => { s.once(\"message\", (m) => ok(m.toString())); s.send(\"oi\", srv.port ?? 9, \"127.0.0.1\"); setTimeout(() => fail(new Error(\"sem resposta\")), 3000); }).finally(() => s.close()));",
            "/* cdlab:probe eco",
            "udpServer()",
            "*/",
            "/* cdlab:verdict",
            'assert.equal(value("resposta"), "OI", "o servidor do corretor respondeu");',
            'assert.equal(probe("eco").received, 1, "o servidor do corretor recebeu o datagrama");',
            "*/",
            "// END HIDDEN TESTS",
          ].join("\n"),
        },
      ],
      metadata: { kernelspec: { display_name: "Computação Distribuída (TypeScript)", language: "typescript", name: "cdlab" } },
      nbformat: 4,
      nbformat_minor: 5,
    };

    it("probes either join the sandbox's network or fail the cells that need them, with the instructor told why; never a crash", async function () {
      const setpriv = spawnSync("setpriv", ["--version"]);
      if (process.getuid?.() !== 0 || setpriv.error) {
        console.log(`      (skipped: switching to a non-root user needs root and setpriv; uid ${process.getuid?.()}, setpriv ${setpriv.error ? "missing" : "present"})`);
        return this.skip();
      }
      const bin = path.resolve(__dirname, "..", "..", "bin", "cdlab.js");
      if (spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", 'test -r "$0"', bin]).status !== 0) {
        console.log(`      (skipped: nobody cannot read the project at ${path.dirname(path.dirname(bin))}, e.g. a clone inside a 0700 folder)`);
        return this.skip();
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-nonroot-"));
      try {
        fs.chmodSync(dir, 0o755);
        const file = path.join(dir, "probe.ipynb");
        fs.writeFileSync(file, JSON.stringify(exercise));
        fs.chmodSync(file, 0o644);
        const r = spawnSync(
          "setpriv",
          ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", process.execPath, bin, "grade", file, "--source", file, "--json"],
          { encoding: "utf8", cwd: dir, env: { ...process.env, HOME: dir }, timeout: 150_000 },
        );
        expect(r.stderr, "no stack dump").to.not.match(/\n\s+at /);
        const report = JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as { score: number; cells: { message: string }[]; warnings?: string[]; error?: string };
        expect(report.error, `the grading as nobody ran (stderr: ${r.stderr.trim()})`).to.equal(undefined);
        const refused = (report.warnings ?? []).find((w) => w.includes("sondas do corretor"));
        if (refused) {
          console.log(`      (as nobody the probe could not join the kernel's network here: ${refused})`);
          expect(report.score).to.equal(0);
          expect(report.cells[0].message).to.match(/sonda "eco": não executada|resposta/);
        } else {
          expect(report.cells[0].message, "the probe answered as a non-root grader").to.equal("");
          expect(report.score).to.equal(1);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("grading the converted fixture exercise", function () {
    this.timeout(90_000);
    const source = readSource(fx("exercise.ipynb"));
    /** The same source with its verdicts removed: what in-kernel grading would have decided. */
    const noVerdicts: Notebook = JSON.parse(JSON.stringify(source));
    for (const c of noVerdicts.cells) c.source = splitTest(cellSource(c)).code;

    for (const [file, how] of [
      ["sub-verdict-race.ipynb", "patching Promise.race"],
      ["sub-verdict-vm.ipynb", "running each cell inside a try {} through vm.runInThisContext"],
    ] as const) {
      it(`unimplemented solutions get 0 despite ${how} (and would pass without verdicts)`, async function () {
        const g = await gradeSubmission(fx(file), source, { timeoutMs: 15_000 });
        expect(g.score).to.equal(0);
        for (const c of g.cells) expect(c.message).to.match(/não observado/);
        const realm = await gradeSubmission(fx(file), noVerdicts, { timeoutMs: 15_000 });
        expect(realm.score, "the attack works against in-kernel checks").to.equal(4.5);
      });
    }

    it("forged observations (real ones dropped) earn nothing where the hidden values were never shown", async function () {
      const g = await gradeSubmission(fx("sub-verdict-forge.ipynb"), source, { timeoutMs: 15_000 });
      // espera's hidden value "ok" is the one its visible test shows, so a forger can copy it: writing-tests.md
      // tells authors to observe inputs whose answers the student never saw.
      expect(points(g)).to.deep.include({ test_soma: 0, test_dobra: 0 });
      expect(g.cells[0].message).to.equal("soma(1e9, 7): esperava 1000000007, obteve 0");
    });

    it("honest solutions written another way get full marks", async function () {
      const g = await gradeSubmission(fx("sub-other-style.ipynb"), source, { timeoutMs: 15_000 });
      expect(g.cells.filter((c) => c.status !== "passed")).to.deep.equal([]);
      expect(g.score).to.equal(4.5);
    });
  });
});
