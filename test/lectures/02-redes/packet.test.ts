import { expect } from "chai";
import { buildUdpPacket, internetChecksum, packetFields, packetHexTable, packetSvg, parseUdpPacket } from "../../../src/lectures/02-redes/packet";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

describe("network/packet", function () {
  it("computes the IPv4 header checksum of a known header (b861)", function () {
    const header = hex("450000730000400040110000c0a80001c0a800c7");
    expect(internetChecksum(header).toString(16)).to.equal("b861");
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(internetChecksum(header)).to.equal(0);
  });

  it("builds a datagram and parses it back layer by layer", function () {
    const bytes = buildUdpPacket({ srcIp: "192.168.0.10", dstIp: "200.17.0.1", srcPort: 50000, dstPort: 53, payload: "olá", ttl: 7, id: 99 });
    expect(bytes.length).to.equal(20 + 8 + 4);
    const p = parseUdpPacket(bytes);
    expect(p.ip).to.deep.include({ version: 4, headerLength: 20, totalLength: 32, ttl: 7, id: 99, protocol: 17, src: "192.168.0.10", dst: "200.17.0.1", dontFragment: true, checksumOk: true });
    expect(p.udp).to.deep.include({ srcPort: 50000, dstPort: 53, length: 12, checksumOk: true });
    expect(p.text).to.equal("olá");
    const fields = packetFields(bytes);
    expect(fields.map((f) => f.offset + f.length).pop()).to.equal(bytes.length);
    expect(packetHexTable(bytes).match(/<td title=/g)).to.have.length(bytes.length);
    const svg = packetSvg(bytes);
    expect(svg.match(/<title>/g)).to.have.length(bytes.length);
    expect(svg).to.include("<title>UDP: porta de destino = 53</title>");
  });

  it("detects a corrupted byte through the checksums", function () {
    const bytes = buildUdpPacket({ srcIp: "10.0.0.1", dstIp: "10.0.0.2", srcPort: 1, dstPort: 2, payload: "abc" });
    bytes[bytes.length - 1] ^= 1;
    expect(parseUdpPacket(bytes).udp.checksumOk).to.equal(false);
    bytes[8] -= 1; // TTL
    expect(parseUdpPacket(bytes).ip.checksumOk).to.equal(false);
  });

  it("rejects unparseable packets and bad options with one clear line", function () {
    expect(() => parseUdpPacket(new Uint8Array(5))).to.throw("Pacote ilegível: 5 bytes é menos que um cabeçalho IPv4 (20)");
    const bytes = buildUdpPacket({ srcIp: "10.0.0.1", dstIp: "10.0.0.2", srcPort: 1, dstPort: 2, payload: "abc" });
    expect(() => parseUdpPacket(bytes.subarray(0, 25))).to.throw("o tamanho total do IPv4 diz 31 bytes, vieram 25");
    const tcp = bytes.slice();
    tcp[9] = 6;
    expect(() => parseUdpPacket(tcp)).to.throw("protocolo 6 (TCP), esperado 17 (UDP)");
    expect(() => buildUdpPacket({ srcIp: "300.1.1.1", dstIp: "10.0.0.2", srcPort: 1, dstPort: 2, payload: "" })).to.throw(/300 é maior que 255/);
    expect(() => buildUdpPacket({ srcIp: "1.1.1.1", dstIp: "10.0.0.2", srcPort: 70000, dstPort: 2, payload: "" })).to.throw(/srcPort.*70000/);
  });
});
