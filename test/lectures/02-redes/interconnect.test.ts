import { expect } from "chai";
import { makeHub, makeSwitch, makeRouter, BROADCAST_MAC } from "../../../src/lectures/02-redes/interconnect";

describe("network/interconnect", function () {
  it("a hub repeats every frame to every other port", function () {
    const hub = makeHub(4);
    expect(hub.receive({ src: "aa", dst: "bb" }, 1).out).to.deep.equal([2, 3, 4]);
    expect(hub.receive({ src: "bb", dst: "aa" }, 2).out).to.deep.equal([1, 3, 4]);
    expect(() => hub.receive({ src: "aa", dst: "bb" }, 5)).to.throw(/"inPort".*5.*: esperada uma porta de 1 a \d+$/);
  });

  it("a switch floods an unknown destination, learns sources, then forwards to one port", function () {
    const sw = makeSwitch(4);
    expect(sw.receive({ src: "aa", dst: "bb" }, 1)).to.deep.equal({ out: [2, 3, 4], flooded: true, learned: true });
    expect(sw.receive({ src: "bb", dst: "aa" }, 2)).to.deep.equal({ out: [1], flooded: false, learned: true });
    expect(sw.receive({ src: "aa", dst: "bb" }, 1)).to.deep.equal({ out: [2], flooded: false, learned: false });
    expect(sw.receive({ src: "cc", dst: BROADCAST_MAC }, 3).out).to.deep.equal([1, 2, 4]);
    expect(sw.receive({ src: "aa", dst: "bb" }, 4).learned, "aa moved to port 4").to.equal(true);
    expect([...sw.table()]).to.deep.equal([["aa", 4], ["bb", 2], ["cc", 3]]);
  });

  it("a router forwards by the longest matching prefix and decrements the TTL", function () {
    const r = makeRouter([
      { prefix: "0.0.0.0/0", iface: "wan", via: "200.17.64.1" },
      { prefix: "10.0.0.0/16", iface: "eth1" },
      { prefix: "10.0.1.0/24", iface: "eth0" },
    ]);
    expect(r.route("10.0.1.7", 64)).to.deep.equal({ iface: "eth0", via: undefined, prefix: "10.0.1.0/24", matches: ["10.0.1.0/24", "10.0.0.0/16", "0.0.0.0/0"], ttl: 63 });
    expect(r.route("10.0.9.1", 64).iface).to.equal("eth1");
    expect(r.route("8.8.8.8", 64)).to.include({ iface: "wan", via: "200.17.64.1" });
    expect(r.route("8.8.8.8", 1)).to.include({ dropped: "TTL esgotado", ttl: 0 });
    expect(makeRouter([{ prefix: "10.0.0.0/8", iface: "eth0" }]).route("8.8.8.8", 64).dropped).to.equal("nenhuma rota");
  });
});
