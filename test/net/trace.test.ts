import { expect } from "chai";
import { Trace } from "../../src/net/trace";

describe("net/trace", function () {
  it("writes times in pt-BR and an error as 'erro', in the text and in the diagram", function () {
    const trace = new Trace();
    trace.record("cliente#1", "socket");
    trace.record("cliente#1", "error", "ECONNREFUSED");
    trace.events[0].t = 1234.5;
    trace.events[1].t = 2.25;
    const lines = trace.toString().split("\n");
    expect(lines[0]).to.match(/^1\.234,500 ms {2}cliente#1 +socket$/);
    expect(lines[1]).to.match(/^ +2,250 ms {2}cliente#1 +erro +ECONNREFUSED$/);
    const svg = trace.toSvg();
    expect(svg).to.include(">1.234,5 ms<").and.include(">2,3 ms<").and.include(">erro ECONNREFUSED<");
    expect(svg).not.to.match(/>\d+\.\d ms</);
  });
});
