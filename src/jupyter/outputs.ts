/**
 * What one execute request produced, read from the kernel's iopub messages and
 * its reply: stdout and stderr, the error, and the outputs in nbformat shape.
 * Collected as the messages arrive, within limits (bytes and lines): whatever
 * a cell prints, what is kept stays bounded, and the result says it was cut.
 */
import type * as nbformat from "@jupyterlab/nbformat";
import type { Message } from "./messages";

/** How one `execute` ended. */
export interface ExecuteResult {
  /**
   * `ok`/`error`/`abort` as the kernel replied (`aborted` is read as `abort`); `invalid` when the reply's
   * status is anything else or missing; `timeout` when the time ran out; `died` when the kernel process ended.
   */
  status: "ok" | "error" | "abort" | "invalid" | "timeout" | "died";
  /** The reply's status as sent, when it was not one of Jupyter's (at most 40 characters). */
  replyStatus?: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  /** Everything written to stdout / stderr streams (within the limits). */
  stdout: string;
  stderr: string;
  /** Outputs in nbformat shape, in order (stream, error, execute_result, display_data). */
  outputs: nbformat.IOutput[];
  /** After a timeout: did the kernel answer the interrupt (true) or must it be restarted (false)? */
  recovered?: boolean;
  /** The reply came but not the end of the cell's outputs (`idle`): what it printed may be incomplete. */
  outputLost?: boolean;
  /** Bytes of output dropped because the cell went past its limits (absent when nothing was cut). */
  cutBytes?: number;
}

/** Limits on what is kept of one cell's output. */
export interface OutputLimits {
  /** Characters of stream text kept, and as much again of rich outputs (display data, results). @default 1 MiB */
  maxOutputBytes?: number;
  /** Lines of stream text kept. @default 1000 */
  maxOutputLines?: number;
}

const str = (v: unknown, max: number) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v)).slice(0, max);

/** Collects one request's iopub messages as they arrive, within {@link OutputLimits}. */
export class OutputCollector {
  private readonly r: ExecuteResult = { status: "ok", stdout: "", stderr: "", outputs: [] };
  private stream: (nbformat.IStream & { text: string }) | undefined; // the last output, when it is a stream
  private bytes = 0; // stream text kept
  private dataBytes = 0; // rich outputs kept: their own budget, so a stream flood cannot push them out
  private lines = 0;
  private cut = 0;
  private readonly maxBytes: number;
  private readonly maxLines: number;
  /** Messages seen (kept or not). */
  count = 0;

  constructor(limits: OutputLimits = {}) {
    this.maxBytes = limits.maxOutputBytes ?? 1 << 20;
    this.maxLines = limits.maxOutputLines ?? 1000;
  }

  /** The part of `text` that fits, counting it. */
  private fit(text: string): string {
    let keep = this.lines >= this.maxLines ? 0 : Math.max(0, Math.min(text.length, this.maxBytes - this.bytes));
    let nl = -1;
    for (let i = 0, n = this.lines; i < keep; i++) {
      if (text.charCodeAt(i) === 10 && ++n >= this.maxLines) {
        nl = i + 1;
        break;
      }
    }
    if (nl >= 0) keep = nl;
    const kept = text.slice(0, keep);
    this.bytes += kept.length;
    for (let i = 0; i < kept.length; i++) if (kept.charCodeAt(i) === 10) this.lines++;
    this.cut += text.length - kept.length;
    return kept;
  }

  /** Add one iopub message (of this request). */
  add(m: Message): void {
    this.count++;
    const c = (m.content ?? {}) as Record<string, unknown>;
    const r = this.r;
    switch (m.header.msg_type) {
      case "stream": {
        const raw = typeof c.text === "string" ? c.text : str(c.text, this.maxBytes);
        const text = this.fit(raw);
        if (!text) return;
        const name = c.name === "stderr" ? "stderr" : "stdout";
        if (name === "stderr") r.stderr += text;
        else r.stdout += text;
        if (this.stream && this.stream === r.outputs[r.outputs.length - 1] && this.stream.name === name) this.stream.text += text;
        else r.outputs.push((this.stream = { output_type: "stream", name, text }));
        break;
      }
      case "error": // always kept (scoring reads it), bounded
        r.ename = str(c.ename, 200);
        r.evalue = str(c.evalue, 2000);
        r.traceback = Array.isArray(c.traceback) ? c.traceback.slice(0, 100).map((l) => str(l, 2000)) : [];
        r.outputs.push({ output_type: "error", ename: r.ename, evalue: r.evalue, traceback: r.traceback });
        break;
      case "execute_result":
      case "display_data": {
        const size = JSON.stringify(c.data ?? {}).length;
        const fits = size <= this.maxBytes - this.dataBytes;
        if (fits) this.dataBytes += size;
        else this.cut += size;
        const data = (fits && c.data && typeof c.data === "object" ? c.data : { "text/plain": "[saída cortada]" }) as nbformat.IMimeBundle;
        const metadata = (fits && c.metadata && typeof c.metadata === "object" ? c.metadata : {}) as nbformat.OutputMetadata;
        if (m.header.msg_type === "display_data") r.outputs.push({ output_type: "display_data", data, metadata });
        else r.outputs.push({ output_type: "execute_result", data, metadata, execution_count: typeof c.execution_count === "number" ? c.execution_count : null });
        break;
      }
    }
  }

  /**
   * The result, given the reply (if it came).
   *
   * @returns status `ok` only when the reply says `ok`
   */
  result(reply?: Message): ExecuteResult {
    const r: ExecuteResult = { ...this.r, outputs: [...this.r.outputs] };
    if (this.cut) r.cutBytes = this.cut;
    const content = reply?.content as Record<string, unknown> | undefined;
    if (!content) return r;
    const s = content.status;
    if (s === "ok" || s === "error") r.status = s;
    else if (s === "abort" || s === "aborted") r.status = "abort";
    else {
      r.status = "invalid";
      if (s !== undefined) r.replyStatus = (typeof s === "string" ? s : JSON.stringify(s) ?? String(s)).slice(0, 40);
    }
    if (r.status === "error") {
      r.ename ??= str(content.ename, 200) || undefined;
      r.evalue ??= str(content.evalue, 2000);
      r.traceback ??= Array.isArray(content.traceback) ? content.traceback.slice(0, 100).map((l) => str(l, 2000)) : undefined;
    }
    return r;
  }
}

/**
 * Collect the outputs of one execute request.
 *
 * @param iopub the iopub messages whose parent is the request, in order
 * @param reply the execute_reply, if it came
 * @param limits what is kept of the output
 * @returns status `ok` only when the reply says so; streams merged like Jupyter shows them
 */
export function collectOutputs(iopub: Message[], reply?: Message, limits?: OutputLimits): ExecuteResult {
  const c = new OutputCollector(limits);
  for (const m of iopub) c.add(m);
  return c.result(reply);
}
