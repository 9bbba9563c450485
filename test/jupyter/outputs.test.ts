/**
 * src/jupyter/outputs.ts alone: iopub messages and the execute_reply of one
 * request turned into an ExecuteResult with nbformat outputs.
 */
import { expect } from "chai";
import { makeMessage, type Content } from "../../src/jupyter/messages";
import { collectOutputs } from "../../src/jupyter/outputs";

const iopub = (type: string, content: Content) => makeMessage(type, content, undefined, "kernel");

describe("jupyter/outputs", function () {
  it("merges consecutive writes to one stream, as Jupyter shows them, and keeps stdout and stderr apart", function () {
    const r = collectOutputs([
      iopub("status", { execution_state: "busy" }),
      iopub("stream", { name: "stdout", text: "a" }),
      iopub("stream", { name: "stdout", text: "b\n" }),
      iopub("stream", { name: "stderr", text: "aviso\n" }),
      iopub("stream", { name: "stdout", text: "c\n" }),
    ], iopub("execute_reply", { status: "ok" }));
    expect(r.status).to.equal("ok");
    expect(r.stdout).to.equal("ab\nc\n");
    expect(r.stderr).to.equal("aviso\n");
    expect(r.outputs).to.deep.equal([
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "stream", name: "stderr", text: "aviso\n" },
      { output_type: "stream", name: "stdout", text: "c\n" },
    ]);
  });

  it("execute_result and display_data become nbformat outputs with their data and metadata", function () {
    const r = collectOutputs([
      iopub("display_data", { data: { "text/html": "<b>oi</b>" }, metadata: {} }),
      iopub("execute_result", { data: { "text/plain": "42" }, metadata: {}, execution_count: 3 }),
    ], iopub("execute_reply", { status: "ok", execution_count: 3 }));
    expect(r.outputs).to.deep.equal([
      { output_type: "display_data", data: { "text/html": "<b>oi</b>" }, metadata: {} },
      { output_type: "execute_result", data: { "text/plain": "42" }, metadata: {}, execution_count: 3 },
    ]);
  });

  it("an error output sets ename, evalue and traceback; the reply's status wins", function () {
    const r = collectOutputs(
      [iopub("error", { ename: "RangeError", evalue: "fora", traceback: ["RangeError: fora"] })],
      iopub("execute_reply", { status: "error", ename: "RangeError", evalue: "fora", traceback: [] }),
    );
    expect(r).to.include({ status: "error", ename: "RangeError", evalue: "fora" });
    expect(r.traceback).to.deep.equal(["RangeError: fora"]);
    expect(r.outputs).to.deep.equal([{ output_type: "error", ename: "RangeError", evalue: "fora", traceback: ["RangeError: fora"] }]);
  });

  it("with no error on iopub, an error reply gives the error; an aborted request says abort", function () {
    const r = collectOutputs([], iopub("execute_reply", { status: "error", ename: "Error", evalue: "x", traceback: ["Error: x"] }));
    expect(r).to.include({ status: "error", ename: "Error", evalue: "x" });
    expect(collectOutputs([], iopub("execute_reply", { status: "abort" })).status).to.equal("abort");
  });
});
