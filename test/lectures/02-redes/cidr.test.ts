import { expect } from "chai";
import { addressScope, cidrContains, formatIPv4, parseCidr, parseIPv4 } from "../../../src/lectures/02-redes/cidr";

describe("network/cidr", function () {
  it("computes network, broadcast, host range and count", function () {
    expect(parseCidr("192.168.10.37/26")).to.deep.include({
      netmask: "255.255.255.192", wildcard: "0.0.0.63", network: "192.168.10.0", broadcast: "192.168.10.63",
      firstHost: "192.168.10.1", lastHost: "192.168.10.62", hosts: 62, size: 64, scope: "private",
    });
    expect(parseCidr("192.168.10.37/26").binary).to.equal("11000000101010000000101000 100101");
    expect(parseCidr("8.8.8.8")).to.deep.include({ prefix: 32, hosts: 1, network: "8.8.8.8", scope: "public" });
    expect(parseCidr("10.0.0.4/31")).to.deep.include({ hosts: 2, firstHost: "10.0.0.4", lastHost: "10.0.0.5" });
    expect(parseCidr("0.0.0.0/0")).to.deep.include({ netmask: "0.0.0.0", broadcast: "255.255.255.255", hosts: 4294967294 });
  });

  it("classifies private, loopback, link-local and public addresses", function () {
    expect(["10.1.2.3", "172.16.0.1", "172.31.255.255", "172.32.0.1", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1", "224.0.0.1", "200.17.1.1"].map(addressScope))
      .to.deep.equal(["private", "private", "private", "public", "private", "loopback", "link-local", "shared (CGNAT)", "multicast", "public"]);
    expect(cidrContains("172.16.0.0/12", "172.20.9.9")).to.equal(true);
    expect(cidrContains("172.16.0.0/12", "172.32.0.0")).to.equal(false);
    expect(formatIPv4(parseIPv4("1.2.3.4"))).to.equal("1.2.3.4");
  });

  it("rejects bad addresses and prefixes with one clear line", function () {
    expect(() => parseCidr("300.1.1.1/24")).to.throw('Endereço IPv4 inválido "300.1.1.1": 300 é maior que 255');
    expect(() => parseCidr("10.0.0.1/33")).to.throw('CIDR inválido "10.0.0.1/33": o prefixo /33 não é um inteiro de 0 a 32');
    expect(() => parseIPv4("1.2.3")).to.throw("esperados 4 números separados por pontos, veio 3");
    expect(() => parseIPv4("1.2.3.x")).to.throw('"x" não é um número de 0 a 255');
    try {
      parseCidr("10.0.0.1/-1");
    } catch (e) {
      expect((e as { code: string }).code).to.equal("ERR_INVALID_CIDR");
    }
  });
});
