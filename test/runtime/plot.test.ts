import { expect } from "chai";
import { barChart, bars, lineChart, linearFit, plot, ticks } from "../../src/runtime/plot";
import { setDisplaySink } from "../../src/runtime/display";
import { CdlabError } from "../../src/runtime/errors";

/** Well-formedness: every tag closes in order, attributes quoted, one root <svg>. */
function assertWellFormedSvg(svg: string): void {
  expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).to.equal(true);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z0-9:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(svg))) {
    const between = svg.slice(last, m.index);
    expect(between, `stray markup before ${m[0]}`).to.not.match(/[<>]/);
    expect(between, "unescaped &").to.not.match(/&(?!#\d+;|amp;|lt;|gt;|quot;)/);
    last = tag.lastIndex;
    if (m[1]) expect(stack.pop(), `closing ${m[2]}`).to.equal(m[2]);
    else if (!m[4]) stack.push(m[2]);
  }
  expect(svg.slice(last).trim()).to.equal("");
  expect(stack).to.deep.equal([]);
}

const pointsOf = (svg: string) => (svg.match(/<circle /g) ?? []).length;

describe("plot", function () {
  it("draws several series with a legend, axis labels and escaped text", function () {
    const svg = lineChart(
      [
        { name: "a < b", x: [1, 2, 3], y: [1, 4, 9] },
        { name: "pontos", x: [1, 2, 3], y: [2, 3, 4], mode: "points" },
      ],
      { title: "T & T", xLabel: "x", yLabel: "y" },
    );
    assertWellFormedSvg(svg);
    expect(svg).to.include("a &#60; b").and.include("T &#38; T").and.include(">pontos<");
    expect(svg.match(/<polyline /g)).to.have.length(1);
    expect(pointsOf(svg)).to.equal(3 + 1); // 3 points + 1 legend marker
  });

  it("puts log ticks at powers of ten, with 2 and 5 on a short range", function () {
    expect(ticks(3, 4000, "log")).to.deep.equal([10, 100, 1000]);
    expect(ticks(1, 30, "log")).to.deep.equal([1, 2, 5, 10, 20]);
    expect(ticks(2000, 13000, "log")).to.deep.equal([2000, 3000, 5000, 7000, 10000]);
    expect(ticks(0, 10)).to.deep.equal([0, 2, 4, 6, 8, 10]);
    const svg = lineChart([{ x: [10, 1000, 100000], y: [1, 2, 3] }], { xScale: "log" });
    assertWellFormedSvg(svg);
    for (const t of ["10", "100", "1.000", "10.000", "100.000"]) expect(svg).to.include(`>${t}</text>`);
  });

  it("skips NaN, null and non-positive values on log axes, says so, and breaks the line", function () {
    const svg = lineChart([{ x: [1, 2, 3, 4, 5], y: [1, NaN, 3, null, 5] }]);
    assertWellFormedSvg(svg);
    expect(svg.match(/<polyline /g) ?? []).to.have.length(0); // three single points, no segment
    expect(pointsOf(svg)).to.equal(0);
    expect(svg).to.include("2 ponto(s) sem valor (NA)");
    const log = lineChart([{ x: [0, 1, 10, 100], y: [5, 5, 50, 500], mode: "points" }], { xScale: "log", yScale: "log" });
    expect(pointsOf(log)).to.equal(3);
    expect(log).to.include("1 ponto(s)");
  });

  it("fits a power law on log-log axes and shows the exponent", function () {
    const x = [1, 10, 100, 1000];
    const svg = lineChart([{ name: "y = 3x²", x, y: x.map((v) => 3 * v * v), mode: "points", fit: true }], { xScale: "log", yScale: "log" });
    assertWellFormedSvg(svg);
    expect(svg).to.include("y ∝ x^2 (R² = 1,000)");
    expect(svg).to.include('stroke-dasharray="6 4"');
  });

  it("writes numbers in pt-BR: decimal comma, an axis grouped alike, powers of ten", function () {
    const labels = (svg: string) => [...svg.matchAll(/>([^<>]*)<\/text>/g)].map((m) => m[1]);
    const small = labels(lineChart([{ x: [0, 0.5, 1], y: [0.001, 0.0015, 0.002] }]));
    expect(small).to.include.members(["0,5", "0,0015"]);
    expect(small.join(" ")).not.to.match(/\d\.\d/);
    const years = labels(lineChart([{ x: [1990, 2000, 2020], y: [5000, 12000, 20000] }]));
    expect(years).to.include.members(["1990", "2000", "2020"]); // a year axis stays ungrouped
    expect(years).to.include.members(["5.000", "10.000", "20.000"]); // an axis reaching 10.000 groups every tick
    const huge = labels(lineChart([{ x: [1, 2], y: [1e7, 2e7] }]));
    expect(huge).to.include("2,0×10⁷");
    expect(labels(barChart([{ label: "a", value: 4.25 }, { label: "b", value: 12500 }]))).to.include.members(["4,25", "12.500"]);
    const fit = labels(lineChart([{ x: [1, 2, 3], y: [1.5, 3, 4.5], fit: true }]));
    expect(fit.join(" ")).to.include("ajuste: inclinação 1,5 (R² = 1,000)");
  });

  it("linearFit returns slope, intercept and r2", function () {
    const fit = linearFit([1, 2, 3, NaN], [3, 5, 7, 100]);
    expect(fit.n).to.equal(3);
    expect(fit.slope).to.be.closeTo(2, 1e-12);
    expect(fit.intercept).to.be.closeTo(1, 1e-12);
    expect(fit.r2).to.be.closeTo(1, 1e-12);
    expect(() => linearFit([1], [1])).to.throw(CdlabError, "pelo menos 2 pontos");
  });

  it("draws bars and labels missing values NA", function () {
    const svg = barChart([{ label: "a", value: 3 }, { label: "b", value: null }, { label: "c", value: 1.5 }], { yLabel: "s" });
    assertWellFormedSvg(svg);
    expect(svg.match(/<rect [^>]*fill="#1f77b4"/g)).to.have.length(2);
    expect(svg).to.include(">NA</text>");
  });

  it("rejects empty input and bad options with one clear line", function () {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as CdlabError;
      }
      throw new Error("did not throw");
    };
    expect(err(() => lineChart([])).code).to.equal("ERR_NO_DATA");
    expect(err(() => lineChart([{ x: [], y: [] }])).message).to.equal("Nada a desenhar: nenhum ponto tem x e y finitos");
    expect(err(() => lineChart([{ x: [NaN], y: [1] }])).code).to.equal("ERR_NO_DATA");
    expect(err(() => barChart([])).message).to.equal("Nada a desenhar: nenhuma barra tem valor finito");
    expect(err(() => lineChart([{ x: [1, 2], y: [1] }])).message).to.match(/^Opção "series\[0\]\.y" inválida/);
    expect(err(() => lineChart([{ x: [1], y: [1] }], { xScale: "ln" as "log" })).code).to.equal("ERR_INVALID_ARG");
  });

  it("plot and bars show the chart once, as a display, and return nothing to echo", function () {
    const shown: Record<string, unknown>[] = [];
    setDisplaySink((bundle) => void shown.push(bundle));
    try {
      expect(plot([{ x: [1, 2], y: [3, 4] }], { title: "t" })).to.equal(undefined);
      expect(bars([{ label: "a", value: 1 }])).to.equal(undefined);
    } finally {
      setDisplaySink(undefined);
    }
    expect(shown.map((b) => b["text/plain"])).to.deep.equal(["[imagem SVG]", "[imagem SVG]"]);
    assertWellFormedSvg(String(shown[0]["image/svg+xml"]));
    expect(String(shown[1]["image/svg+xml"])).to.equal(barChart([{ label: "a", value: 1 }]));
  });
});
