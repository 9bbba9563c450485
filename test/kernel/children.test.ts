/**
 * Child processes inside a real kernel: each is registered once — a `startChild` child by its handle, a
 * plain `spawn` child by the kernel — so `resources()` lists it once and an interrupt sends it one SIGINT.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kernel } from "@jupyterlab/services";
import { execute, sharedServer, type ExecuteResult } from "../support/jupyter";
import { pollUntil } from "../support/poll";
import { isAlive } from "../../src/proc/tree";

/** What the cell printed with `console.log(JSON.stringify(…))`. */
function printed(r: ExecuteResult): unknown {
  expect(r.reply.status, JSON.stringify(r.outputs.map((m) => m.content))).to.equal("ok");
  return JSON.parse(r.stdout);
}

describe("kernel: child processes are registered once", function () {
  this.timeout(60000);
  let kernel: Kernel.IKernelConnection;
  let dir: string;
  const pids: number[] = [];

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdlab-children-"));
    kernel = await (await sharedServer()).startKernel();
  });
  after(async function () {
    await kernel?.shutdown().catch(() => {});
    kernel?.dispose();
    for (const pid of pids) await pollUntil(() => !isAlive(pid), { timeoutMs: 5000, what: `child ${pid} to die with the kernel` });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("resources() lists a startChild child once and a plain spawn child once", async function () {
    const r = await execute(
      kernel,
      [
        'import { resources } from "cdlab";',
        'import { startChild } from "cdlab/proc";',
        'import { spawn } from "node:child_process";',
        'const own = await startChild("sleep", { args: ["300"], timeout: 0 });',
        'const raw = spawn("sleep", ["300"]);',
        "await new Promise((r) => setTimeout(r, 50));",
        'const kids = resources().filter((e) => e.kind === "child-process");',
        "console.log(JSON.stringify({ own: own.pid, raw: raw.pid, labels: kids.map((e) => e.label) }));",
      ].join("\n"),
    );
    const { own, raw, labels } = printed(r) as { own: number; raw: number; labels: string[] };
    pids.push(own, raw);
    const mentioning = (pid: number) => labels.filter((l) => new RegExp(`\\b${pid}\\b`).test(l));
    expect(mentioning(own), `labels: ${labels.join(" | ")}`).to.have.length(1);
    expect(mentioning(raw), `labels: ${labels.join(" | ")}`).to.have.length(1);
    const closed = printed(
      await execute(kernel, 'await own.close();\nraw.kill();\nawait new Promise((r) => raw.once("exit", r));\nconsole.log(resources().filter((e) => e.kind === "child-process").length);'),
    );
    expect(closed).to.equal(0);
  });

  it("interrupting the cell sends its startChild child one SIGINT", async function () {
    const ready = path.join(dir, "ready");
    // Signals do not queue, so the child itself cannot count them: count the kill() calls instead.
    const code = [
      'import fs from "node:fs";',
      'import { startChild } from "cdlab/proc";',
      'const sleeper = await startChild("sleep", { args: ["300"], timeout: 0 });',
      "const kill = sleeper.child.kill.bind(sleeper.child);",
      "(globalThis as any).sent = [] as string[];",
      "sleeper.child.kill = (sig?: NodeJS.Signals | number) => ((globalThis as any).sent.push(String(sig)), kill(sig));",
      `fs.writeFileSync(${JSON.stringify(ready)}, String(sleeper.pid));`,
      "await sleeper.result;",
    ].join("\n");
    const running = execute(kernel, code);
    await pollUntil(() => fs.existsSync(ready), { timeoutMs: 10000, what: "the cell to start its child" });
    pids.push(Number(fs.readFileSync(ready, "utf8")));
    await kernel.interrupt();
    await running;
    const sent = printed(await execute(kernel, "console.log(JSON.stringify((globalThis as any).sent));")) as string[];
    expect(sent.filter((s) => s === "SIGINT")).to.have.length(1);
  });
});
