/**
 * Warm spare kernels for a class (src/grader/spares.ts): the first kernel
 * starts cold and a spare starts behind it; the next launcher claims that
 * spare, whose kernel answers in the sandbox's folder with the environment a
 * cold one gets; a spare that died before its claim falls back to a cold
 * start; none is started beyond what is wanted; close() leaves no process,
 * socket folder or group behind; a spare's probe process waits in its network
 * namespace for its kernel's grading. Where bubblewrap cannot run, they skip.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cgroupCpuParent, cgroupParents, cgroupSupport } from "../../src/grader/cgroup";
import { createSandbox, sandboxSupport } from "../../src/grader/sandbox";
import { executePlan } from "../../src/grader/steps/execute";
import { nsOf, startProbes } from "../../src/grader/probe";
import { gradeCourse } from "../../src/grader/course";
import { gradeSubmission, readSource } from "../../src/grader/autograde";
import { readNotebook, serializeNotebook } from "../../src/grader/notebook";
import { releaseNotebook } from "../../src/grader/release";
import { sparePool, sparesEnabled, type SparePool } from "../../src/grader/spares";
import { KernelClient } from "../../src/jupyter/kernel-client";
import type { KernelLauncher } from "../../src/jupyter/launch";
import { descendants, isAlive } from "../../src/proc/tree";
import { pollUntil } from "../support/poll";
import { takePid } from "../support/pid-reuse";

/** This process's sandbox socket folders and cgroups still present. */
function leftovers(): string[] {
  const mine = (dir: string, re: RegExp) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => re.test(n)).map((n) => path.join(dir, n)) : []);
  const cpu = cgroupCpuParent();
  return [
    ...mine(os.tmpdir(), new RegExp(`^cdlab-sbx-${process.pid}-`)),
    ...cgroupParents().flatMap((p) => mine(p, new RegExp(`^${process.pid}-\\d+$`))),
    ...(cpu ? mine(cpu, new RegExp(`^(cdlab-grader-)?${process.pid}-\\d+$`)) : []),
  ];
}

/** The cgroup cpu weight file and its idle and default values here; undefined (the test skipped, saying why) without the cpu controller. */
function cpuWeights(test: Mocha.Context): { cg: { version: 1 | 2 }; file: string; low: string; normal: string } | undefined {
  const cg = cgroupSupport();
  if (!cg.ok || !cg.cpu) {
    console.log(`      (skipped: ${cg.ok ? "no cgroup cpu controller here" : cg.reason})`);
    test.skip();
    return undefined;
  }
  return cg.version === 2 ? { cg, file: "cpu.weight", low: "1", normal: "100" } : { cg, file: "cpu.shares", low: "2", normal: "1024" };
}

/** A connection nobody listens on. */
const FAKE = { transport: "ipc", ip: "", key: "0".repeat(64), shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5 };
const kernelsToReap: ChildProcess[] = [];

/** What a cell sees of its process: folder, HOME and environment names. */
const WHO = 'console.log(JSON.stringify({ cwd: process.cwd(), home: process.env.HOME, env: Object.keys(process.env).sort() }))';

describe("grader/spares", function () {
  this.timeout(120_000);
  const support = sandboxSupport();
  let pool: SparePool | undefined;
  const kernels: KernelClient[] = [];
  beforeEach(function () {
    if (!support.ok) this.skip();
  });
  afterEach(async () => {
    await Promise.all(kernels.splice(0).map((k) => k.close(0)));
    await pool?.close();
    pool = undefined;
    for (const c of kernelsToReap.splice(0)) c.kill("SIGKILL");
  });

  /** Start a kernel with `launcher`; the spare's pid when it was claimed. */
  async function start(launcher: KernelLauncher): Promise<{ k: KernelClient; claimedPid?: number }> {
    let claimedPid: number | undefined;
    const claim = launcher.claim;
    if (claim) {
      launcher.claim = () => {
        const c = claim.call(launcher);
        claimedPid = c?.child.pid;
        return c;
      };
    }
    const k = await KernelClient.start({ launcher });
    kernels.push(k);
    return { k, claimedPid };
  }

  it("the first kernel starts cold, the next claims the spare started behind it: same folder and environment as a cold one", async function () {
    pool = sparePool({ size: 1, wanted: () => 1 });
    const first = await start(pool.launcher());
    expect(first.claimedPid, "nothing to claim yet").to.equal(undefined);
    const second = await start(pool.launcher());
    expect(second.claimedPid, "the spare was claimed").to.be.a("number");
    expect(second.k.pid).to.equal(second.claimedPid);
    const [cold, warm] = await Promise.all([first.k.execute(WHO), second.k.execute(WHO)]);
    expect(warm.status).to.equal("ok");
    expect(JSON.parse(warm.stdout)).to.deep.equal(JSON.parse(cold.stdout));
    expect(JSON.parse(warm.stdout).cwd).to.equal("/tmp/work");
  });

  it("idle: a spare warms at the lowest CPU weight and is claimed at the default one; nothing left after close()", async function () {
    const w = cpuWeights(this);
    if (!w) return;
    const { cg, file, low, normal } = w;
    /** Our groups with a cpu weight set, and that weight. */
    const weights = () =>
      fs.readdirSync(cgroupCpuParent()!)
        .filter((n) => new RegExp(`^(cdlab-grader-)?${process.pid}-\\d+$`).test(n))
        .map((n) => path.join(cgroupCpuParent()!, n, file))
        .filter((f) => cg.version === 1 || fs.readFileSync(f, "utf8").trim() !== normal) // v2: every group has the file
        .map((f) => ({ f, w: fs.readFileSync(f, "utf8").trim() }));
    pool = sparePool({ size: 1, wanted: () => 1, idle: true });
    const first = await start(pool.launcher());
    expect(first.claimedPid, "nothing to claim yet").to.equal(undefined);
    await pollUntil(() => weights().length === 1, { timeoutMs: 20_000, what: "the spare's group at the lowest weight" });
    const [spare] = weights();
    expect(spare.w).to.equal(low);
    const second = await start(pool.launcher());
    expect(second.claimedPid, "the spare, claimed").to.be.a("number");
    expect(fs.readFileSync(spare.f, "utf8").trim(), "claimed: the default weight").to.equal(normal);
    const r = await second.k.execute("1 + 1");
    expect(r.status).to.equal("ok");
    await Promise.all(kernels.splice(0).map((k) => k.close(0)));
    await pool.close();
    pool = undefined;
    await pollUntil(() => leftovers().length === 0, { timeoutMs: 10_000, what: "no socket folder or group left" });
  });

  it("idle: a spare that died after it was handed out: the kernel started cold in its sandbox runs at the default CPU weight", async function () {
    const w = cpuWeights(this);
    if (!w) return;
    const { cg, file, normal } = w;
    pool = sparePool({ size: 1, wanted: () => 1, idle: true });
    await (await start(pool.launcher())).k.close(0);
    const launcher = pool.launcher();
    expect(launcher.claim, "a spare was handed out").to.be.a("function");
    const pid = await pollUntil(() => spareOf(launcher.socketDir), { timeoutMs: 20_000, what: "the spare's process" });
    const group = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").map((l) => l.split(":")).find(([, c]) => (cg.version === 2 ? c === "" : c.split(",").includes("cpu")))![2];
    const weight = path.join(cgroupCpuParent()!, path.basename(group), file);
    expect(fs.readFileSync(weight, "utf8").trim(), "the spare warms at the lowest weight").to.not.equal(normal);
    process.kill(-pid, "SIGKILL");
    await pollUntil(() => !fs.existsSync(`/proc/${pid}`), { what: "the spare's death, reaped" });
    const second = await start(launcher);
    expect(second.claimedPid, "a dead spare is not claimed").to.equal(undefined);
    expect(fs.readFileSync(weight, "utf8").trim(), "the cold kernel in its sandbox: the default weight").to.equal(normal);
    expect((await second.k.execute("1 + 1")).status).to.equal("ok");
  });

  it("a spare that died before its claim: the kernel starts cold in the same sandbox", async function () {
    pool = sparePool({ size: 1, wanted: () => 1 });
    const first = await start(pool.launcher());
    await first.k.close(0);
    const launcher = pool.launcher();
    expect(launcher.claim, "a spare was handed out").to.be.a("function");
    // Kill it through its sandbox: the spare is the only process with this socket folder bound.
    const pid = await pollUntil(() => spareOf(launcher.socketDir), { timeoutMs: 20_000, what: "the spare's process" });
    process.kill(-pid, "SIGKILL");
    await pollUntil(() => !fs.existsSync(`/proc/${pid}`), { what: "the spare's death, reaped" });
    const second = await start(launcher);
    expect(second.claimedPid, "a dead spare is not claimed").to.equal(undefined);
    expect((await second.k.execute("1 + 1")).status).to.equal("ok");
  });

  it("no spare beyond the kernels wanted; close() leaves no process, socket folder or group", async function () {
    let wanted = 0;
    pool = sparePool({ size: 2, wanted: () => wanted });
    const first = await start(pool.launcher());
    await first.k.close(0);
    expect((await start(pool.launcher())).claimedPid, "none was wanted").to.equal(undefined);
    wanted = 2;
    const l = pool.launcher(); // cold, and two spares start behind it
    const pids = await pollUntil(() => (allSpares().length >= 2 ? allSpares() : undefined), { timeoutMs: 20_000, what: "two spares" });
    expect(pids.length, `no more than the size: ${JSON.stringify(processes().filter((p) => pids.includes(p.pid)))}`).to.equal(2);
    l.dispose();
    await Promise.all(kernels.splice(0).map((k) => k.close(0)));
    await pool.close();
    pool = undefined;
    for (const p of pids) expect(isAlive(p), `spare ${p}`).to.equal(false);
    await pollUntil(() => leftovers().length === 0, { timeoutMs: 10_000, what: `no leftovers (${leftovers().join(", ")})` });
  });

  it("a claimed spare that dies before it answers costs a cold start, not the submission", async function () {
    const doomed = spawn("sleep", ["0.5"]); // exits once claimed: the client's start then fails
    kernelsToReap.push(doomed);
    let claimed = 0;
    const fake: SparePool = {
      launcher: () => {
        const l = createSandbox();
        return { ...l, claim: () => (claimed++, { child: doomed, connection: { ...FAKE, ip: path.join(l.socketDir, "k") } }) };
      },
      takeProbe: () => undefined,
      close: async () => undefined,
    };
    const { results, kernelStarts } = await executePlan([{ kind: "student", code: "const x: number = 1" }], { spares: fake, timeoutMs: 20_000 });
    expect(claimed).to.equal(1);
    expect(kernelStarts).to.equal(1);
    expect(results[0].result.status).to.equal("ok");
  });

  it("with probes: each spare's probe process waits in its network namespace, taken once by its kernel's grading; close() stops the rest", async function () {
    pool = sparePool({ size: 1, wanted: () => 1, probes: true });
    await start(pool.launcher());
    const second = await start(pool.launcher());
    expect(second.claimedPid).to.be.a("number");
    const probe = await pollUntil(() => pool!.takeProbe(second.k.pid), { timeoutMs: 20_000, what: "the spare's probe process" });
    expect(pool.takeProbe(second.k.pid), "taken once").to.equal(undefined);
    const kernelNet = nsOf(descendants(second.k.pid).at(-1)!, "net");
    expect(nsOf(await pollUntil(() => descendants(probe.pid!).at(-1) ?? probe.pid, { what: "the probe's node" }), "net")).to.equal(kernelNet);
    const p = await startProbes({ eco: { kind: "udp", send: ["x"] } as never }, { kernelPid: second.k.pid }, new Map(), probe);
    expect(p.port).to.be.a("number");
    await p.close();
    // The spare started behind it has its own probe: close() stops both.
    const other = await pollUntil(() => allSpares().find((x) => x !== second.k.pid), { timeoutMs: 20_000, what: "the next spare" });
    const untaken = await pollUntil(() => processes().find((x) => x.ppid === process.pid && x.cmd.includes("probe-main") && nsOf(x.pid, "net") === nsOf(descendants(other).at(-1) ?? other, "net")), { timeoutMs: 20_000, what: "its probe" });
    await pool.close();
    pool = undefined;
    await pollUntil(() => !isAlive(untaken.pid), { what: "the untaken probe's end" });
  });

  it("a class of exercise 02 (probes) graded on spares: full marks for the solution, none for the released copy", async function () {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-spares-class-"));
    try {
      const file = path.join(__dirname, "..", "..", "notebooks", "exercicios", "02-udp.ipynb");
      fs.mkdirSync(path.join(root, "source", "udp"), { recursive: true });
      fs.copyFileSync(file, path.join(root, "source", "udp", "02-udp.ipynb"));
      const released = serializeNotebook(releaseNotebook(readNotebook(file), "02-udp.ipynb"));
      for (const [student, text] of [["ana", fs.readFileSync(file, "utf8")], ["beto", released], ["caio", fs.readFileSync(file, "utf8")]]) {
        fs.mkdirSync(path.join(root, "submitted", student, "udp"), { recursive: true });
        fs.writeFileSync(path.join(root, "submitted", student, "udp", "02-udp.ipynb"), text);
      }
      const { results } = await gradeCourse(root, "udp", { jobs: 1 });
      expect(results.map((r) => [r.student, r.grade?.score, r.grade?.kernel_starts])).to.deep.equal([["ana", 10, 1], ["beto", 0, 1], ["caio", 10, 1]]);
      expect(allSpares(), "no spare left").to.deep.equal([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("a spare that died and was reaped is dropped without a signal to its old pid (now another process's)", async function () {
    // Pid reuse made to happen: as root, the next pid of this namespace is set to the dead spare's.
    if (process.getuid?.() !== 0) this.skip();
    pool = sparePool({ size: 1, wanted: () => 1 });
    pool.launcher().dispose(); // cold, unused; a spare starts behind it
    const pid = await pollUntil(() => allSpares()[0], { timeoutMs: 20_000, what: "the spare" });
    process.kill(-pid, "SIGKILL");
    await pollUntil(() => !fs.existsSync(`/proc/${pid}`), { what: "the spare's death, reaped" });
    const taken = takePid(pid, kernelsToReap);
    if (!taken) return this.skip(); // another process took the pid each time
    pool.launcher().dispose(); // drops the dead spare
    await pool.close();
    pool = undefined;
    taken.decoy.kill("SIGTERM");
    expect(await taken.died, "the process now holding the old pid was not killed by the pool").to.equal("SIGTERM");
  });

  it("an abort as a spare is handed out: its sandbox is disposed and no cold start follows", async function () {
    const ac = new AbortController();
    let disposed = 0;
    const fake: SparePool = {
      launcher: () => {
        ac.abort(); // after executePlan's own check, before the kernel starts
        const l = createSandbox();
        return { ...l, dispose: () => (disposed++, l.dispose()), claim: () => undefined };
      },
      takeProbe: () => undefined,
      close: async () => undefined,
    };
    const e = await executePlan([{ kind: "student", code: "1" }], { spares: fake, signal: ac.signal }).catch((x: unknown) => x);
    expect((e as Error).name).to.equal("AbortError");
    expect(disposed, "the spare's launcher").to.equal(1);
    await pollUntil(() => leftovers().length === 0, { timeoutMs: 10_000, what: `no second sandbox (${leftovers().join(", ")})` });
  });

  it("a kernel command or environment of the caller's: no spare is used", async function () {
    let asked = 0;
    const fake: SparePool = { launcher: () => (asked++, createSandbox()), takeProbe: () => undefined, close: async () => undefined };
    const { results } = await executePlan([{ kind: "student", code: "1" }], { spares: fake, kernel: { env: { PATH: process.env.PATH } }, timeoutMs: 20_000 });
    expect(results[0].result.status).to.equal("ok");
    expect(asked).to.equal(0);
  });

  it("with probes, a spare is handed out only once its probe process exists", async function () {
    pool = sparePool({ size: 1, wanted: () => 1, probes: true });
    pool.launcher().dispose(); // cold, unused; a spare starts behind it
    // Ask as soon as the spare's process exists, and again until one is handed out.
    await pollUntil(() => allSpares()[0], { timeoutMs: 20_000, what: "the spare" });
    const launcher = await pollUntil(() => {
      const l = pool!.launcher();
      if (l.claim) return l;
      l.dispose();
      return undefined;
    }, { timeoutMs: 20_000, what: "a spare handed out" });
    const claimed = launcher.claim!()!;
    kernelsToReap.push(claimed.child);
    const probe = pool.takeProbe(claimed.child.pid!);
    if (probe) kernelsToReap.push(probe);
    launcher.dispose();
    expect(probe, "its probe, there at the claim").to.not.equal(undefined);
  });

  it("a spare's probe process that died: the submission's probes start as for a cold kernel (full marks)", async function () {
    const file = path.join(__dirname, "..", "..", "notebooks", "exercicios", "02-udp.ipynb");
    const dead = spawn("true");
    await new Promise((r) => dead.once("exit", r));
    let taken = 0;
    const fake: SparePool = { launcher: () => createSandbox(), takeProbe: () => (taken++, dead), close: async () => undefined };
    const g = await gradeSubmission(file, readSource(file), { spares: fake, timeoutMs: 20_000 });
    expect(taken, "the spare's probe was asked for").to.equal(1);
    expect(g.warnings.filter((w) => w.includes("sondas"))).to.deep.equal([]);
    expect(g.score).to.equal(10);
  });

  it("CDLAB_KERNEL_SPARE=0 turns spares off", function () {
    expect(sparesEnabled({ CDLAB_KERNEL_SPARE: "0" })).to.equal(false);
    expect(sparesEnabled({})).to.equal(true);
  });
});

/** The spare whose sandbox binds `socketDir`: the outermost process of its chain, a child of this one. */
function spareOf(socketDir: string): number | undefined {
  return processes().find((p) => p.cmd.includes(socketDir) && p.cmd.includes("--spare") && p.ppid === process.pid)?.pid;
}

/** Every spare of this process (its children started with `--spare`). */
function allSpares(): number[] {
  return processes().filter((p) => p.cmd.includes("--spare") && p.ppid === process.pid).map((p) => p.pid);
}

function processes(): { pid: number; cmd: string; ppid: number }[] {
  const out: { pid: number; cmd: string; ppid: number }[] = [];
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ");
      if (stat[0] === "Z") continue;
      out.push({ pid: Number(d), cmd: fs.readFileSync(`/proc/${d}/cmdline`, "utf8"), ppid: Number(stat[1]) });
    } catch {
      /* gone */
    }
  }
  return out;
}
