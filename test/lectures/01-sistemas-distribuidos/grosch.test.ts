import { expect } from "chai";
import { LECTURE_CPU_TABLE, cheapVsExpensive, groschFit, parseCpuTable, pricePerformanceGrowth } from "../../../src/lectures/01-sistemas-distribuidos/grosch";
import { boincNumbers, setiNumbers } from "../../../src/lectures/01-sistemas-distribuidos/seti";

describe("distributed/grosch and seti", function () {
  it("parses the lecture's table, keeping the NA row flagged", function () {
    const rows = parseCpuTable(LECTURE_CPU_TABLE);
    expect(rows).to.have.length(17);
    const na = rows.filter((r) => r.na);
    expect(na.map((r) => r.cpu)).to.deep.equal(["AMD EPYC 9R14"]);
    expect(na[0]).to.include({ price: null, markPerDollar: null, cpuMark: 116475 });
    expect(rows[0]).to.include({ cpu: "AMD EPYC 9655P", cpuMark: 160164, price: 10811, priceNotCurrent: true });
    expect(rows[1].priceNotCurrent).to.equal(false);
  });

  it("fits the exponent on log-log axes and lists what it skipped", function () {
    const fit = groschFit(parseCpuTable(LECTURE_CPU_TABLE));
    expect(fit.used).to.equal(16);
    expect(fit.skipped).to.deep.equal(["AMD EPYC 9R14"]);
    expect(fit.exponent).to.be.within(0.1, 0.4);
    const exact = groschFit(parseCpuTable("a\t100\t$10\nb\t400\t$20\nc\t1,600\t$40"));
    expect(exact.exponent).to.be.closeTo(2, 1e-12);
    expect(exact.constant).to.be.closeTo(1, 1e-9);
  });

  it("compares many cheap CPUs with the most expensive one", function () {
    const c = cheapVsExpensive(parseCpuTable(LECTURE_CPU_TABLE));
    expect(c.expensive.cpu).to.equal("AMD EPYC 9845");
    expect(c.cheap.cpu).to.equal("AMD Ryzen Threadripper 7970X");
    expect(c.count).to.be.closeTo(13564 / 2202.91, 1e-9);
    expect(c.ratio).to.be.greaterThan(4);
  });

  it("rejects malformed rows with the line number", function () {
    expect(() => parseCpuTable("x\ty")).to.throw('Não foi possível ler a linha 1 da tabela de CPUs "x\\ty": eram esperadas 3 colunas');
    expect(() => parseCpuTable("x\tabc\t$1")).to.throw(/CPU Mark "abc" não é um número positivo/);
    expect(() => parseCpuTable("x\t10\tcheap")).to.throw(/o preço "cheap" não é um número positivo nem NA/);
  });

  it("computes the SETI@home, BOINC and history slides", function () {
    const s = setiNumbers();
    expect(s.cpuHoursPerDay).to.equal(4_200_000);
    expect(s.kilobytesPerUnit).to.equal(250);
    expect(s.computersToKeepUp).to.equal(175_000);
    expect(s.megabitsPerSecond).to.be.closeTo(3.24, 0.01);
    expect(() => setiNumbers({ workUnits: -1 })).to.throw('Opção "workUnits" inválida (-1)');
    expect(boincNumbers().gigaflopsPerComputer).to.be.closeTo(12.28, 0.01);
    expect(boincNumbers({ petaflops: 6348 }).gigaflopsPerComputer).to.be.closeTo(12282.3, 0.1);
    const g = pricePerformanceGrowth();
    expect(g.factor).to.be.closeTo(1e13, 1);
    expect(g.doublingYears).to.be.closeTo(1.157, 0.01);
  });
});
