import { expect } from "chai";
import { startCoordinator, type Coordinator } from "../../../src/lectures/01-sistemas-distribuidos/workunits";
import { countPrimesWithThreads } from "../../../src/lectures/01-sistemas-distribuidos/parallel";
import { primeUnits } from "../../../src/lectures/01-sistemas-distribuidos/tasks";
import { interruptCell, setCurrentCell } from "../../../src/runtime/registry";

// The kernel calls interruptCell(n) for the cell being interrupted: what that cell is waiting on must end.
describe("distributed: kernel interrupt", function () {
  this.timeout(20000);
  let coord: Coordinator | undefined;
  afterEach(async function () {
    setCurrentCell(undefined);
    await coord?.close();
    coord = undefined;
  });

  it("ends a work-unit run awaited by the interrupted cell, keeping the workers", async function () {
    setCurrentCell(9001);
    coord = await startCoordinator({ leaseMs: 60_000 });
    await coord.spawnWorkers(1);
    setCurrentCell(9002);
    const run = coord.run(primeUnits({ upTo: 50_000_000, units: 50 }));
    interruptCell(9002);
    let err: (Error & { code?: string }) | undefined;
    await run.catch((e) => (err = e));
    expect([err?.code, err?.message]).to.deep.equal(["EINTR", "Execução de unidades de trabalho: interrompida"]);
    expect(coord.workers[0].pid).to.be.a("number");
    const report = await coord.run(primeUnits({ upTo: 1000, units: 2 }));
    expect(report.total).to.equal(168);
    expect(report.events.filter((e) => e.type === "invalid"), "late results of the interrupted run are ignored").to.deep.equal([]);
  });

  it("ends a threads count awaited by the interrupted cell", async function () {
    setCurrentCell(9003);
    const p = countPrimesWithThreads(200_000_000, 2);
    interruptCell(9003);
    let err: (Error & { code?: string }) | undefined;
    await p.catch((e) => (err = e));
    expect(err?.code).to.equal("EINTR");
  });
});
