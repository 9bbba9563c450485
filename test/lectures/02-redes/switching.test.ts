import { expect } from "chai";
import { simulateSwitching } from "../../../src/lectures/02-redes/switching";

describe("network/switching", function () {
  it("shows broadcast copies, circuit setup and waiting, and packets interleaving", function () {
    const [bc, circuit, packet] = simulateSwitching({ packets: 4 });
    expect(bc.deliveredToOthers).to.equal(16); // 8 frames, each to 2 nodes that are not its destination
    expect(circuit.sharedLink).to.equal("· s · · s · · A1 A2 A3 A4 s · · s · C1 C2 C3 C4");
    expect(packet.sharedLink).to.equal("· A1 C1 A2 C2 A3 C3 A4 C4");
    expect(circuit.doneCD).to.be.greaterThan(circuit.doneAB + 4); // C waits for A's circuit to be released
    expect(packet.doneCD).to.be.lessThan(circuit.doneCD);
    expect(packet.deliveredToOthers).to.equal(0);
    expect(() => simulateSwitching({ packets: 0 })).to.throw(/"packets".*: esperado um inteiro de 1 a 50$/);
  });
});
