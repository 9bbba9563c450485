import { expect } from "chai";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { startChild, run, isRunning } from "../../src/proc/child";
import { programArgs } from "../../src/proc/program";
import { CdlabError } from "../../src/runtime/errors";
import { resources, interruptCell } from "../../src/runtime/registry";
import { isAlive } from "../../src/proc/tree";
import { pollUntil } from "../support/poll";
import { descendantWatch, registryWatch } from "./leaks";

const FIXTURES = path.join(__dirname, "..", "fixtures", "proc");

describe("proc/child", () => {
  let watch: ReturnType<typeof descendantWatch>;
  let registry: ReturnType<typeof registryWatch>;
  beforeEach(() => ((watch = descendantWatch()), (registry = registryWatch(["child-process"]))));
  afterEach(async () => {
    await watch.check();
    expect(registry.check()).to.deep.equal([]);
  });

  it("run captures output and reports exitCode/signal/timedOut", async () => {
    const r = await run("sort", [], { input: "b\na\n" });
    expect(r).to.include({ stdout: "a\nb\n", exitCode: 0, signal: null, timedOut: false });
    const f = await run("sh", ["-c", "exit 3"]);
    expect(f.exitCode).to.equal(3);
  });

  it("a running child is registered, and unregistered when it exits", async () => {
    const c = await startChild("sleep", { args: ["30"] });
    expect(resources().some((r) => r.kind === "child-process" && r.label === `sleep 30 (PID ${c.pid})`)).to.equal(true);
    await c.close();
    await c.close();
    expect(registry.check()).to.deep.equal([]);
  });

  it("timeout sends killSignal and reports timedOut", async () => {
    const r = await run("sleep", ["30"], { timeout: 100, killSignal: "SIGINT" });
    expect(r).to.include({ timedOut: true, signal: "SIGINT", exitCode: null });
  });

  it("escalates to SIGKILL when the child ignores killSignal", async () => {
    const c = await startChild(process.execPath, { args: [path.join(FIXTURES, "forever.js"), "ignore-term"], forceKillAfterDelay: 200 });
    await new Promise<void>((resolve) => c.child.stdout!.once("data", () => resolve()));
    await c.close();
    expect((await c.result).signal).to.equal("SIGKILL");
  });

  it("interrupting the cell sends SIGINT (Ctrl-C) to its children", async () => {
    const c = await startChild(process.execPath, { args: [path.join(FIXTURES, "forever.js")] });
    let out = "";
    c.child.stdout!.on("data", (b) => (out += b));
    await pollUntil(() => out.includes("ready"));
    interruptCell(undefined);
    const r = await c.result;
    expect(out).to.include("got SIGINT");
    expect(r.exitCode).to.equal(130);
  });

  it("children die with their parent", async () => {
    const r = await run(process.execPath, programArgs(path.join(FIXTURES, "parent-exits.ts")));
    const pid = Number(r.stdout.trim());
    expect(pid).to.be.greaterThan(0);
    await pollUntil(() => !isAlive(pid), { what: `orphaned sleep ${pid} to die` });
  });

  it("a command that is not found, or a bad option, is one clear error", async () => {
    const e = await run("no-such-command-cdlab").catch((err) => err);
    expect(e).to.be.instanceOf(CdlabError).and.include({ code: "ENOENT", message: 'Não foi possível executar "no-such-command-cdlab": comando não encontrado' });
    const bad = await startChild("sleep", { timeout: -1 }).catch((err) => err);
    expect(bad).to.be.instanceOf(CdlabError).and.include({ code: "ERR_INVALID_ARG" });
    expect(bad.message).to.match(/^Opção "timeout" inválida \(-1\)/);
  });

  describe("isRunning", () => {
    const started: ChildProcess[] = [];
    afterEach(() => {
      for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    });
    /** Spawn `command` and wait until it runs. */
    const start = async (command: string, args: string[]) => {
      const c = spawn(command, args, { stdio: "ignore" });
      started.push(c);
      await new Promise((resolve, reject) => c.once("spawn", resolve).once("error", reject));
      return c;
    };
    const exited = (c: ChildProcess) => new Promise<void>((resolve) => c.once("exit", () => resolve()));

    it("is true while the child runs", async () => {
      const c = await start("sleep", ["30"]);
      expect(isRunning(c)).to.equal(true);
      const gone = exited(c);
      c.kill("SIGKILL");
      await gone;
    });

    it("is false once the child exited with a code", async () => {
      const c = await start("sh", ["-c", "exit 3"]);
      await exited(c);
      expect(c.exitCode).to.equal(3);
      expect(isRunning(c)).to.equal(false);
    });

    it("is false once the child was killed by a signal (its exitCode stays null)", async () => {
      const c = await start("sleep", ["30"]);
      const gone = exited(c);
      c.kill("SIGTERM");
      await gone;
      expect(c).to.include({ exitCode: null, signalCode: "SIGTERM" });
      expect(isRunning(c)).to.equal(false);
    });
  });
});
