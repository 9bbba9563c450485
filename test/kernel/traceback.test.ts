/**
 * kernel/traceback.ts alone: compile and runtime errors as Jupyter errors that
 * point at the student's cell line (no kernel, no tslab: the JavaScript of a
 * cell is written here the way tslab emits it).
 */
import { expect } from "chai";
import vm from "node:vm";
import { cellFileName, cellFrames, compileError, describeUncaught, INTERRUPTED, mapLine, runtimeError, type CellSource } from "../../kernel/traceback";

/** A cell's TypeScript and the JavaScript tslab would run for it. */
const CELL: CellSource = {
  ts: "const a = 1;\nfunction f(n: number) {\n  throw Object.assign(new RangeError('fora ' + n), { code: 'ERR_OUT_OF_RANGE' });\n}\nf(a)",
  js: [
    '(function(exports, require) { Object.defineProperty(exports, "__esModule", { value: true });',
    "const a = 1;",
    "function f(n) {",
    "    throw Object.assign(new RangeError('fora ' + n), { code: 'ERR_OUT_OF_RANGE' });",
    "}",
    "f(a);",
    "",
    "})({}, undefined)",
  ].join("\n"),
};

/** Run `cell` as the kernel does (under its cell file name) and return what it threw. */
function thrownBy(cell: CellSource, n: number): unknown {
  try {
    vm.runInThisContext(cell.js, { filename: cellFileName(n) });
  } catch (e) {
    return e;
  }
  throw new Error("the cell did not throw");
}

describe("kernel/traceback", function () {
  it("a type error: its TypeScript code as ename (TS2322), Cell In[n] with the line, its neighbours and a caret under the column", function () {
    const e = compileError([{ line: 1, column: 6, message: "Type 'number' is not assignable to type 'string'.", code: 2322 }], "let a = 1;\nconst y: string = 3\nlet b = 2", 4, false);
    expect(e).to.deep.equal({
      ename: "TS2322",
      evalue: "Type 'number' is not assignable to type 'string'. (line 2)",
      traceback: [
        "Cell In[4], line 2:",
        "      1 let a = 1;",
        "----> 2 const y: string = 3",
        "              ^",
        "      3 let b = 2",
        "TS2322: Type 'number' is not assignable to type 'string'.",
      ],
    });
  });

  it("a syntax error shows only the first diagnostic, with its TypeScript code in parentheses, and counts the rest", function () {
    const e = compileError([{ line: 0, column: 4, message: "Variable declaration expected.", code: 1134 }, { line: 0, column: 6, message: "Expression expected.", code: 1109 }], "let = ;", 2, true);
    expect(e.ename).to.equal("SyntaxError");
    expect(e.traceback).to.deep.equal(["Cell In[2], line 1:", "----> 1 let = ;", "            ^", "SyntaxError: Variable declaration expected. (TS1134)", "", "(+1 more)"]);
  });

  it("a diagnostic in another file names the file, without cell context; at most five type errors are shown", function () {
    const diags = Array.from({ length: 7 }, (_, i) => ({ file: "lib.ts", line: i, column: 0, message: `erro ${i}` }));
    const e = compileError(diags, "import './lib'", 1, false);
    expect(e.traceback[0]).to.equal("File lib.ts, line 1:");
    expect(e.ename).to.equal("TSError");
    expect(e.traceback.filter((l) => l.startsWith("TSError: "))).to.have.length(5);
    expect(e.traceback[e.traceback.length - 1]).to.equal("(+2 more)");
    expect(e.traceback.some((l) => l.startsWith("---->"))).to.equal(false);
  });

  it("cellFrames reads cell number, line and column from a stack, innermost first", function () {
    const stack = `Error: x\n    at f (${cellFileName(3)}:4:25)\n    at ${cellFileName(3)}:6:1\n    at Script.runInThisContext (node:vm:137:12)\n    at g (${cellFileName(1)}:2:7)`;
    expect(cellFrames(stack)).to.deep.equal([
      { cell: 3, line: 4, column: 25 },
      { cell: 3, line: 6, column: 1 },
      { cell: 1, line: 2, column: 7 },
    ]);
  });

  it("mapLine finds the TypeScript line of a JavaScript line by its text, with tslab's `exports.x =` stripped", function () {
    expect(mapLine(CELL, 4, 25)).to.equal(3);
    expect(mapLine(CELL, 6, 1)).to.equal(5);
    expect(mapLine({ ts: "const total = 2;\ntotal * 3", js: "x\nexports.tsLastExpr = total * 3;" }, 2, 1)).to.equal(2);
    expect(mapLine(CELL, 99, 1)).to.equal(undefined);
  });

  it("a runtime error: outer frame first, each with its cell line and context, then `Name [code]: message`; no Node internals", function () {
    const e = runtimeError(thrownBy(CELL, 3), new Map([[3, CELL]]));
    expect(e).to.deep.equal({
      ename: "RangeError",
      evalue: "fora 1",
      traceback: [
        "Cell In[3], line 5",
        "      4 }",
        "----> 5 f(a)",
        "",
        "Cell In[3], line 3",
        "      2 function f(n: number) {",
        "----> 3   throw Object.assign(new RangeError('fora ' + n), { code: 'ERR_OUT_OF_RANGE' });",
        "      4 }",
        "",
        "RangeError [ERR_OUT_OF_RANGE]: fora 1",
      ],
    });
  });

  it("a cell the kernel no longer knows still names the cell", function () {
    const e = runtimeError(thrownBy(CELL, 8), new Map());
    expect(e.traceback).to.deep.equal(["Cell In[8]", "RangeError [ERR_OUT_OF_RANGE]: fora 1"]);
  });

  it("a thrown value that is not an Error is `Uncaught <value>`", function () {
    expect(runtimeError("texto", new Map())).to.deep.equal({ ename: "Uncaught", evalue: "'texto'", traceback: ["Uncaught 'texto'"] });
    expect(runtimeError(42, new Map()).evalue).to.equal("42");
  });

  it("describeUncaught: one line for stderr with the cell frames", function () {
    expect(describeUncaught("Exceção não tratada", thrownBy(CELL, 3), new Map([[3, CELL]]))).to.equal(
      "Exceção não tratada: RangeError: fora 1 (Cell In[3], line 5 <- Cell In[3], line 3)\n",
    );
  });

  it("an interrupted cell is a KeyboardInterrupt, as in Python kernels", function () {
    expect(INTERRUPTED.ename).to.equal("KeyboardInterrupt");
    expect(INTERRUPTED.traceback).to.deep.equal([`KeyboardInterrupt: ${INTERRUPTED.evalue}`]);
  });
});
