/**
 * Lecture 08's C programs, where shm_open/ftruncate/mmap and sem_wait/sem_post are the calls themselves: `troca`
 * hands a message over to this process through a segment and two semaphores this process created, and `contador`
 * races forked processes on a shared counter — never losing an increment inside the semaphore — and leaves nothing
 * behind in /dev/shm.
 */
import { expect } from "chai";
import fs from "node:fs";
import { parseCounterLine, shmPrograms } from "../../../src/lectures/08-memoria-compartilhada/index";
import { openSharedMemory } from "../../../src/ipc/shm";
import { openSemaphore } from "../../../src/ipc/semaphore";
import { collectStdout } from "../../../src/proc/child";
import { compilers } from "../../../src/proc/compile";

const prefix = `cdlab-c08-${process.pid}`;
const leftovers = () => fs.readdirSync("/dev/shm").filter((f) => f.includes(prefix));

describe("lectures/08: the shared-memory programs in C", function () {
  this.timeout(60000);

  it("parses contador's line, and nothing else", () => {
    expect(parseCounterLine("sem-semaforo esperado=4000 contador=3100 perdidos=900 ms=12.5\n")).to.deep.equal({
      semaforo: false, esperado: 4000, contador: 3100, perdidos: 900, ms: 12.5,
    });
    expect(parseCounterLine("com-semaforo esperado=8 contador=8 perdidos=0 ms=0.1")!.semaforo).to.equal(true);
    expect(parseCounterLine("shm_open: File exists")).to.equal(undefined);
  });

  describe("with a C compiler", function () {
    before(function () {
      if (!compilers().cc) {
        console.log("    (skipped: no C compiler)");
        this.skip();
      }
    });
    afterEach(() => expect(leftovers(), "no segment or semaphore left in /dev/shm").to.deep.equal([]));

    it("troca: the C program writes into the segment, posts, and reads the answer written here", async () => {
      const c = await shmPrograms();
      expect(c.names).to.deep.equal(["contador", "troca"]);
      const name = `/${prefix}-troca`;
      const mc = await openSharedMemory(name, { size: 4096 });
      const ready = await openSemaphore(`${name}-pronto`, { value: 0 });
      const answer = await openSemaphore(`${name}-resposta`, { value: 0 });
      try {
        const child = await c.start("troca", [name, `${name}-pronto`, `${name}-resposta`], { timeout: 20000 });
        const out = collectStdout(child);
        expect(await ready.wait({ timeoutMs: 15000 })).to.equal(true);
        expect(mc.buffer.toString("utf8", 0, 100).replace(/\0+$/, "")).to.equal(`olá do processo C ${child.pid}`);
        mc.buffer.write("resposta do teste\0", 100);
        answer.post();
        expect(await out).to.equal(`C (PID ${child.pid}) leu da memória compartilhada: resposta do teste\n`);
        expect((await child.result).exitCode).to.equal(0);
      } finally {
        await Promise.all([mc.close(), ready.close(), answer.close()]);
      }
    });

    it("contador: inside sem_wait/sem_post no increment is lost; the program removes its names", async () => {
      const c = await shmPrograms();
      const r = await c.run("contador", [`/${prefix}-n`, `/${prefix}-s`, "3", "20000", "1"]);
      expect(r.exitCode, r.stderr).to.equal(0);
      expect(parseCounterLine(r.stdout)).to.include({ semaforo: true, esperado: 60000, contador: 60000, perdidos: 0 });
      const unsafe = parseCounterLine((await c.run("contador", [`/${prefix}-n`, `/${prefix}-s`, "2", "1000", "0"])).stdout)!;
      expect(unsafe.esperado).to.equal(2000);
      expect(unsafe.contador + unsafe.perdidos).to.equal(2000);
    });
  });
});
