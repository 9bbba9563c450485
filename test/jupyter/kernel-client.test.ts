import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { KernelClient, type ExecuteResult } from "../../src/jupyter/kernel-client";
import { newConnection } from "../../src/jupyter/launch";
import { errorOf } from "../../src/grader/steps/score";
import { isAlive, descendants, procStat } from "../../src/proc/tree";
import { pollUntil } from "../support/poll";
import { takePid } from "../support/pid-reuse";

const text = (r: ExecuteResult) =>
  r.outputs.map((o) => (o.text ?? (o.data as Record<string, unknown> | undefined)?.["text/plain"] ?? "") as string).join("");

describe("jupyter/kernel-client", function () {
  this.timeout(30_000);
  let k: KernelClient | undefined;

  afterEach(async function () {
    await k?.close();
    k = undefined;
  });

  it("runs code in a fresh kernel: outputs, errors, stderr, state across cells, cwd in an empty folder", async function () {
    k = await KernelClient.start();
    const r1 = await k.execute("const x: number = 20; x + 22");
    expect(r1.status).to.equal("ok");
    expect(text(r1)).to.include("42");
    const r2 = await k.execute('console.log("oi"); console.error("aviso")');
    expect(r2.stdout).to.equal("oi\n");
    expect(r2.stderr).to.equal("aviso\n");
    const r3 = await k.execute('throw new RangeError("fora do intervalo")');
    expect(r3.status).to.equal("error");
    expect(errorOf(r3)).to.deep.equal({ ename: "RangeError", evalue: "fora do intervalo" });
    const r4 = await k.execute("x * 2"); // right after an error: must still run
    expect(r4.status).to.equal("ok");
    expect(text(r4)).to.include("40");
    const r5 = await k.execute('import fs from "node:fs"; fs.readdirSync(process.cwd()).length');
    expect(text(r5)).to.include("0");
  });

  it("a time-out interrupts the cell; close() kills the kernel and every process it started", async function () {
    k = await KernelClient.start();
    const r = await k.execute("while (true) {}", { timeoutMs: 500 });
    expect(r.status).to.equal("timeout");
    if (k.alive && r.recovered) {
      const again = await k.execute("1 + 1");
      expect(again.status).to.equal("ok");
    }
    if (!k.alive || !r.recovered) {
      await k.close();
      k = await KernelClient.start();
    }
    const spawned = await k.execute('import { spawn } from "node:child_process"; const child = spawn("sleep", ["60"], { detached: true }); child.pid');
    const sleepPid = Number(/\d+/.exec(text(spawned))![0]);
    expect(descendants(k.pid)).to.include(sleepPid);
    const pid = k.pid;
    await k.close();
    await k.close(); // idempotent
    expect(isAlive(pid)).to.equal(false);
    await pollUntil(() => !isAlive(sleepPid));
    k = undefined;
  });

  it("a kernel that exits is reported as died, not as a hang", async function () {
    k = await KernelClient.start();
    const r = await k.execute("process.exit(7)", { timeoutMs: 10_000 });
    expect(r.status).to.equal("died");
    expect(k.alive).to.equal(false);
    expect((await k.execute("1")).status).to.equal("died");
  });

  it("start disposes the launcher it was given when it fails before the kernel runs (an aborted signal)", async function () {
    let disposed = 0;
    let claimed = 0;
    const launcher = {
      socketDir: os.tmpdir(), connectionPath: "/nowhere", command: (argv: string[]) => argv,
      dispose: () => void disposed++, claim: () => void claimed++,
    };
    const ac = new AbortController();
    ac.abort();
    const e = await KernelClient.start({ launcher, signal: ac.signal }).catch((x: unknown) => x);
    expect((e as Error).name).to.equal("AbortError");
    expect(claimed, "nothing claimed after the abort").to.equal(0);
    expect(disposed).to.equal(1);
  });

  it("start fails with ERR_KERNEL_START when the kernel command exits", async function () {
    const e = await KernelClient.start({ argv: [process.execPath, "-e", "process.exit(1)", "{connection_file}"], startTimeoutMs: 5000 }).catch((x) => x);
    expect(e.code).to.equal("ERR_KERNEL_START");
  });

  it("a claimed spare is used as it is: the kernel's command is not built (kernel.json not read, no command asked)", async function () {
    const spare = spawn("sleep", ["30"], { detached: true, stdio: "ignore" }); // stands for a spare that never answers
    await new Promise((resolve, reject) => spare.once("spawn", resolve).once("error", reject));
    const gone = new Promise((resolve) => spare.once("exit", resolve));
    const connection = await newConnection();
    let commands = 0;
    let disposed = 0;
    const launcher = {
      socketDir: os.tmpdir(), connectionPath: "/nowhere", command: (argv: string[]) => (commands++, argv),
      dispose: () => void disposed++, claim: () => ({ child: spare, connection }),
    };
    const readFileSync = fs.readFileSync;
    const kernelJsonReads: string[] = [];
    fs.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (String(file).endsWith("kernel.json")) kernelJsonReads.push(String(file));
      return (readFileSync as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.readFileSync;
    let e: unknown;
    try {
      e = await KernelClient.start({ launcher, startTimeoutMs: 300 }).catch((x: unknown) => x);
    } finally {
      fs.readFileSync = readFileSync;
    }
    expect((e as { code?: string }).code).to.equal("ERR_KERNEL_START");
    expect(kernelJsonReads, "kernel.json read for a claimed spare").to.deep.equal([]);
    expect(commands, "launcher.command called for a claimed spare").to.equal(0);
    expect(disposed).to.equal(1);
    await gone; // the failed start's close() killed the spare
  });

  it("close() after the kernel was SIGKILLed (no exit hook ran) kills the children it left in its process group", async function () {
    k = await KernelClient.start();
    const pid = k.pid;
    // The process that runs cells (under the snapshot's launcher, which is `pid`) and the child a cell started.
    const spawned = await k.execute('import { spawn } from "node:child_process"; `${process.pid} ${spawn("sleep", ["60"], { stdio: "ignore" }).pid}`');
    const [cellPid, sleepPid] = /(\d+) (\d+)/.exec(text(spawned))!.slice(1).map(Number);
    expect(procStat(sleepPid)?.pgid, "the child is in the kernel's group").to.equal(pid);
    try {
      process.kill(cellPid, "SIGKILL"); // as the OOM killer would: the kernel's exit hook never runs
      await pollUntil(() => !k!.alive, { what: "the kernel's exit" });
      expect(isAlive(sleepPid), "the child outlived the kernel").to.equal(true);
      await k.close();
      await pollUntil(() => !isAlive(sleepPid), { what: "the orphaned child to be killed by close()" });
    } finally {
      if (procStat(sleepPid)?.pgid === pid) process.kill(sleepPid, "SIGKILL");
    }
  });

  /** A kernel that exited by itself (`process.exit(7)`) and was reaped: its pid is free for another process. */
  async function exitedKernel(): Promise<{ client: KernelClient; pid: number }> {
    const client = await KernelClient.start();
    const pid = client.pid;
    expect((await client.execute("process.exit(7)", { timeoutMs: 10_000 })).status).to.equal("died");
    await pollUntil(() => !fs.existsSync(`/proc/${pid}`), { what: "the kernel reaped" });
    return { client, pid };
  }

  it("close() after the kernel exited by itself signals nothing (its pid may be another process's)", async function () {
    const { client, pid } = await exitedKernel();
    k = client;
    const kill = process.kill;
    const sent: [number, string | number | undefined][] = [];
    process.kill = ((target: number, sig?: string | number) => (sent.push([target, sig]), true)) as typeof process.kill;
    try {
      await client.close();
    } finally {
      process.kill = kill;
    }
    expect(sent, `signals sent after kernel ${pid} was gone`).to.deep.equal([]);
  });

  it("close() after the kernel exited does not kill the process that now holds its pid", async function () {
    // Pid reuse made to happen, as in test/grader/spares.test.ts: as root, the next pid is set to the kernel's.
    if (process.getuid?.() !== 0) this.skip();
    const { client, pid } = await exitedKernel();
    k = client;
    const decoys: ChildProcess[] = [];
    try {
      const taken = takePid(pid, decoys);
      if (!taken) return this.skip(); // another process took the pid each time
      await client.close();
      taken.decoy.kill("SIGTERM");
      expect(await taken.died, "the process now holding the kernel's old pid was not killed by close()").to.equal("SIGTERM");
    } finally {
      for (const d of decoys) d.kill("SIGKILL");
    }
  });
});
