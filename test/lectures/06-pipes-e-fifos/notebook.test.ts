/**
 * Notebook 06 teaches the pipe by its calls: the lecture's C program comes first, then the student's own cells
 * create the pipe, start the child on one of its ends, write, read, close the write end for EOF, block a writer on a
 * full pipe and get EPIPE with no reader — no demo function does it for them. The saved outputs back the prose.
 */
import { expect } from "chai";
import { firstCode, join, outputText, readCells } from "../../support/notebook-cells";

const cells = readCells("06-pipes-e-fifos.ipynb");
const code = cells.filter((c) => c.cell_type === "code");
const source = code.map((c) => join(c.source)).join("\n");
const prose = cells.filter((c) => c.cell_type === "markdown").map((c) => join(c.source)).join("\n");
const outputs = code.flatMap((c) => c.outputs ?? []);
const allText = outputs.map(outputText).join("\n");
const first = (pattern: RegExp) => firstCode(code, pattern);

describe("lectures/06: the pipe notebook makes the calls in its cells", () => {
  it("shows and runs the lecture's C program before the same steps in Node", () => {
    expect(first(/cExampleSource\("pipe"\)/)).to.be.within(0, first(/startChild\("cat", \{ stdio: \[d1\.readFd!/) - 1);
    expect(first(/runCExample\("pipe"\)/)).to.be.greaterThan(-1);
  });

  it("the student's cells call pipe, write, read and close, start children on the pipe's ends, and use no demo function", () => {
    for (const call of [
      /await pipe\(\)/,
      /fs\.writeSync\(d\.writeFd!/,
      /fs\.readSync\(d\.readFd!/,
      /stdio: \[d1\.readFd!/, // the child's stdin is the read end
      /d1\.closeRead\(\)/,
      /d1\.closeWrite\(\)/,
      /stdio: \["ignore", d2\.writeFd!/, // a second writer holds a copy: no EOF yet
      /stdio: \["ignore", d4\.writeFd!/, // a writer on a full pipe
      /d3\.closeRead\(\);[\s\S]*fs\.writeSync\(d3\.writeFd!/, // write with no reader
    ]) {
      expect(source).to.match(call);
    }
    expect(source).to.not.match(/\bdemo(ReadBlocks|Eof|Epipe|FullPipe|ByteStream)\b|\bpipeToChild\b|\btwoWayPipes\b/);
  });

  it("the saved outputs show what the prose says: blocked reads and writes, EOF, EPIPE and SIGPIPE", () => {
    const errors = outputs.filter((o) => o.output_type === "error");
    expect(errors, "no error output").to.deep.equal([]);
    const wchan = /no kernel em (\w*pipe_read)/.exec(allText)?.[1];
    expect(wchan, "a child seen sleeping in a pipe read").to.be.a("string");
    expect(prose).to.include("`" + wchan + "`");
    expect(allText).to.match(/\w*pipe_write/);
    expect(allText).to.include("o write falhou com EPIPE");
    expect(allText).to.include("terminou pelo sinal SIGPIPE");
    expect(allText).to.match(/read devolveu 0 \(EOF\)/);
  });

  it("tables and answers are in Portuguese (no kind/target headers, no true/false)", () => {
    const tables = outputs.map((o) => join(o.data?.["text/html"])).filter((h) => h.includes("<table>"));
    expect(tables.length).to.be.greaterThan(0);
    for (const t of tables) expect(t).to.not.match(/<th>(kind|target|mode|pos|sent|received)<\/th>|<td>(true|false)<\/td>/);
    expect(allText).to.not.match(/\? (true|false)\b/);
  });
});
