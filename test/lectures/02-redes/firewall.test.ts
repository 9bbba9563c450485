import { expect } from "chai";
import { evaluateRules, startFirewall, type Firewall } from "../../../src/lectures/02-redes/firewall";
import { pollUntil } from "../../support/poll";
import { peer, type Peer } from "../../net/udp-peer";

describe("network/firewall", function () {
  let fw: Firewall | undefined;
  const peers: Peer[] = [];
  afterEach(async function () {
    await fw?.close();
    await fw?.close();
    for (const p of peers.splice(0)) await p.close();
  });

  it("applies ordered rules: the first match decides", function () {
    const rules = [
      { action: "deny" as const, contains: "DROP" },
      { action: "allow" as const, from: "127.0.0.0/8" },
      { action: "deny" as const, from: "127.0.0.1/32" },
    ];
    const from = { address: "127.0.0.1", port: 4000 };
    expect(evaluateRules(rules, from, Buffer.from("DROP TABLE"))).to.deep.equal({ action: "deny", rule: 0 });
    expect(evaluateRules(rules, from, Buffer.from("oi"))).to.deep.equal({ action: "allow", rule: 1 });
    expect(evaluateRules(rules, { address: "10.0.0.1", port: 1 }, Buffer.from("oi"))).to.deep.equal({ action: "deny", rule: -1 });
    expect(evaluateRules([{ action: "deny", fromPort: [1, 1023] }], from, Buffer.from(""), "allow")).to.deep.equal({ action: "allow", rule: -1 });
  });

  it("forwards what is allowed, drops and logs the rest, through real sockets", async function () {
    const server = await peer(true);
    const client = await peer();
    peers.push(server, client);
    fw = await startFirewall({ target: server.port, rules: [{ action: "deny", contains: "ataque" }, { action: "deny", largerThan: 20 }, { action: "allow", from: "127.0.0.0/8" }] });
    await client.send("olá", fw.port);
    await client.send("um ataque", fw.port);
    await client.send("x".repeat(30), fw.port);
    await client.send("tchau", fw.port);
    await pollUntil(() => client.received.length === 2 && fw!.drops.length === 2, { what: "two replies and two drops" });
    expect(server.received.map((m) => m.text)).to.deep.equal(["olá", "tchau"]);
    expect(fw.drops.map((d) => [d.rule, d.reason, d.from])).to.deep.equal([
      [0, 'barrar contém "ataque"', `127.0.0.1:${client.port}`],
      [1, "barrar > 20 bytes", `127.0.0.1:${client.port}`],
    ]);
    expect(fw.stats()).to.deep.equal({ allowed: 2, dropped: 2 });
  });

  it("validates rules, naming the bad one", async function () {
    let err: Error | undefined;
    await startFirewall({ target: 9, rules: [{ action: "allow" }, { action: "permit" as "allow" }] }).catch((e) => (err = e));
    expect(err?.message).to.include('"rules[1].action"').and.include('"permit"').and.to.match(/: esperado "allow" ou "deny"$/);
    await startFirewall({ target: 9, rules: [{ action: "allow", from: "10.0.0.0/40" }] }).catch((e) => (err = e));
    expect(err?.message).to.equal('CIDR inválido "10.0.0.0/40": o prefixo /40 não é um inteiro de 0 a 32');
  });
});
