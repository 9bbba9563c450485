/**
 * The BOINC-like coordinator across virtual hosts: the coordinator listens on host "coordenador", each volunteer
 * runs on its own host. One volunteer's link is cut (a partition, not a kill): the coordinator sees no
 * disconnect, the lease re-issues the unit to another volunteer, the link is healed and the partitioned
 * volunteer's late answer is recorded and ignored. On loopback, the same with SIGSTOP/SIGCONT. Skipped, with
 * the reason, where namespaces cannot be made; nothing is left behind.
 */
import { expect } from "chai";
import { virtualNetwork, vnetSupport, type VirtualNetwork } from "../../../src/vnet";
import { startCoordinator, type Coordinator, type CoordinatorEvent, type RunReport } from "../../../src/lectures/01-sistemas-distribuidos/workunits";
import { primeUnits } from "../../../src/lectures/01-sistemas-distribuidos/tasks";
import { isAlive } from "../../../src/proc/tree";
import { resources } from "../../../src/runtime/registry";
import { outside } from "../../vnet/outside";

const UNITS = primeUnits({ upTo: 1_000_000, units: 9 });

/** Isolate worker 0 before the run, reconnect it when its lease passes; then wait for its late answer. */
async function partitionedRun(coord: Coordinator, isolate: () => Promise<void>, reconnect: () => Promise<void>) {
  const victim = coord.workers[0];
  await isolate();
  let healed: Promise<void> | undefined;
  const report: RunReport = await coord.run(UNITS, {
    onEvent: (e) => {
      if (e.type === "timeout" && e.worker === victim.pid && !healed) healed = reconnect().then(() => coord.note("religado"));
    },
  });
  await healed;
  const late = await coord.settle({ timeoutMs: 20_000 });
  return { victim, report, late };
}

/** What every partitioned run shows, wherever it ran. */
function expectSilentPartition(victim: { pid: number }, report: RunReport, late: CoordinatorEvent[]) {
  const stuck = report.events.find((e) => e.type === "assigned" && e.worker === victim.pid)!;
  expect(stuck, "the isolated volunteer was given a unit").to.not.equal(undefined);
  expect(report.events.filter((e) => e.type === "disconnected"), "a partition is silent").to.deep.equal([]);
  const timeout = report.events.find((e) => e.type === "timeout" && e.unit === stuck.unit)!;
  expect(timeout?.worker, "the lease passed").to.equal(victim.pid);
  expect(report.reissued).to.include(stuck.unit);
  const accepted = report.results.find((r) => r.id === stuck.unit)!;
  const second = report.events.filter((e) => (e.type === "late" || e.type === "duplicate") && e.unit === stuck.unit);
  if (accepted.worker === victim.pid) {
    // the healed volunteer answered before the copy: its answer counted, the copy's is the one ignored
    expect(second.map((e) => e.worker)).to.not.include(victim.pid);
  } else {
    expect(late.map((e) => [e.type, e.unit, e.worker])).to.deep.include(["late", stuck.unit, victim.pid]);
    expect(report.events, "late answers join the run's events").to.include(late.find((e) => e.worker === victim.pid));
  }
  expect(report.events.find((e) => e.type === "note")?.detail).to.equal("religado");
  expect(report.total).to.equal(78498);
  expect(report.checked).to.equal(true);
}

describe("distributed/workunits: a partitioned volunteer", function () {
  this.timeout(60_000);

  it("on loopback (SIGSTOP, then SIGCONT): the lease re-issues, the late answer is ignored", async function () {
    const coord = await startCoordinator({ leaseMs: 600 });
    try {
      await coord.spawnWorkers(3);
      const w = coord.workers[0];
      const { victim, report, late } = await partitionedRun(coord, async () => void w.kill("SIGSTOP"), async () => void w.kill("SIGCONT"));
      expectSilentPartition(victim, report, late);
    } finally {
      await coord.close();
    }
  });

  describe("across virtual hosts", function () {
    let rede: VirtualNetwork | undefined;
    let coord: Coordinator | undefined;
    let before0 = "";

    before(function () {
      const s = vnetSupport();
      if (!s.available) {
        console.log(`    (skipped: ${s.reason})`);
        this.skip();
      }
      before0 = outside();
    });

    after(async () => {
      await coord?.close();
      await rede?.close();
    });

    it("cuts a volunteer's link: no disconnect, the lease re-issues, the healed link brings the late answer", async function () {
      rede = await virtualNetwork({ hosts: ["coordenador", "voluntario-1", "voluntario-2", "voluntario-3"] });
      coord = await startCoordinator({ leaseMs: 800, host: rede.host("coordenador") });
      expect(coord.address).to.equal(rede.host("coordenador").address);
      let err: Error | undefined;
      await coord.spawnWorkers(1).catch((e) => (err = e));
      expect(err?.message, "volunteers outside the network").to.match(/^Opção "hosts" inválida \(undefined\): deve listar máquinas da rede do coordenador/);
      const workers = await coord.spawnWorkers(3, { hosts: rede.hosts.slice(1) });
      // each volunteer runs on its own host and reaches the coordinator from that host's address
      expect(workers.map((w) => [w.host, w.seenFrom])).to.deep.equal(rede.hosts.slice(1).map((h) => [h.name, h.address]));
      const { victim, report, late } = await partitionedRun(coord, () => rede!.cut("voluntario-1"), () => rede!.heal("voluntario-1"));
      expect(victim.host).to.equal("voluntario-1");
      expectSilentPartition(victim, report, late);
    });

    it("leaves nothing behind: processes, namespaces, links, rules, resources", async function () {
      if (!coord || !rede) return this.skip();
      const pids = coord.workers.map((w) => w.pid);
      await coord.close();
      await rede.close();
      for (const pid of pids) expect(isAlive(pid), `volunteer ${pid}`).to.equal(false);
      expect(outside()).to.equal(before0);
      expect(resources().filter((r) => /coordenador|voluntário|rede virtual|execução de unidades/.test(r.label ?? ""))).to.deep.equal([]);
    });
  });

  it("refuses volunteers on virtual hosts for a coordinator on 127.0.0.1, in one pt-BR line", async function () {
    const coord = await startCoordinator();
    try {
      const fake = { name: "voluntario-1" } as never;
      let err: Error | undefined;
      await coord.spawnWorkers(1, { hosts: [fake] }).catch((e) => (err = e));
      expect(err?.message).to.match(/^Opção "hosts" inválida .*: voluntários em máquinas virtuais precisam de um coordenador/);
    } finally {
      await coord.close();
    }
  });
});
