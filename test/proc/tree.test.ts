import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { isRunning } from "../../src/proc/child";
import { groupMembers, isAlive, killLeftoverGroup, procStat } from "../../src/proc/tree";
import { pollUntil } from "../support/poll";

const GROUP_PARENT = path.join(__dirname, "..", "fixtures", "proc", "group-parent.js");

describe("proc/tree", function () {
  this.timeout(20_000);
  const started: ChildProcess[] = [];
  const groups: number[] = [];

  afterEach(function () {
    for (const c of started.splice(0)) if (isRunning(c)) c.kill("SIGKILL");
    // What a failed test left in its groups (only while a member still holds the id, so it is still ours).
    for (const g of groups.splice(0)) for (const p of groupMembers(g)) if (procStat(p)?.pgid === g) process.kill(p, "SIGKILL");
  });

  /** A detached child (it leads group = its pid), started and running. */
  async function detached(command: string, args: string[]): Promise<ChildProcess> {
    const c = spawn(command, args, { detached: true, stdio: ["ignore", "pipe", "ignore"] });
    started.push(c);
    await new Promise((resolve, reject) => c.once("spawn", resolve).once("error", reject));
    groups.push(c.pid!);
    return c;
  }

  const exited = (c: ChildProcess) => new Promise<void>((resolve) => (isRunning(c) ? c.once("exit", () => resolve()) : resolve()));

  /** Record the signals sent through process.kill while `fn` runs (none is really sent). */
  function signalsDuring<T>(fn: () => T): { value: T; sent: [number, string | number | undefined][] } {
    const kill = process.kill;
    const sent: [number, string | number | undefined][] = [];
    process.kill = ((target: number, sig?: string | number) => (sent.push([target, sig]), true)) as typeof process.kill;
    try {
      return { value: fn(), sent };
    } finally {
      process.kill = kill;
    }
  }

  /** The group-parent fixture, detached, and the pid of the grandchild it left in its group. */
  async function parentWithGrandchild(): Promise<{ parent: ChildProcess; grandchild: number }> {
    const parent = await detached(process.execPath, [GROUP_PARENT]);
    let out = "";
    parent.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const grandchild = Number(await pollUntil(() => /^(\d+)\n/.exec(out)?.[1], { what: "the grandchild's pid" }));
    expect(procStat(grandchild)?.pgid, "the grandchild is in its parent's group").to.equal(parent.pid);
    return { parent, grandchild };
  }

  describe("groupMembers", function () {
    it("lists the leader and the processes that stayed in its group, and nothing else", async function () {
      const { parent, grandchild } = await parentWithGrandchild();
      const other = await detached("sleep", ["60"]);
      expect(groupMembers(parent.pid!).sort((a, b) => a - b)).to.deep.equal([parent.pid!, grandchild].sort((a, b) => a - b));
      expect(groupMembers(other.pid!)).to.deep.equal([other.pid!]);
    });
  });

  describe("killLeftoverGroup", function () {
    it("kills what a SIGKILLed leader left in its group", async function () {
      const { parent, grandchild } = await parentWithGrandchild();
      const gone = exited(parent);
      parent.kill("SIGKILL"); // no exit hook runs: its grandchild lives on in its group
      await gone;
      expect(isAlive(grandchild), "the grandchild outlived its parent").to.equal(true);
      expect(killLeftoverGroup(parent.pid!)).to.equal(1);
      await pollUntil(() => !isAlive(grandchild), { what: "the leftover grandchild to die" });
    });

    it("sends no signal when no member of the group is left", async function () {
      const c = await detached("sh", ["-c", "exit 0"]);
      await exited(c);
      const { value, sent } = signalsDuring(() => killLeftoverGroup(c.pid!));
      expect(value).to.equal(0);
      expect(sent, "signals sent to an empty group").to.deep.equal([]);
    });

    it("sends no signal while the leader's pid exists (it is not a leftover group)", async function () {
      const { parent, grandchild } = await parentWithGrandchild();
      const { value, sent } = signalsDuring(() => killLeftoverGroup(parent.pid!));
      expect(value).to.equal(0);
      expect(sent).to.deep.equal([]);
      expect(isAlive(grandchild)).to.equal(true);
    });
  });
});
