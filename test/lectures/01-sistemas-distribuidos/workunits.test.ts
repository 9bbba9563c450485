import { expect } from "chai";
import { startCoordinator, type Coordinator } from "../../../src/lectures/01-sistemas-distribuidos/workunits";
import { primeUnits, sieveCount, countPrimes } from "../../../src/lectures/01-sistemas-distribuidos/tasks";
import { isAlive } from "../../../src/proc/tree";
import { resources } from "../../../src/runtime/registry";
import { listeningPorts } from "../../../src/lectures/02-redes/ports";

describe("distributed/workunits", function () {
  this.timeout(20000);
  let coord: Coordinator | undefined;
  afterEach(async function () {
    const pids = coord?.workers.map((w) => w.pid) ?? [];
    const port = coord?.port;
    await coord?.close();
    await coord?.close();
    coord = undefined;
    for (const pid of pids) expect(isAlive(pid), `worker ${pid} left behind`).to.equal(false);
    if (port) expect((await listeningPorts()).filter((p) => p.protocol === "tcp" && p.port === port)).to.deep.equal([]);
    expect(resources().filter((r) => /coordenador|voluntário/.test(r.label ?? ""))).to.deep.equal([]);
  });

  it("counts primes two ways that agree", function () {
    expect(countPrimes(0, 100)).to.equal(25);
    expect(sieveCount(0, 100)).to.equal(25);
    expect(sieveCount(1000, 5000)).to.equal(countPrimes(1000, 5000));
    const units = primeUnits({ upTo: 1000, units: 3 });
    expect(units.map((u) => [u.from, u.to])).to.deep.equal([[0, 333], [333, 666], [666, 1000]]);
    expect(() => primeUnits({ upTo: 10, units: 0 })).to.throw('Opção "units" inválida (0)');
  });

  it("hands units to worker processes over TCP and checks every result", async function () {
    coord = await startCoordinator({ leaseMs: 5000 });
    await coord.spawnWorkers(2);
    const progress: string[] = [];
    const report = await coord.run(primeUnits({ upTo: 200_000, units: 6 }), { progress: (d, t) => void progress.push(`${d}/${t}`) });
    expect(progress, "the progress hook hears of each checked result").to.deep.equal(["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"]);
    expect(report.checked).to.equal(true);
    expect(report.total).to.equal(17984);
    expect(report.reissued).to.deep.equal([]);
    expect(Object.keys(report.perWorker).map(Number).sort()).to.deep.equal(coord.workers.map((w) => w.pid).sort());
  });

  it("re-issues the unit of a killed worker as soon as its connection closes, before its lease", async function () {
    coord = await startCoordinator({ leaseMs: 10_000 });
    const [victim] = await coord.spawnWorkers(2);
    // afterUnits 0: every worker gets a unit in the first round, so the kill always happens
    const report = await coord.run(primeUnits({ upTo: 100_000, units: 6 }), { killWorker: { index: 0, afterUnits: 0 } });
    const killed = report.events.find((e) => e.type === "killed")!;
    expect(killed?.worker).to.equal(victim.pid);
    await victim.exited;
    const gone = report.events.find((e) => e.type === "disconnected")!;
    expect(gone).to.include({ worker: victim.pid, unit: killed.unit });
    expect(report.reissued).to.deep.equal([killed.unit]);
    expect(report.events.filter((e) => e.type === "timeout")).to.deep.equal([]);
    expect(report.elapsedMs).to.be.below(10_000);
    expect(report.results.find((r) => r.id === killed.unit)!.worker).to.not.equal(victim.pid);
    expect(report.total).to.equal(9592);
    expect(report.checked).to.equal(true);
  });

  it("needs the lease for a silent failure: a stopped worker keeps its connection open", async function () {
    coord = await startCoordinator({ leaseMs: 800 });
    const [frozen] = await coord.spawnWorkers(2);
    const report = await coord.run(primeUnits({ upTo: 100_000, units: 6 }), { killWorker: { index: 0, afterUnits: 0, signal: "SIGSTOP" } });
    const stopped = report.events.find((e) => e.type === "stopped")!;
    expect(stopped?.worker).to.equal(frozen.pid);
    expect(report.events.filter((e) => e.type === "disconnected")).to.deep.equal([]);
    // on a loaded machine a slow (live) worker may also miss its lease: then its unit is re-issued too
    const timedOut = report.events.filter((e) => e.type === "timeout").map((e) => e.unit);
    expect(timedOut).to.include(stopped.unit);
    expect(report.reissued).to.include(stopped.unit);
    expect(report.total).to.equal(9592);
    // close() continues the stopped worker so that it can end (afterEach checks it is gone)
  });

  it("lets volunteers join during a run, and refuses a second run at the same time", async function () {
    coord = await startCoordinator({ leaseMs: 5000 });
    await coord.spawnWorkers(1);
    const running = coord.run(primeUnits({ upTo: 5_000_000, units: 50 }));
    let err: Error | undefined;
    await coord.run(primeUnits({ upTo: 100, units: 1 })).catch((e) => (err = e));
    expect((err as { code?: string })?.code).to.equal("ERR_BUSY");
    const [late] = await coord.spawnWorkers(1);
    const report = await running;
    expect(report.events.find((e) => e.type === "joined")?.worker).to.equal(late.pid);
    expect(report.total).to.equal(348513);
    expect(report.perWorker[late.pid] ?? 0, "the late volunteer got work").to.be.greaterThan(0);
  });

  it("says so when a worker dies before connecting", async function () {
    coord = await startCoordinator();
    const pending = coord.spawnWorkers(1);
    coord.workers[0].kill();
    let err: Error | undefined;
    await pending.catch((e) => (err = e));
    expect(err?.message).to.match(/^Não foi possível iniciar os voluntários: o PID \d+ terminou \(SIGKILL\) antes de se conectar$/);
  });

  it("fails clearly when every worker is gone, and honours abort", async function () {
    coord = await startCoordinator({ leaseMs: 200 });
    const [w] = await coord.spawnWorkers(1);
    w.kill();
    await w.exited;
    let err: Error | undefined;
    await coord.run(primeUnits({ upTo: 1000, units: 2 })).catch((e) => (err = e));
    expect(err?.message).to.match(/^Não foi possível terminar a execução: nenhum voluntário restou/);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await coord.run(primeUnits({ upTo: 1000, units: 2 }), { signal: ac.signal }).catch((e) => (err = e));
    expect(err?.message).to.equal("stop");
  });
});
