/**
 * An event trace of sockets' lives: the lecture's call sequences
 * (client: gethostbyname, socket, connect, send, recv, close; server: socket,
 * bind, listen, accept, recv, send, close) recorded as they happen, with a
 * timestamp per event, printable as text and drawable as an SVG sequence diagram.
 *
 * Pass one `Trace` to servers and clients (`{ trace }`); each socket gets a
 * lifeline named after its role (`servidor`, `cliente#1`, `conexão#1`…).
 *
 * @example
 * ```ts
 * import { Trace, tcpServer, tcpRequest } from "cdlab/net";
 * const trace = new Trace();
 * const server = await tcpServer({ port: 0, trace });
 * await tcpRequest("oi", { port: server.port, trace });
 * await server.close();
 * trace.show(); // draws the sequence diagram
 * ```
 */
import { display, escapeHtml } from "../runtime/display";
import { formatNumber } from "../runtime/numbers";

/** The socket calls a trace records (plus `error`). */
export type TraceOp =
  | "gethostbyname"
  | "socket"
  | "bind"
  | "listen"
  | "accept"
  | "connect"
  | "send"
  | "recv"
  | "close"
  | "error";

/** One recorded event. */
export interface TraceEvent {
  /** Milliseconds since the trace was created. */
  t: number;
  /** The lifeline: which socket did it (`cliente#1`, `servidor`…). */
  socket: string;
  op: TraceOp;
  /** A short description: an address, the message, the error. */
  detail?: string;
  /** For send/recv: this socket's port and the peer's port (to draw arrows). */
  ports?: { local: number; peer: number };
}

/** Collects {@link TraceEvent}s from servers and clients. */
export class Trace {
  /** Every event, in the order recorded. */
  readonly events: TraceEvent[] = [];
  private readonly start = process.hrtime.bigint();
  private readonly counters = new Map<string, number>();

  /**
   * A fresh lifeline name for a role: `cliente#1`, `cliente#2`…
   *
   * @param role the role, e.g. `cliente`
   * @returns a name unique in this trace
   */
  lifeline(role: string): string {
    const n = (this.counters.get(role) ?? 0) + 1;
    this.counters.set(role, n);
    return `${role}#${n}`;
  }

  /**
   * Record one event now.
   *
   * @param socket the lifeline
   * @param op the call
   * @param detail a short description
   * @param ports for send/recv: local and peer port, used to pair sends with recvs
   */
  record(socket: string, op: TraceOp, detail?: string, ports?: { local: number; peer: number }): void {
    const t = Number(process.hrtime.bigint() - this.start) / 1e6;
    this.events.push({ t, socket, op, detail, ports });
  }

  /** The lifelines in order of first appearance. */
  lifelines(): string[] {
    return [...new Set(this.events.map((e) => e.socket))];
  }

  /** A text table: time (pt-BR, `12,345 ms`), socket, call, detail. */
  toString(): string {
    return this.events
      .map((e) => `${formatNumber(e.t, { decimals: 3 }).padStart(9)} ms  ${e.socket.padEnd(12)} ${opText(e.op).padEnd(13)} ${e.detail ?? ""}`.trimEnd())
      .join("\n");
  }

  /**
   * Draw the trace as an SVG sequence diagram: one vertical lifeline per socket,
   * one row per event in time order, an arrow from each `send` to the `recv`
   * that got it.
   *
   * @param options.width picture width in pixels @default 160 per lifeline
   * @returns the SVG document
   */
  toSvg(options: { width?: number } = {}): string {
    const lines = this.lifelines();
    const col = Math.max(150, Math.floor((options.width ?? lines.length * 170) / Math.max(1, lines.length)));
    const rowH = 26;
    const top = 44;
    const W = col * lines.length + 20;
    const H = top + rowH * (this.events.length + 1);
    const x = (s: string) => 10 + col * lines.indexOf(s) + col / 2;
    const y = (i: number) => top + rowH * (i + 0.5);
    const parts: string[] = [];
    lines.forEach((s) => {
      parts.push(`<text x="${x(s)}" y="20" text-anchor="middle" font-weight="bold">${escapeHtml(s)}</text>`);
      parts.push(`<line x1="${x(s)}" y1="28" x2="${x(s)}" y2="${H - 6}" stroke="#999" stroke-dasharray="4 3"/>`);
    });
    // Pair each send with the first later recv whose ports mirror it.
    const used = new Set<number>();
    this.events.forEach((e, i) => {
      const p = e.ports;
      if (e.op !== "send" || !p) return;
      const j = this.events.findIndex(
        (r, k) => k > i && !used.has(k) && r.op === "recv" && r.ports?.local === p.peer && r.ports?.peer === p.local,
      );
      if (j < 0) return;
      used.add(j);
      const to = this.events[j].socket;
      parts.push(`<line x1="${x(e.socket)}" y1="${y(i)}" x2="${x(to)}" y2="${y(j)}" stroke="#1f77b4" stroke-width="1.5" marker-end="url(#arrow)"/>`);
    });
    this.events.forEach((e, i) => {
      const color = e.op === "error" ? "#d62728" : e.op === "send" || e.op === "recv" ? "#1f77b4" : "#2ca02c";
      const label = `${opText(e.op)}${e.detail ? " " + short(e.detail) : ""}`;
      parts.push(`<text x="4" y="${y(i) + 4}" font-size="10" fill="#888">${formatNumber(e.t, { decimals: 1 })} ms</text>`);
      parts.push(`<circle cx="${x(e.socket)}" cy="${y(i)}" r="4" fill="${color}"/>`);
      parts.push(`<text x="${x(e.socket) + 8}" y="${y(i) + 4}" font-size="11" fill="${color}" stroke="white" stroke-width="3" paint-order="stroke">${escapeHtml(label)}</text>`);
    });
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 160}" height="${H}" font-family="sans-serif" font-size="12">` +
      `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f77b4"/></marker></defs>` +
      `<g transform="translate(50,0)">${parts.join("")}</g></svg>`
    );
  }

  /** Show the sequence diagram in the notebook (text table outside one). */
  show(): void {
    display.raw({ "image/svg+xml": this.toSvg(), "text/plain": this.toString() });
  }

  /** Forget every event (lifeline numbering continues). */
  clear(): void {
    this.events.length = 0;
  }
}

function short(s: string): string {
  return s.length > 28 ? s.slice(0, 27) + "…" : s;
}

/** A call as shown: the system call's own name; `error` in pt-BR. */
function opText(op: string): string {
  return op === "error" ? "erro" : op;
}
