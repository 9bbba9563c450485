import { expect } from "chai";
import { execute, sharedServer } from "../support/jupyter";

describe("kernel through a real Jupyter server", function () {
  it("imports cdlab helpers and Node modules in a folder with no node_modules", async function () {
    const server = await sharedServer();
    const kernel = await server.startKernel();
    try {
      const r = await execute(kernel, 'import { validatePort } from "cdlab";\nimport * as dgram from "node:dgram";\nconsole.log(validatePort("7896"), typeof dgram.createSocket)');
      expect(r.reply.status).to.equal("ok");
      expect(r.stdout).to.equal("7896 function\n");
    } finally {
      await kernel.shutdown();
    }
  });
});
