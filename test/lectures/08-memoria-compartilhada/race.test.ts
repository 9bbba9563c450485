import { expect } from "chai";
import { AtomicsSemaphore } from "../../../src/ipc/index";
import { raceProcesses, raceThreads } from "../../../src/lectures/08-memoria-compartilhada/index";
import { BACKENDS } from "../../fixtures/ipc/backends";
import { childrenOf } from "../../support/procs";

function ownRaceFiles(): string[] {
  const base = `cdlab-race-${process.pid}-`;
  return require("node:fs")
    .readdirSync("/dev/shm")
    .filter((f: string) => f.startsWith(base) || f.startsWith(`sem.${base}`));
}

describe("ipc/atomics-semaphore", () => {
  it("counts with tryWait/post and times out a wait on 0", () => {
    const s = AtomicsSemaphore.create(1);
    expect([s.tryWait(), s.tryWait()]).to.deep.equal([true, false]);
    expect(s.wait(10)).to.equal(false);
    s.post();
    expect(s.value).to.equal(1);
    expect(new AtomicsSemaphore(s.buffer).tryWait()).to.equal(true);
    expect(() => AtomicsSemaphore.create(-1)).to.throw(/"value"/);
  });

  it("waitAsync resolves on a post and ends on abort", async () => {
    const s = AtomicsSemaphore.create(0);
    const w = s.waitAsync();
    setTimeout(() => s.post(), 10);
    await w;
    expect(s.value).to.equal(0);
    const ac = new AbortController();
    const w2 = s.waitAsync({ signal: ac.signal });
    ac.abort(new Error("no"));
    let err: Error | undefined;
    await w2.catch((e) => (err = e));
    expect(err?.message).to.equal("no");
  });
});

describe("ipc/race", function () {
  this.timeout(30000);

  it("threads: without the semaphore updates are lost, with it none", async () => {
    let lost = 0;
    for (let i = 0; i < 5 && lost === 0; i++) lost = (await raceThreads({ workers: 4, increments: 500_000 })).lost;
    expect(lost, "lost updates without a semaphore").to.be.greaterThan(0);
    const ended: string[] = [];
    const safe = await raceThreads({ workers: 4, increments: 20_000, useSemaphore: true, progress: (d, t) => void ended.push(`${d}/${t}`) });
    expect(ended, "the progress hook hears of each worker's end").to.deep.equal(["1/4", "2/4", "3/4", "4/4"]);
    expect(safe).to.include({ expected: 80_000, counter: 80_000, lost: 0, mode: "threads" });
  });

  it("processes: without the semaphore updates are lost, with it none; nothing left behind", async function () {
    if (!BACKENDS.includes("native")) this.skip();
    let lost = 0;
    for (let i = 0; i < 5 && lost === 0; i++) lost = (await raceProcesses({ workers: 4, increments: 2_000_000 })).lost;
    expect(lost, "lost updates without a semaphore").to.be.greaterThan(0);
    const safe = await raceProcesses({ workers: 3, increments: 10_000, useSemaphore: true });
    expect(safe).to.include({ expected: 30_000, counter: 30_000, lost: 0, mode: "processes" });
    expect(ownRaceFiles()).to.deep.equal([]);
    const raceChildren = childrenOf(process.pid).filter((pid) => {
      try {
        return require("node:fs").readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("race-process-main");
      } catch {
        return false;
      }
    });
    expect(raceChildren).to.deep.equal([]);
  });

  it("rejects bad options naming them", async () => {
    let err: Error | undefined;
    await raceThreads({ workers: 0 }).catch((e) => (err = e));
    expect(err?.message).to.match(/"workers"/);
  });
});
