import { expect } from "chai";
import { CdlabError, invalidArg, systemError, validatePort } from "../../src/runtime/errors";

describe("errors", function () {
  it("validatePort accepts 0..65535 as numbers or digit strings", function () {
    expect(validatePort(0)).to.equal(0);
    expect(validatePort("7896")).to.equal(7896);
    expect(validatePort(65535)).to.equal(65535);
  });

  for (const bad of [-1, 70000, "abc", 1.5, "", null]) {
    it(`validatePort rejects ${JSON.stringify(bad)} with one line naming the option`, function () {
      try {
        validatePort(bad, "--port");
        expect.fail("no error");
      } catch (e) {
        expect(e).to.be.instanceOf(CdlabError);
        expect((e as CdlabError).code).to.equal("ERR_INVALID_PORT");
        expect((e as Error).message).to.match(/^Opção "--port" inválida \(.*\): esperado um inteiro de 0 a 65535$/);
        expect((e as Error).message).not.to.include("\n");
      }
    });
  }

  it("systemError keeps the system code and explains it", function () {
    const e = systemError("Não foi possível conectar a 127.0.0.1:7896", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    expect(e.code).to.equal("ECONNREFUSED");
    expect(e.message).to.equal("Não foi possível conectar a 127.0.0.1:7896: conexão recusada (o servidor está rodando?)");
    expect(e.cause).to.be.instanceOf(Error);
  });

  it("invalidArg names the option and the expectation", function () {
    expect(() => invalidArg("size", -1, "deve ser um inteiro positivo")).to.throw(CdlabError, 'Opção "size" inválida (-1): deve ser um inteiro positivo');
  });
});
