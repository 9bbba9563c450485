/**
 * The grading sandbox against submissions that attack it, one class each:
 * reading outside (files, home, other students, processes, network beyond
 * loopback), forging reports and killing the grader, leftovers (double-forked
 * daemons, System V objects, /dev/shm, a fork bomb), output floods, metadata
 * of the wrong type, reply statuses that are not `ok`, a grader killed in the
 * middle — and an honest solution in another style that keeps full marks.
 * Where bubblewrap cannot run, the sandboxed cases skip and say why.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gradeSubmission, readSource } from "../../src/grader/autograde";
import { createSandbox, sandboxSupport } from "../../src/grader/sandbox";
import { scoreResult } from "../../src/grader/steps/score";
import { collectOutputs } from "../../src/jupyter/outputs";
import { KernelClient } from "../../src/jupyter/kernel-client";
import { snapshotArgv } from "../../src/jupyter/kernel-snapshot";
import { makeMessage } from "../../src/jupyter/messages";
import { CdlabError } from "../../src/runtime/errors";
import { pollUntil } from "../support/poll";

const ROOT = path.join(__dirname, "..", "..");
const FIX = path.join(__dirname, "..", "fixtures", "grader");
const fx = (name: string) => path.join(FIX, name);

/** PIDs whose command line contains `marker` (zombies excluded). */
function withMarker(marker: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (fs.readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]?.startsWith("Z")) continue;
      if (fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes(marker)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** System V objects owned by the sandbox's uid (others' tests make and remove their own meanwhile). */
const ipcKeys = () => spawnSync("ipcs", [], { encoding: "utf8" }).stdout.split("\n").filter((l) => /^0x\S+\s+\d+\s+(nobody|65534)\s/.test(l)).sort();

describe("grader/sandbox", function () {
  this.timeout(240_000);
  const source = readSource(fx("exercise.ipynb"));
  const support = sandboxSupport();

  describe("scoring fails closed (no kernel)", function () {
    const reply = (content: Record<string, unknown>) => makeMessage("execute_reply", content, undefined, "test-session");
    it("a reply status other than ok — aborted, unknown, missing, not a string — scores 0 with a pt-BR reason", function () {
      for (const content of [{ status: "aborted" }, { status: "abort" }, { status: "passed" }, {}, { status: 1 }, { status: ["ok"] }]) {
        const r = collectOutputs([], reply(content));
        expect(r.status, JSON.stringify(content)).to.not.equal("ok");
        const s = scoreResult(2, r);
        expect(s.points, JSON.stringify(content)).to.equal(0);
        expect(s.message).to.match(/kernel (recusou|respondeu)/);
      }
      expect(scoreResult(2, collectOutputs([], reply({ status: "ok" }))).points).to.equal(2);
    });

    it("a cell's output is kept within its limits, and says how much was cut", function () {
      const parent = makeMessage("execute_request", {}, undefined, "test-session");
      const lines = Array.from({ length: 50 }, (_, i) => makeMessage("stream", { name: "stdout", text: `linha ${i}\n` }, parent.header, parent.header.session));
      const r = collectOutputs([...lines, makeMessage("stream", { name: "stdout", text: "x".repeat(10_000) }, parent.header, parent.header.session)], reply({ status: "ok" }), { maxOutputLines: 10, maxOutputBytes: 5000 });
      expect(r.stdout.split("\n").length - 1).to.equal(10);
      expect(r.cutBytes).to.be.greaterThan(10_000);
    });
  });

  describe("sandboxed", function () {
    before(function () {
      if (!support.ok) {
        console.log(`      (skipped: ${support.reason})`);
        this.skip();
      }
    });

    it("an honest solution in another style gets full marks", async function () {
      const g = await gradeSubmission(fx("sub-other-style.ipynb"), source);
      expect(g.cells.map((c) => c.message)).to.deep.equal(["", "", ""]);
      expect(g.score).to.equal(g.max_score);
    });

    it("cannot read the source, another student's file or the home, see the grader, or reach past loopback — unsandboxed it could", async function () {
      const other = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-other-student-"));
      fs.copyFileSync(fx("exercise.ipynb"), path.join(other, "outro-aluno.ipynb"));
      try {
        const g = await gradeSubmission(fx("sub-sandbox-escape.ipynb"), source);
        expect(g.cells.find((c) => c.grade_id === "test_espera")!.message).to.equal("");
        expect(g.score).to.equal(g.max_score);
        // The same submission without the sandbox finds files, processes, the network and root (so the test tests the sandbox).
        const open = await gradeSubmission(fx("sub-sandbox-escape.ipynb"), source, { sandbox: false });
        const msg = open.cells.find((c) => c.grade_id === "test_espera")!.message;
        for (const what of ["arquivo", "processo", "uid"]) expect(msg).to.include(what);
        if (Object.keys(os.networkInterfaces()).some((i) => i !== "lo")) expect(msg).to.include("rede");
      } finally {
        fs.rmSync(other, { recursive: true, force: true });
      }
    });

    it("the kernel runs from its startup snapshot, straight under the sandbox's init, without the start's malloc tuning in its environment", async function () {
      const kernel = await KernelClient.start({ launcher: createSandbox() });
      try {
        const r = await kernel.execute('console.log(JSON.stringify([process.ppid, process.env.GLIBC_TUNABLES ?? null, process.env.CDLAB_KERNEL_START_ENV ?? null, globalThis[Symbol.for("cdlab.kernelSnapshot")] !== undefined]))');
        expect(r.status, JSON.stringify(r)).to.equal("ok");
        const [ppid, tunables, mark, snapshot] = JSON.parse(r.stdout) as [number, string | null, string | null, boolean];
        expect(ppid, "the parent is bwrap's init (pid 1 in the sandbox), not a launcher a cell could kill").to.equal(1);
        expect([tunables, mark]).to.deep.equal([null, null]);
        if (snapshotArgv([process.execPath, path.join(ROOT, "dist", "kernel", "main.js")])) expect(snapshot, "started from the blob").to.equal(true);
      } finally {
        await kernel.close();
      }
    });

    it("cannot forge report lines or CSV rows, nor kill or signal the grader", function () {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-forge-"));
      const csv = path.join(tmp, "notas.csv");
      try {
        const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "cdlab.js"), "grade", fx("sub-sandbox-forge.ipynb"), fx("exercise.ipynb"), "--source", fx("exercise.ipynb"), "--json", "--csv", csv], { encoding: "utf8", timeout: 200_000 });
        expect(r.signal, r.stderr).to.equal(null);
        expect(r.status, r.stderr).to.equal(0);
        const lines = r.stdout.trim().split("\n");
        expect(lines, r.stdout).to.have.length(2);
        const reports = lines.map((l) => JSON.parse(l) as { file: string; score: number; max_score: number });
        expect(reports.map((x) => path.basename(x.file))).to.deep.equal(["sub-sandbox-forge.ipynb", "exercise.ipynb"]);
        for (const x of reports) expect(x.score).to.equal(x.max_score);
        const rows = fs.readFileSync(csv, "utf8").trim().split("\n");
        expect(rows).to.have.length(3);
        expect(rows.join("\n")).to.not.include("forjado");
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it("daemons, a fork bomb, System V objects and /dev/shm files are gone after grading", async function () {
      const before = ipcKeys();
      const g = await gradeSubmission(fx("sub-sandbox-leftovers.ipynb"), source, { sandboxLimits: { maxProcesses: 300 } });
      expect(g.max_score).to.equal(4.5);
      await pollUntil(() => withMarker("cdlab-daemon-7f3a").length === 0, { timeoutMs: 5000, what: "the daemon to be gone" });
      expect(ipcKeys()).to.deep.equal(before);
      expect(fs.existsSync("/dev/shm/cdlab-leftover-7f3a")).to.equal(false);
      // Killed with the kernel; its group is removed once the last one has exited (without blocking the grader).
      await pollUntil(() => withMarker("f() { f | f & }; f").length === 0, { timeoutMs: 5000, what: "the fork bomb to be gone" });
    });

    it("an output flood is cut (noted in the report) and the grader's memory stays bounded", async function () {
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      try {
        const g = await gradeSubmission(fx("sub-sandbox-flood.ipynb"), source, { timeoutMs: 120_000 });
        expect(g.score, JSON.stringify(g.cells)).to.equal(g.max_score);
        expect(g.warnings.join("\n")).to.match(/saída cortada: a célula test_soma/);
        expect(JSON.stringify(g).length).to.be.lessThan(100_000);
      } finally {
        clearInterval(t);
      }
      // 42 MiB printed (kept twice before, as text and as outputs); what is kept now is at most a few MiB.
      expect(peak - base).to.be.lessThan(64 * 2 ** 20);
    });

    it("metadata of the wrong type fails that file only, with an error line; the batch goes on", function () {
      let err: unknown;
      const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "cdlab.js"), "grade", fx("sub-bad-metadata.ipynb"), fx("sub-other-style.ipynb"), "--source", fx("exercise.ipynb"), "--json"], { encoding: "utf8", timeout: 200_000 });
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { file: string; error?: string; score?: number });
      expect(lines, r.stderr).to.have.length(2);
      expect(path.basename(lines[1].file)).to.equal("sub-other-style.ipynb");
      expect(lines[1].score).to.equal(4.5);
      expect(lines[0].error ?? lines[0].score, JSON.stringify(lines[0])).to.not.equal(undefined);
      return gradeSubmission(fx("sub-bad-metadata.ipynb"), source)
        .catch((e: unknown) => (err = e))
        .then(() => {
          if (err) expect(err).to.be.instanceOf(CdlabError);
        });
    });

    it("a grader killed in the middle leaves no process behind", async function () {
      const child = spawn(process.execPath, [path.join(ROOT, "bin", "cdlab.js"), "grade", fx("sub-sandbox-slow.ipynb"), "--source", fx("exercise.ipynb"), "--timeout", "200"], { stdio: "ignore" });
      try {
        await pollUntil(() => withMarker("cdlab-daemon-slow-5c1e").length > 0, { timeoutMs: 120_000, intervalMs: 200, what: "the submission's daemon" });
        const sandbox = [...withMarker("cdlab-sbx-").filter((p) => isOurs(p, child.pid!)), ...withMarker("cdlab-daemon-slow-5c1e")];
        expect(sandbox.length).to.be.greaterThan(1);
        child.kill("SIGKILL");
        const alive = (p: number) => fs.existsSync(`/proc/${p}`) && !fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
        await pollUntil(() => sandbox.every((p) => !alive(p)), { timeoutMs: 10_000, what: "the sandbox to die with the grader" });
        // Its socket folder is swept by the next sandbox made on this machine.
        const left = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`cdlab-sbx-${child.pid}-`));
        expect(left).to.have.length(1);
        createSandbox().dispose();
        expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`cdlab-sbx-${child.pid}-`))).to.deep.equal([]);
      } finally {
        child.kill("SIGKILL");
      }
    });
  });
});

/** Is `grader` an ancestor of `pid`? */
function isOurs(pid: number, grader: number): boolean {
  for (let p = pid, n = 0; p > 1 && n < 20; n++) {
    if (p === grader) return true;
    try {
      p = Number(fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ")[1]);
    } catch {
      return false;
    }
  }
  return false;
}
