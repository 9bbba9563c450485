/**
 * Notebook 08 shows the shared-memory calls before the helpers that make them: the lecture's C programs (shm_open,
 * ftruncate, mmap, sem_wait, sem_post) are shown and run before the race helpers, its tables are in Portuguese,
 * and its conclusions are printed from the numbers measured, not written in the prose.
 */
import { expect } from "chai";
import { firstCode, join, outputText, readCells } from "../../support/notebook-cells";

const cells = readCells("08-memoria-compartilhada.ipynb");
const code = cells.filter((c) => c.cell_type === "code");
const outputs = code.flatMap((c) => c.outputs ?? []);
const first = (pattern: RegExp) => firstCode(code, pattern);

describe("lectures/08: the shared-memory notebook", () => {
  it("shows the C programs with the slide's calls, and runs them before the race helpers", () => {
    const shown = code.flatMap((c) => c.outputs ?? []).map(outputText).join("\n");
    for (const call of ["shm_open(", "ftruncate(", "mmap(", "sem_wait(", "sem_post(", "fork()"]) expect(shown).to.include(call);
    expect(first(/c\.start\("troca"/)).to.be.greaterThan(-1);
    expect(first(/c\.run\("contador"/)).to.be.within(0, first(/raceThreads\(/) - 1);
  });

  it("has no error output and no English method names, true/false or stack traces in its outputs", () => {
    for (const o of outputs) {
      expect(o.output_type).to.not.equal("error");
      const t = outputText(o);
      expect(t).to.not.match(/shared memory|uncaught exception|<td>(true|false)<\/td>|\n\s+at /);
    }
  });

  it("the prose asserts no measured ratio: the conclusions are code cells that read the numbers", () => {
    const prose = cells.filter((c) => c.cell_type === "markdown").map((c) => join(c.source)).join("\n");
    expect(prose).to.not.match(/\d+([.,]\d+)?\s*×\s*(mais|a vazão)|Nenhum incremento perdido/);
    expect(first(/perdidos > 0|lost > 0/)).to.be.greaterThan(-1);
  });
});
