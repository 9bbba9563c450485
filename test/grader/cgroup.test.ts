/**
 * A graded kernel's control group: the submission as a whole is held to its process and memory limits (not the
 * uid, shared by every sandbox of a `--jobs` run), and nothing of the group outlives it. Needs write access to a
 * cgroup hierarchy (root here); elsewhere the cases skip and say why.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { cgroupCpuParent, cgroupParents, cgroupSupport, createCgroup, type SubmissionCgroup } from "../../src/grader/cgroup";
import { createSandbox, sandboxSupport } from "../../src/grader/sandbox";
import { pollUntil } from "../support/poll";

const exited = (c: ChildProcess) => new Promise<{ code: number | null; signal: string | null }>((r) => c.once("exit", (code, signal) => r({ code, signal })));

describe("grader/cgroup", function () {
  this.timeout(30_000);
  let group: SubmissionCgroup | undefined;

  before(function () {
    const s = cgroupSupport();
    if (!s.ok) {
      console.log(`      (skipped: ${s.reason})`);
      this.skip();
    }
  });
  afterEach(() => group?.close());

  it("caps the processes of one submission: forks past pids.max fail, and close() kills the rest and removes the group", async function () {
    group = createCgroup({ maxProcesses: 24, memoryBytes: 512 << 20 });
    expect(group, "a group").to.not.equal(undefined);
    const forker = 'for (let i = 0; i < 40; i++) require("child_process").spawn("sleep", ["30"]).on("error", () => {}); setTimeout(() => {}, 30_000);';
    const c = spawn(group!.enter()[0], [...group!.enter().slice(1), process.execPath, "-e", forker], { stdio: "ignore" });
    await pollUntil(() => group!.processLimitHit(), { timeoutMs: 20_000, what: "a fork refused at pids.max" });
    expect(group!.pids().length).to.be.within(2, 24);
    const dirs = group!.dirs;
    group!.close();
    const end = await exited(c);
    expect(end.signal).to.equal("SIGKILL");
    for (const d of dirs) expect(fs.existsSync(d), d).to.equal(false);
  });

  it("caps the memory of the whole submission: a process that allocates past it is killed, and the group says so", async function () {
    group = createCgroup({ maxProcesses: 64, memoryBytes: 96 << 20 });
    const hog = "const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1));";
    const c = spawn(group!.enter()[0], [...group!.enter().slice(1), process.execPath, "-e", hog], { stdio: "ignore" });
    const end = await exited(c);
    expect(end.signal).to.equal("SIGKILL");
    expect(group!.memoryExceeded()).to.equal(true);
  });

  it("an idle group runs only on CPU nothing else wants: pinned to one core beside a busy process it gets almost none, until setIdle(false)", async function () {
    const s = cgroupSupport();
    if (!s.ok || !s.cpu) {
      console.log("      (skipped: no cgroup cpu controller here)");
      return this.skip();
    }
    group = createCgroup({ maxProcesses: 64, memoryBytes: 2 ** 30, idle: true })!;
    const name = path.basename(group.dirs[0]);
    const weight = path.join(cgroupCpuParent()!, s.version === 2 ? name : `cdlab-grader-${name}`, s.version === 2 ? "cpu.weight" : "cpu.shares");
    expect(fs.readFileSync(weight, "utf8").trim()).to.equal(s.version === 2 ? "1" : "2");
    // Two busy loops on core 0: one in the idle group, one beside it at the default weight.
    const spin = ["taskset", "-c", "0", process.execPath, "-e", "for (;;) {}"];
    const inGroup = spawn(group.enter()[0], [...group.enter().slice(1), ...spin], { stdio: "ignore" });
    const beside = spawn(spin[0], spin.slice(1), { stdio: "ignore" });
    const cpu = (c: ChildProcess) => {
      const f = fs.readFileSync(`/proc/${c.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
    };
    const over = async (ms: number) => {
      const [a, b] = [cpu(inGroup), cpu(beside)];
      await new Promise((r) => setTimeout(r, ms));
      return { idle: cpu(inGroup) - a, other: cpu(beside) - b };
    };
    try {
      await pollUntil(() => group!.pids().includes(inGroup.pid!), { timeoutMs: 10_000, what: "the loop in the group" });
      await new Promise((r) => setTimeout(r, 300)); // both started
      const idle = await over(1500);
      expect(idle.other, "the loop beside it ran").to.be.above(50);
      expect(idle.idle, `idle: ${idle.idle} ticks against ${idle.other}`).to.be.below(idle.other * 0.1);
      expect(group.setIdle(false)).to.equal(true);
      expect(fs.readFileSync(weight, "utf8").trim()).to.equal(s.version === 2 ? "100" : "1024");
      const shared = await over(1500);
      expect(shared.idle, `default weight: ${shared.idle} ticks against ${shared.other}`).to.be.above(shared.other * 0.5);
    } finally {
      beside.kill("SIGKILL");
      group.close();
    }
    expect(fs.existsSync(path.dirname(weight)), "the group's cpu folder removed").to.equal(false);
  });

  it("v1: the idle groups a killed grader left anywhere in the cpu hierarchy are removed by the next grader", function () {
    const s = cgroupSupport();
    if (!s.ok || !s.cpu || s.version !== 1) {
      console.log("      (skipped: no cgroup v1 cpu hierarchy here)");
      return this.skip();
    }
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid!; // a pid no process has now
    const cpuRoot = fs.readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")).find((f) => f[2] === "cgroup" && f[3].split(",").includes("cpu"))![1];
    const elsewhere = path.join(cpuRoot, `cdlab-test-${process.pid}`);
    const left = path.join(elsewhere, `cdlab-grader-${gone}-1`);
    fs.mkdirSync(left, { recursive: true });
    try {
      const code = `require(${JSON.stringify(require.resolve("../../src/grader/cgroup"))}).createCgroup({ maxProcesses: 8, memoryBytes: 2 ** 28 })?.close()`;
      const r = spawnSync(process.execPath, ["-r", "tsx/cjs", "-e", code], { encoding: "utf8" });
      expect(r.status, r.stderr).to.equal(0);
      expect(fs.existsSync(left), "the dead grader's idle group").to.equal(false);
    } finally {
      try {
        fs.rmdirSync(left);
      } catch {
        /* gone */
      }
      fs.rmdirSync(elsewhere);
    }
  });

  it("a group not made idle has no cpu folder, and setIdle says so", function () {
    group = createCgroup({ maxProcesses: 64, memoryBytes: 2 ** 30 })!;
    expect(group.setIdle(true)).to.equal(false);
    const cpuParent = cgroupCpuParent();
    if (cpuParent && group.version === 1) expect(fs.existsSync(path.join(cpuParent, `cdlab-grader-${path.basename(group.dirs[0])}`))).to.equal(false);
  });

  it("a sandboxed kernel's command runs inside a group of its own, gone after dispose()", async function () {
    if (!sandboxSupport().ok) {
      console.log(`      (skipped: ${(sandboxSupport() as { reason: string }).reason})`);
      return this.skip();
    }
    const ours = () => cgroupParents().flatMap((p) => fs.readdirSync(p).filter((n) => n.startsWith(`${process.pid}-`)).map((n) => path.join(p, n)));
    const launcher = createSandbox({ limits: { maxProcesses: 64 } });
    const argv = launcher.command([process.execPath, "-e", "setTimeout(() => {}, 30_000)"]);
    const c = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe", "pipe"] });
    const fd3 = c.stdio[3] as import("node:stream").Duplex;
    fd3.on("error", () => {}); // bwrap reads the file and closes its end
    fd3.end("{}");
    c.stderr!.resume();
    const procs = (d: string) => fs.readFileSync(path.join(d, "cgroup.procs"), "utf8").split("\n").filter(Boolean).length;
    await pollUntil(() => ours().some((d) => procs(d) > 1), { timeoutMs: 10_000, what: "the sandbox's processes in a group" });
    const done = exited(c);
    launcher.dispose();
    await done;
    // The group goes once the last process in it has exited (dispose does not block for it).
    await pollUntil(() => ours().length === 0, { timeoutMs: 5000, what: "the sandbox's group removed" });
  });
});
