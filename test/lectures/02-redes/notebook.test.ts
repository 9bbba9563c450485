/**
 * Notebook 02 writes its IPC experiments in the cells (the retransmission loop, the sequence numbers, the
 * reorder buffer, a connected UDP socket) instead of calling a function that returns a table; its tables
 * say sim/não, and its saved run has no error. The same checks of the saved run hold for notebook 01.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";

const DIR = path.resolve(__dirname, "..", "..", "..", "notebooks");

interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  outputs?: { output_type: string; name?: string; data?: Record<string, string | string[]>; text?: string | string[] }[];
}

const join = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join("") : (s ?? ""));
const cells = (file: string) => (JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8")) as { cells: Cell[] }).cells;
const code = (all: Cell[]) => all.filter((c) => c.cell_type === "code").map((c) => join(c.source)).join("\n");

describe("lectures: notebooks 01 and 02 show the mechanism and a clean saved run", function () {
  it("02: the experiments are code in the cells, over node:dgram and the relay", function () {
    const src = code(cells("02-redes.ipynb"));
    for (const p of [
      /dgram\.createSocket\("udp4"\)/,
      /\.connect\(portaLivre, "127\.0\.0\.1"/, // a connected UDP socket, for ECONNREFUSED
      /openUdpRelay\(\{ target: receptor\.address\(\)\.port, inspect: perdas\.inspect \}\)/,
      /receptor\.send\(`ack \$\{seq\}`/, // the receiver acknowledges by sequence number
      /if \(await ack\) break;[^\n]*\n\s*retransmissões\+\+/, // the retransmission loop
      /while \(adiantadas\.has\(próxima\)\)/, // the reorder buffer
      /makeSwitch\(4\)/,
      /makeRouter\(\[/,
    ]) expect(src).to.match(p);
    expect(src).to.not.match(/\b(syncVsAsync|messageDestinations|reliabilityExperiment|orderingExperiment)\(/);
  });

  for (const file of ["01-sistemas-distribuidos.ipynb", "02-redes.ipynb"]) {
    it(`${file}: every code cell ran, without errors, and no table says true/false`, function () {
      for (const c of cells(file).filter((c) => c.cell_type === "code")) {
        const where = `${file} cell ${c.id}`;
        expect(c.outputs, `${where} has been run`).to.be.an("array");
        for (const o of c.outputs ?? []) {
          expect(o.output_type, where).to.not.equal("error");
          expect(o.name, `${where} wrote to stderr`).to.not.equal("stderr");
          expect(join(o.text), where).to.not.match(/uncaught exception|Exceção não tratada/);
          const html = join(o.data?.["text/html"]);
          expect(html, `${where}: a table cell says true/false`).to.not.match(/<td>(true|false)<\/td>/);
        }
      }
    });
  }
});
