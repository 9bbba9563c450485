/**
 * Lecture 07's C programs, where msgget/msgsnd/msgrcv are the calls themselves: the kernel's own errno for an
 * invalid msgsnd, and the request/reply server answering each client by its PID over a real System V queue.
 */
import { expect } from "chai";
import { queuePrograms } from "../../../src/lectures/07-filas-de-mensagens/index";
import { openMessageQueue } from "../../../src/ipc/mqueue";
import { compilers } from "../../../src/proc/compile";

describe("lectures/07: the message-queue programs in C", function () {
  this.timeout(60000);
  before(function () {
    if (!compilers().cc) {
      console.log("    (skipped: no C compiler)");
      this.skip();
    }
  });

  it("msgsnd with mtype 0 and with msgmax + 1 bytes: the kernel says EINVAL both times", async function () {
    const c = await queuePrograms();
    expect(c.names).to.deep.equal(["erros", "servidor"]);
    const r = await c.run("erros", []);
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.match(/mtype 0: +-1, errno = EINVAL/);
    expect(r.stdout).to.match(/msgmax \+ 1 = \d+ bytes: -1, errno = EINVAL/);
  });

  it("the server answers each client with mtype = its PID, over the queue the caller created", async function () {
    const c = await queuePrograms();
    const q = await openMessageQueue({ key: 0x07100000 + (process.pid % 0xffff) });
    const server = await c.start("servidor", [`0x${q.key!.toString(16)}`, "2"]);
    try {
      await q.send(1, "202 segundo");
      await q.send(1, "101 primeiro");
      const r101 = await q.receive({ type: 101, signal: AbortSignal.timeout(10000) });
      const r202 = await q.receive({ type: 202, signal: AbortSignal.timeout(10000) });
      expect(r101.text).to.match(/^PRIMEIRO \(servidor C, PID \d+\)$/);
      expect(r202.text).to.match(/^SEGUNDO \(servidor C, PID \d+\)$/);
      expect((await server.result).exitCode).to.equal(0);
    } finally {
      await server.close();
      await q.close();
    }
  });
});
