import { expect } from "chai";
import { runSchedule, type SchedulePolicy } from "../../../src/lectures/01-sistemas-distribuidos/scheduling";

describe("distributed/scheduling", function () {
  this.timeout(10000);
  const nodes = [{ name: "A", msPerUnit: 5 }, { name: "B", msPerUnit: 5 }, { name: "C", msPerUnit: 40 }];
  const alternate: SchedulePolicy = (_loads, unit) => unit % 3;
  const leastLoaded: SchedulePolicy = (loads) => loads.indexOf(Math.min(...loads));

  it("alternation gives every node the same share; least-loaded gives the slow node less", async function () {
    const rr = await runSchedule({ nodes, units: 12, choose: alternate });
    expect(rr.perNode.map((n) => n.units)).to.deep.equal([4, 4, 4]);
    const least = await runSchedule({ nodes, units: 12, arrivalMs: 4, choose: leastLoaded });
    expect(least.perNode.reduce((s, n) => s + n.units, 0)).to.equal(12);
    expect(least.perNode[2].units).to.be.below(4);
    expect(rr.makespanMs).to.be.at.least(4 * 40 - 5); // the slow node's 4 units, one after another
  });

  it("refuses bad options and a policy that returns a bad index", async function () {
    let err: Error | undefined;
    await runSchedule({ nodes: [], units: 1, choose: () => 0 }).catch((e) => (err = e));
    expect(err?.message).to.match(/^Opção "nodes" inválida/);
    await runSchedule({ nodes, units: 2, choose: () => 7 }).catch((e) => (err = e));
    expect(err?.message).to.match(/^Opção "choose" inválida/);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await runSchedule({ nodes, units: 2, choose: () => 0, signal: ac.signal }).catch((e) => (err = e));
    expect(err?.message).to.equal("stop");
  });
});
