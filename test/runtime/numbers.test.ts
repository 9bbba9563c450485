import { expect } from "chai";
import { formatCell, formatNumber, formatPercent } from "../../src/runtime/numbers";
import { setDisplaySink, table, type MimeBundle } from "../../src/runtime/display";

describe("numbers in pt-BR", function () {
  it("formatNumber: decimal comma, '.' grouping, automatic or fixed decimals", function () {
    expect(formatNumber(1234.5)).to.equal("1.234,5");
    expect(formatNumber(12345.678)).to.equal("12.345,68");
    expect(formatNumber(0.0042345)).to.equal("0,00423");
    expect(formatNumber(2 / 3, { decimals: 2 })).to.equal("0,67");
    expect(formatNumber(1.25, { maxDecimals: 1 })).to.equal("1,3");
    expect(formatNumber(50000, { group: false })).to.equal("50000");
    expect(formatNumber(2020, { group: "min2" })).to.equal("2020");
    expect(formatNumber(-0.0001, { decimals: 2 })).to.equal("0,00"); // no "-0,00"
    expect(formatNumber(123456789n)).to.equal("123.456.789");
    expect(formatNumber(Infinity)).to.equal("∞");
  });

  it("formatPercent: a space before %", function () {
    expect(formatPercent(0.0042)).to.equal("0,42 %");
    expect(formatPercent(0.5)).to.equal("50 %");
    expect(formatPercent(1 / 3, { decimals: 1 })).to.equal("33,3 %");
  });

  it("formatCell: sim/não, integers as they are (ports, PIDs, years), fractions in pt-BR", function () {
    expect([true, false].map(formatCell)).to.deep.equal(["sim", "não"]);
    expect([50000, 4206649, 2024, -0].map(formatCell)).to.deep.equal(["50000", "4206649", "2024", "0"]);
    expect([1234.5, 0.1 + 0.2, NaN].map(formatCell)).to.deep.equal(["1.234,5", "0,3", "NaN"]);
    expect([null, undefined, "texto"].map(formatCell)).to.deep.equal(["", "", "texto"]);
    expect(formatCell([true, 2, "x"])).to.equal("sim, 2, x");
    expect(formatCell([1.5, 2.5])).to.equal("1,5; 2,5");
    expect(formatCell({ a: 1 })).to.equal('{"a":1}');
  });

  it("table shows no true/false and no English decimal point, in HTML and in text", function () {
    const shown: MimeBundle[] = [];
    setDisplaySink((b) => void shown.push(b));
    try {
      table([{ porta: 50000, aberto: true, perda: 0.125, "tempo (s)": 1234.5 }, { porta: 50001, aberto: false, perda: 0.5, "tempo (s)": 2 }]);
    } finally {
      setDisplaySink(undefined);
    }
    const html = String(shown[0]["text/html"]);
    const text = String(shown[0]["text/plain"]);
    expect(html).to.include("<td>50000</td><td>sim</td><td>0,125</td><td>1.234,5</td>");
    expect(html).to.include("<td>50001</td><td>não</td><td>0,5</td><td>2</td>");
    for (const out of [html, text]) {
      expect(out).not.to.match(/\b(true|false)\b/);
      expect(out).not.to.match(/\d\.\d{1,2}\b(?!\d)/); // 0.125, 1234.5: an English decimal point
    }
    expect(text.split("\n")[0]).to.match(/^porta\s+aberto\s+perda\s+tempo \(s\)$/);
  });
});
