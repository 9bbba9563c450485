/** The pure parts of src/vnet: the plan of a network and what is read back from the kernel. */
import { expect } from "chai";
import { parseConntrack, parseRules, virtualNetwork } from "../../src/vnet";
import { limitScript, parseQueue, planNetwork } from "../../src/vnet/topology";
import { failure } from "../net/helpers";

describe("vnet: plans and parsers", () => {
  it("plans one link and subnet per host behind a router, or one subnet on a bridge", () => {
    const routed = planNetwork(["cliente", "servidor"], "roteador");
    expect(routed.hosts.map((h) => [h.address, h.gateway, h.port])).to.deep.equal([
      ["10.200.1.2", "10.200.1.1", "eth1"],
      ["10.200.2.2", "10.200.2.1", "eth2"],
    ]);
    expect(routed.router!.ns).to.match(new RegExp(`^c${process.pid}n\\d+-roteador$`));
    expect(planNetwork(["a", "b"]).hosts.map((h) => h.address)).to.deep.equal(["10.200.0.2", "10.200.0.3"]);
  });

  it("rejects bad host names and duplicates, naming the option", async () => {
    expect(() => planNetwork(["Cliente"])).to.throw(/Opção "hosts" inválida \("Cliente"\)/);
    expect(() => planNetwork(["a", "a"])).to.throw(/devem ser diferentes/);
    expect(() => planNetwork(["a"], "a")).to.throw(/devem ser diferentes/);
    expect((await failure(virtualNetwork({ hosts: ["a"], router: { nat: ["b"] } }))).code).to.equal("ERR_INVALID_ARG");
  });

  it("limits both ends of a link with tbf, and rejects a rate tc would not read", () => {
    const [h] = planNetwork(["servidor"], "roteador").hosts;
    expect(limitScript(h, { rate: "1mbit" }).split("\n")).to.deep.equal([
      `tc -n ${h.portNs} qdisc replace dev eth1 root tbf rate 1mbit burst 4kb latency 200ms`,
      `tc -n ${h.ns} qdisc replace dev eth0 root tbf rate 1mbit burst 4kb latency 200ms`,
    ]);
    expect(() => limitScript(h, { rate: "1 mega" })).to.throw(/Opção "rate" inválida \("1 mega"\)/);
    expect(() => limitScript(h, { rate: "1mbit", latency: "soon" })).to.throw(/Opção "latency" inválida/);
  });

  it("reads conntrack -L and /proc/net/nf_conntrack lines, telling translated flows", () => {
    const text = [
      "tcp      6 431999 ESTABLISHED src=10.200.1.2 dst=10.200.2.2 sport=40000 dport=7896 src=10.200.2.2 dst=10.200.2.1 sport=7896 dport=40000 [ASSURED] mark=0 use=1",
      "ipv4     2 udp      17 29 src=10.200.3.2 dst=10.200.2.2 sport=5000 dport=6789 [UNREPLIED] src=10.200.2.2 dst=10.200.3.2 sport=6789 dport=5000 mark=0 zone=0 use=2",
      "conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.",
    ].join("\n");
    const [tcp, udp, ...rest] = parseConntrack(text);
    expect(rest).to.deep.equal([]);
    expect(tcp).to.deep.include({ protocol: "tcp", state: "ESTABLISHED", timeout: 431999, nat: true, flags: ["ASSURED"] });
    expect(tcp.reply).to.deep.equal({ src: "10.200.2.2", dst: "10.200.2.1", sport: 7896, dport: 40000 });
    expect(udp).to.deep.include({ protocol: "udp", nat: false, flags: ["UNREPLIED"] });
  });

  it("reads nft rules with their counters and handles, and tc's queue statistics", () => {
    const chain = [
      "table ip cdlab {",
      "\tchain forward { # handle 1",
      "\t\ttype filter hook forward priority filter; policy accept;",
      "\t\tip saddr 10.200.3.2 udp dport 9999 counter packets 3 bytes 90 drop # handle 4",
      "\t}",
      "}",
    ].join("\n");
    expect(parseRules(chain)).to.deep.equal([{ handle: 4, rule: "ip saddr 10.200.3.2 udp dport 9999 drop", packets: 3, bytes: 90 }]);
    expect(parseQueue('[{"kind":"tbf","root":true,"bytes":10,"drops":2,"backlog":3000,"qlen":2}]')).to.deep.equal({
      qdisc: "tbf",
      backlog: 3000,
      queued: 2,
      sent: 10,
      dropped: 2,
    });
    expect(parseQueue("[]").qdisc).to.equal("noqueue");
  });
});
