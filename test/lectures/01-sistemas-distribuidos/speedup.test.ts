import { expect } from "chai";
import { measureSpeedup } from "../../../src/lectures/01-sistemas-distribuidos/speedup";
import { primeUnits } from "../../../src/lectures/01-sistemas-distribuidos/tasks";
import { resources } from "../../../src/runtime/registry";

describe("distributed/speedup", function () {
  this.timeout(20000);
  afterEach(function () {
    expect(resources().filter((r) => /coordinator|volunteer/.test(r.label ?? ""))).to.deep.equal([]);
  });

  it("measures speed-up against one worker, closing every coordinator", async function () {
    const runs: string[] = [];
    const rows = await measureSpeedup(primeUnits({ upTo: 50_000, units: 4 }), { workerCounts: [1, 2], progress: (d, t) => void runs.push(`${d}/${t}`) });
    expect(runs, "the progress hook hears of each run (2 counts × 2 repeats)").to.deep.equal(["1/4", "2/4", "3/4", "4/4"]);
    expect(rows.map((r) => r.workers)).to.deep.equal([1, 2]);
    expect(rows[0].speedup).to.equal(1);
    expect(rows[1].efficiency).to.be.closeTo(rows[1].speedup / 2, 1e-12);
    let err: Error | undefined;
    await measureSpeedup(primeUnits({ upTo: 100, units: 1 }), { workerCounts: [2] }).catch((e) => (err = e));
    expect(err?.message).to.equal('Opção "workerCounts" inválida ([2]): deve ser inteiros de 1 a 64, incluindo o 1');
  });
});
