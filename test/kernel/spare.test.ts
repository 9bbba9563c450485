/**
 * The warm spare kernel (kernel/python/cdlab_jupyter/provisioner.py): jupyter_client's KernelManager with the
 * `cdlab-spare` provisioner claims the spare a previous start left in the same folder, starts cold elsewhere or
 * when disabled, and no spare outlives the process that started it. Driven by test/fixtures/spare-driver.py.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeSpec } from "../../src/cli/kernelspec";
import { isAlive } from "../../src/proc/tree";
import { PACKAGE_ROOT } from "../../src/runtime/root";
import { pollUntil } from "../support/poll";
import { processesUnder } from "../support/spares";

const PYTHON = path.join(PACKAGE_ROOT, ".venv", "bin", "python");
const DRIVER = path.join(PACKAGE_ROOT, "test", "fixtures", "spare-driver.py");

interface Cell {
  pid: number;
  status: string;
  printed: string;
  result: string;
  exit: number | null;
}

describe("warm spare kernel (cdlab-spare provisioner)", function () {
  this.timeout(120_000);
  let root: string;
  let env: NodeJS.ProcessEnv;
  const dir = (name: string) => {
    const d = path.join(root, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const drive = (...args: string[]) => {
    const r = spawnSync(PYTHON, [DRIVER, ...args], { env, encoding: "utf8", timeout: 110_000 });
    expect(r.status, r.stderr.split("\n").slice(-8).join("\n")).to.equal(0);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
  };

  beforeEach(function () {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-spare-")));
    writeSpec(path.join(root, "share", "kernels", "cdlab"), { spare: true });
    env = { ...process.env, JUPYTER_PATH: path.join(root, "share"), JUPYTER_RUNTIME_DIR: dir("runtime") };
    delete env.CDLAB_KERNEL_SPARE;
  });
  afterEach(async function () {
    // No orphan: every kernel and spare of the test ran in a folder under root.
    const left = await pollUntil(() => processesUnder(root).length === 0 || null, { timeoutMs: 10_000, what: "every kernel and spare to exit" }).catch(() => processesUnder(root));
    for (const pid of Array.isArray(left) ? left : []) process.kill(pid, "SIGKILL");
    fs.rmSync(root, { recursive: true, force: true });
    expect(left, "processes left behind").to.equal(true);
  });

  it("the next start in the same folder is the spare, with its own cwd and environment", function () {
    const work = dir("work");
    const out = drive("same-cwd", work) as { a: Cell; b: Cell; spare: number; spares_left: number[] };
    expect(out.a.pid).to.not.equal(out.spare);
    expect(out.b.pid, "kernel B is the spare's process").to.equal(out.spare);
    expect(out.a).to.include({ status: "ok", printed: `${work}|unset`, result: "2" });
    expect(out.b).to.include({ status: "ok", printed: `${work}|only-b`, result: "2" });
    expect([out.a.exit, out.b.exit], "both shut down cleanly").to.deep.equal([0, 0]);
    expect(out.spares_left).to.deep.equal([]);
  });

  it("a start in another folder is cold, and the other folder's spare is killed and reaped", function () {
    const out = drive("other-cwd", dir("one"), dir("two")) as { b: Cell; spare: number; old_spare_in_proc: boolean; spare_after: number };
    expect(out.b.pid).to.not.equal(out.spare);
    expect(out.b).to.include({ status: "ok", printed: `${path.join(root, "two")}|unset` });
    expect(out.old_spare_in_proc, "the old spare is gone, no zombie").to.equal(false);
    expect(out.spare_after, "a new spare for the new folder").to.not.equal(out.spare);
  });

  it("CDLAB_KERNEL_SPARE=0 starts no spare", function () {
    const out = drive("disabled", dir("work")) as { a: Cell; scheduled: boolean; spares: number[] };
    expect(out.a).to.include({ status: "ok", result: "2" });
    expect(out.scheduled, "no spare scheduled").to.equal(false);
    expect(out.spares).to.deep.equal([]);
  });

  it("a spare that died is reaped and dropped, and the next start is cold", function () {
    const out = drive("exited", dir("work")) as { b: Cell; spare: number; reaped: boolean; dropped: boolean };
    expect(out.reaped, "no zombie left").to.equal(true);
    expect(out.dropped, "no longer the pool's spare").to.equal(true);
    expect(out.b.pid).to.not.equal(out.spare);
    expect(out.b).to.include({ status: "ok", result: "2", exit: 0 });
  });

  it("a spare unused for spare_idle_seconds is killed and reaped", function () {
    const spec = path.join(root, "share", "kernels", "cdlab-idle");
    writeSpec(spec, { spare: true });
    const json = JSON.parse(fs.readFileSync(path.join(spec, "kernel.json"), "utf8"));
    json.metadata.kernel_provisioner.config.spare_idle_seconds = 3; // the default (900) would outlast the driver's wait
    fs.writeFileSync(path.join(spec, "kernel.json"), JSON.stringify(json));
    env.SPARE_KERNEL = "cdlab-idle";
    const out = drive("idle", dir("work")) as { reaped: boolean; dropped: boolean };
    expect(out).to.deep.include({ reaped: true, dropped: true });
  });

  it("a spare exits by itself when the process that started it is killed", async function () {
    const child = spawn(PYTHON, [DRIVER, "hold", dir("work")], { env, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d));
    child.stderr.resume();
    try {
      const line = await pollUntil(() => text.split("\n").find((l) => l.startsWith("{")), { timeoutMs: 90_000, what: "the driver's spare" });
      const out = JSON.parse(line) as { a: { pid: number }; spare: number };
      expect(isAlive(out.spare)).to.equal(true);
      process.kill(child.pid!, "SIGKILL");
      await pollUntil(() => !isAlive(out.spare), { timeoutMs: 10_000, what: "the spare to see EOF on stdin and exit" });
      // Kernel A is not the spare's business: it follows its parent (JPY_PARENT_PID) or the afterEach finds it.
      await pollUntil(() => !isAlive(out.a.pid), { timeoutMs: 10_000, what: "kernel A to follow its parent" });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  it("setup registered the provisioner in .venv's Python", function () {
    const code = "from importlib.metadata import entry_points; print([e.value for e in entry_points(group='jupyter_client.kernel_provisioners') if e.name == 'cdlab-spare'])";
    const r = spawnSync(PYTHON, ["-c", code], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal("['cdlab_jupyter.provisioner:SpareProvisioner']");
  });
});
