/**
 * What one execute request produced, read from the kernel's iopub messages and
 * its reply: stdout and stderr, the error, and the outputs in nbformat shape.
 */
import type * as nbformat from "@jupyterlab/nbformat";
import type { Message } from "./messages";

/** How one `execute` ended. */
export interface ExecuteResult {
  /** `ok`/`error`/`abort` as the kernel replied; `timeout` when the time ran out; `died` when the kernel process ended. */
  status: "ok" | "error" | "abort" | "timeout" | "died";
  ename?: string;
  evalue?: string;
  traceback?: string[];
  /** Everything written to stdout / stderr streams. */
  stdout: string;
  stderr: string;
  /** Outputs in nbformat shape, in order (stream, error, execute_result, display_data). */
  outputs: nbformat.IOutput[];
  /** After a timeout: did the kernel answer the interrupt (true) or must it be restarted (false)? */
  recovered?: boolean;
}

/**
 * Collect the outputs of one execute request.
 *
 * @param iopub the iopub messages whose parent is the request, in order
 * @param reply the execute_reply, if it came
 * @returns status `ok` unless the reply says otherwise; streams merged like Jupyter shows them
 */
export function collectOutputs(iopub: Message[], reply?: Message): ExecuteResult {
  const r: ExecuteResult = { status: "ok", stdout: "", stderr: "", outputs: [] };
  let stream: (nbformat.IStream & { text: string }) | undefined; // the last output, when it is a stream
  for (const m of iopub) {
    const c = m.content;
    switch (m.header.msg_type) {
      case "stream": {
        const text = String(c.text ?? "");
        const name = c.name === "stderr" ? "stderr" : "stdout";
        if (name === "stderr") r.stderr += text;
        else r.stdout += text;
        if (stream && stream === r.outputs[r.outputs.length - 1] && stream.name === name) stream.text += text;
        else r.outputs.push((stream = { output_type: "stream", name, text }));
        break;
      }
      case "error":
        r.ename = String(c.ename ?? "");
        r.evalue = String(c.evalue ?? "");
        r.traceback = (c.traceback as string[]) ?? [];
        r.outputs.push({ output_type: "error", ename: r.ename, evalue: r.evalue, traceback: r.traceback });
        break;
      case "execute_result":
        r.outputs.push({ output_type: "execute_result", data: c.data as nbformat.IMimeBundle, metadata: (c.metadata as nbformat.OutputMetadata) ?? {}, execution_count: c.execution_count as number });
        break;
      case "display_data":
        r.outputs.push({ output_type: "display_data", data: c.data as nbformat.IMimeBundle, metadata: (c.metadata as nbformat.OutputMetadata) ?? {} });
        break;
    }
  }
  const content = reply?.content;
  if (content) {
    r.status = (content.status as ExecuteResult["status"]) ?? "error";
    if (r.status === "error") {
      r.ename ??= content.ename as string | undefined;
      r.evalue ??= content.evalue as string | undefined;
      r.traceback ??= content.traceback as string[] | undefined;
    }
  }
  return r;
}
