/**
 * The sockets notebooks teach the mechanism before the helper: the lecture's Java programs are shown (their
 * saved outputs hold the sources) and run, and the student's own cells make the raw node:dgram / node:net
 * calls of the slides before the first cdlab socket helper is used.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";

const DIR = path.resolve(__dirname, "..", "..", "notebooks");

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; data?: Record<string, string | string[]>; text?: string | string[] }[];
}

function cells(file: string): Cell[] {
  return (JSON.parse(fs.readFileSync(path.join(DIR, file), "utf8")) as { cells: Cell[] }).cells;
}
const join = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join("") : (s ?? ""));
const outputText = (c: Cell) => (c.outputs ?? []).map((o) => join(o.text) + Object.values(o.data ?? {}).map(join).join("")).join("");

/** Index of the first code cell whose source matches. */
function firstCode(all: Cell[], pattern: RegExp): number {
  return all.findIndex((c) => c.cell_type === "code" && pattern.test(join(c.source)));
}

const CASES = [
  {
    file: "03-sockets-udp.ipynb",
    java: ["UDPServer", "UDPClient"],
    javaShown: [/new DatagramSocket\(/, /aSocket\.receive\(request\)/],
    raw: [/dgram\.createSocket\("udp4"\)/, /\.bind\(0, "127\.0\.0\.1"/, /\.on\("message"/, /\.send\(msg, remetente\.port, remetente\.address\)/, /cliente\.send\(/, /cliente\.close\(/],
    helper: /\budpServer\(/,
  },
  {
    file: "04-sockets-tcp.ipynb",
    java: ["TCPServer", "TCPClient"],
    javaShown: [/class Connection extends Thread/, /out\.writeUTF\(args\[0\]\)/],
    raw: [/net\.createServer\(/, /\.listen\(0, "127\.0\.0\.1"/, /net\.connect\(/, /\.on\("data"/, /\.write\(/, /writeUInt16BE/],
    helper: /\btcpServer\(/,
  },
];

describe("lectures: the sockets notebooks show the mechanism before the helper", function () {
  for (const t of CASES) {
    it(`${t.file}: the lecture's Java programs are shown and run, then raw calls, then the helpers`, function () {
      const all = cells(t.file);
      const firstHelper = firstCode(all, t.helper);
      expect(firstHelper, `${t.file} uses ${t.helper}`).to.be.greaterThan(-1);
      for (const name of t.java) {
        const shown = firstCode(all, new RegExp(`java\\.source\\("${name}"\\)`));
        expect(shown, `${t.file} shows ${name}.java`).to.be.greaterThan(-1).and.lessThan(firstHelper);
        expect(outputText(all[shown]), `${t.file}: the saved output of the cell showing ${name}.java`).to.include(`class ${name}`);
      }
      const shownText = all.map(outputText).join("\n");
      for (const p of t.javaShown) expect(shownText, `${t.file}: Java source in the outputs`).to.match(p);
      for (const p of t.raw) {
        const i = firstCode(all, p);
        expect(i, `${t.file}: a code cell makes the raw call ${p}`).to.be.greaterThan(-1).and.lessThan(firstHelper);
      }
      const ran = firstCode(all, /java\.run\("(UDP|TCP)Client"/);
      expect(ran, `${t.file} runs the Java client`).to.be.greaterThan(-1).and.lessThan(firstHelper);
    });
  }
});
