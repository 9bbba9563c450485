/**
 * The experiment of notebook 04: many clients at once against a TCP server that
 * spends CPU on every request, served in the event loop or one thread per
 * connection. Measures how long the whole batch takes.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { measureConcurrency } from "cdlab/lectures/04-sockets-tcp";
 * const rows = await measureConcurrency({ clients: [1, 2, 4], cpuMs: 20 });
 * // the rows are data (English fields); a table for students names its columns in pt-BR
 * table(rows.map((r) => ({ servidor: r.mode === "thread" ? "uma thread por conexão" : "laço de eventos", clientes: r.clients, "até todos (ms)": r.totalMs })));
 * ```
 */
import { throwIfAborted } from "../../runtime/abort";
import { invalidArg } from "../../runtime/errors";
import { tcpRequest } from "../../net/tcp";
import { tcpServer } from "../../net/tcp-server";

/** One measurement of {@link measureConcurrency} (a type, so `table(rows)` accepts it). */
export type ConcurrencyRow = {
  mode: "event-loop" | "thread";
  /** Clients connected at the same time. */
  clients: number;
  /** Time until every client had its reply, in ms. */
  totalMs: number;
  /** Mean time from connect to reply, per client, in ms. */
  meanMs: number;
};

/** Options of {@link measureConcurrency}. */
export interface ConcurrencyOptions {
  /** Numbers of simultaneous clients to try. @default [1, 2, 4, 8] */
  clients?: number[];
  /** CPU time the server spends on each request. @default 20 */
  cpuMs?: number;
  /** Server modes to compare. @default ["event-loop", "thread"] */
  modes?: ("event-loop" | "thread")[];
  /** Measure each point this many times and keep the fastest (less noise). @default 1 */
  repeat?: number;
  /** Abort between measurements. */
  signal?: AbortSignal;
}

/**
 * For each mode and each number of clients N: start a server on a free port,
 * connect N clients at once (each sends one message), time until all replied.
 *
 * @param options clients, cpuMs, modes, repeat, signal
 * @returns one row per (mode, N)
 * @example
 * ```ts
 * const rows = await measureConcurrency({ clients: [1, 4], cpuMs: 10 });
 * ```
 */
export async function measureConcurrency(options: ConcurrencyOptions = {}): Promise<ConcurrencyRow[]> {
  const { clients = [1, 2, 4, 8], cpuMs = 20, modes = ["event-loop", "thread"], repeat = 1, signal } = options;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) invalidArg("repeat", repeat, "esperado um inteiro de 1 a 20");
  if (!Array.isArray(clients) || clients.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) {
    invalidArg("clients", clients, "esperada uma lista de inteiros de 1 a 200");
  }
  if (!(typeof cpuMs === "number" && cpuMs >= 0 && cpuMs <= 1000)) invalidArg("cpuMs", cpuMs, "esperados milissegundos de 0 a 1000");
  const rows: ConcurrencyRow[] = [];
  for (const mode of modes) {
    const server = await tcpServer({ port: 0, mode, cpuMs });
    try {
      await tcpRequest("aquecimento", { port: server.port, signal }); // warm-up
      for (const n of clients) {
        let best: ConcurrencyRow | undefined;
        for (let k = 0; k < repeat; k++) {
          throwIfAborted(signal);
          const row = await batch(server.port, mode, n, signal);
          if (!best || row.totalMs < best.totalMs) best = row;
        }
        rows.push(best!);
      }
    } finally {
      await server.close();
    }
  }
  return rows;
}

async function batch(port: number, mode: ConcurrencyRow["mode"], n: number, signal?: AbortSignal): Promise<ConcurrencyRow> {
  const t0 = performance.now();
  const each = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = performance.now();
      await tcpRequest(`cliente ${i}`, { port, signal });
      return performance.now() - s;
    }),
  );
  const totalMs = performance.now() - t0;
  return { mode, clients: n, totalMs: round(totalMs), meanMs: round(each.reduce((a, b) => a + b, 0) / n) };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
