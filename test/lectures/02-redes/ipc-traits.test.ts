import { expect } from "chai";
import { messageDestinations, orderingExperiment, reliabilityExperiment, syncVsAsync } from "../../../src/lectures/02-redes/ipc-traits";
import { interruptCell, resources, setCurrentCell } from "../../../src/runtime/registry";

describe("network/ipc-traits", function () {
  this.timeout(15000);
  afterEach(function () {
    expect(resources().filter((r) => /syncVsAsync|messageDestinations|reliabilityExperiment|orderingExperiment/.test(r.label ?? ""))).to.deep.equal([]);
  });

  it("synchronous sender waits for every reply, asynchronous one does not", async function () {
    const [sync, async_] = await syncVsAsync({ messages: 5, serverDelayMs: 20 });
    expect(Object.keys(sync)).to.deep.equal(["modo", "mensagens", "remetente preso no laço (ms)", "todas as respostas em (ms)", "respostas ao sair do laço"]);
    expect(sync["remetente preso no laço (ms)"]).to.be.at.least(5 * 20 - 5); // lower bounds follow from the server's delays, not from speed
    expect(async_["todas as respostas em (ms)"]).to.be.at.least(20 - 5);
    expect([sync["respostas ao sair do laço"], async_["respostas ao sair do laço"]]).to.deep.equal([5, 0]);
  });

  it("delivers to (address, port), refuses a taken port and an empty one", async function () {
    const obs = await messageDestinations();
    expect(obs.map((o) => o.resultado)).to.deep.equal(['P recebeu "para P", Q recebeu "para Q"', "recusado: EADDRINUSE", "ECONNREFUSED"]);
  });

  it("loses datagrams on a lossy link unless they are acknowledged and retransmitted", async function () {
    const [raw, arq] = await reliabilityExperiment({ messages: 30, dropRate: 0.3, seed: 1 });
    expect(raw.entregues).to.equal(raw.enviadas - raw["perdidos no enlace"]);
    expect(raw["perdidos no enlace"]).to.be.greaterThan(0);
    expect(arq.entregues).to.equal(30);
    expect(arq.retransmissões).to.be.greaterThan(0);
    let err: Error | undefined;
    await reliabilityExperiment({ dropRate: 1 }).catch((e) => (err = e));
    expect((err as { code?: string } | undefined)?.code).to.equal("ERR_INVALID_ARG");
    expect(err?.message).to.include('"dropRate"').and.to.match(/: esperado um número de 0 a 0,9$/);
  });

  it("loses the same datagrams for the same seed (notebook 02: seed 7 loses 10 of 40)", async function () {
    const [raw] = await reliabilityExperiment({ messages: 40, dropRate: 0.2, seed: 7 });
    expect(raw).to.deep.equal({ protocolo: "UDP puro", enviadas: 40, entregues: 30, "perdidos no enlace": 10, retransmissões: 0 });
  });

  it("reorders with random delays and restores order with sequence numbers", async function () {
    const r = await orderingExperiment({ messages: 12, maxDelayMs: 30, seed: 3 });
    expect([...r.arrival].sort((a, b) => a - b)).to.deep.equal([...Array(12).keys()]);
    expect(r.outOfOrder).to.be.greaterThan(0);
    expect(r.delivered).to.deep.equal([...Array(12).keys()]);
  });

  it("ends an experiment when the kernel interrupts its cell, closing its sockets", async function () {
    setCurrentCell(9101);
    try {
      const p = syncVsAsync({ messages: 100, serverDelayMs: 100 });
      interruptCell(9101);
      let err: (Error & { code?: string }) | undefined;
      await p.catch((e) => (err = e));
      expect([err?.code, err?.message]).to.deep.equal(["EINTR", "syncVsAsync: interrompido"]);
    } finally {
      setCurrentCell(undefined);
    }
  });
});
