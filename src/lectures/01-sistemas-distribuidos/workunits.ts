// Longer than 300 lines: the coordinator's wire protocol, leases, volunteers and runs are one state machine over shared maps; split, that state would cross files.
/**
 * A BOINC-like volunteer-computing coordinator. It listens on TCP (127.0.0.1,
 * or a virtual host of `cdlab/vnet`: see {@link CoordinatorOptions.host}),
 * starts N worker processes (`worker-main`, on this machine or on virtual
 * hosts), hands each idle
 * worker a work unit with a deadline (lease), and collects the results. When a
 * volunteer's connection closes (its process died, so its kernel closed the
 * socket), the unit it held goes back to the queue at once. But a disconnect is
 * not always seen: a machine that freezes, or a network that silently stops
 * carrying packets, leaves the connection open — so, like BOINC's server, every
 * unit also has a lease, and a unit whose lease passes is issued again to
 * someone else. Every result is checked with a different algorithm (a sieve)
 * before it is accepted. Workers may join in the middle of a run. An answer
 * that comes after its lease (a frozen volunteer, a healed partition) is
 * handled: accepted if the unit has no result yet, otherwise ignored and
 * recorded as `"late"` — even after the run is over.
 *
 * @example
 * ```ts
 * import { startCoordinator, primeUnits } from "cdlab/lectures/01-sistemas-distribuidos";
 * const coord = await startCoordinator({ leaseMs: 1000 });
 * await coord.spawnWorkers(3);
 * const report = await coord.run(primeUnits({ upTo: 3_000_000, units: 12 }), { killWorker: { index: 0, afterUnits: 1 } });
 * report.reissued; // [ids of the units the killed worker never returned]
 * await coord.close();
 * ```
 */
import net from "node:net";
import { CdlabError, invalidArg, systemError } from "../../runtime/errors";
import { makeHandle, type Handle } from "../../runtime/handle";
import { abortable, throwIfAborted } from "../../runtime/abort";
import { replaceNamed } from "../../runtime/registry";
import type { VirtualHost } from "../../vnet";
import { sieveCount, type WorkUnit } from "./tasks";
import { startHostVolunteer, startLocalVolunteer, type VolunteerWorker } from "./volunteers";
import type { ProgressHook } from "../../runtime/progress";

export type { VolunteerWorker } from "./volunteers";

/** Options of {@link startCoordinator}. */
export interface CoordinatorOptions {
  /** How long a worker may hold a unit before it is issued again, in ms. @default 2000 */
  leaseMs?: number;
  /** Registry name: a new coordinator with the same name closes the old one. */
  name?: string;
  /**
   * A virtual host (`rede.host("coordenador")` of `cdlab/vnet`) whose network the coordinator listens on: its
   * listening socket is opened on that host, so volunteers reach it through the virtual network (cuts and rate
   * limits apply), while its logic runs here. Close the coordinator before the network. @default 127.0.0.1 here
   */
  host?: VirtualHost;
}

/** Something that happened during {@link Coordinator.run}. */
export interface CoordinatorEvent {
  /** ms since the run started. */
  t: number;
  /**
   * `late`: an answer after its lease, for a unit that already had a checked result (ignored); `note`: a
   * remark put in the timeline with {@link Coordinator.note}.
   */
  type: "assigned" | "result" | "timeout" | "duplicate" | "late" | "invalid" | "killed" | "stopped" | "disconnected" | "joined" | "note";
  unit?: number;
  worker?: number;
  /** A short explanation for the notebook (pt-BR). */
  detail?: string;
}

/** One accepted result. */
export interface UnitResult extends WorkUnit {
  count: number;
  /** PID of the worker that computed it. */
  worker: number;
  /** Computing time reported by the worker. */
  ms: number;
}

/** What {@link Coordinator.run} returns. */
export interface RunReport {
  results: UnitResult[];
  /** Sum of all counts. */
  total: number;
  /** Ids of units issued more than once (after a timeout or an invalid result). */
  reissued: number[];
  /** True when every result matched the sieve. */
  checked: boolean;
  /** Wall time of the run. */
  elapsedMs: number;
  /** Units computed per worker PID. */
  perWorker: Record<number, number>;
  /** The run's events; late answers that arrive after the run ends are appended here (type `"late"`). */
  events: CoordinatorEvent[];
}

/** Options of {@link Coordinator.run}. */
export interface RunOptions {
  signal?: AbortSignal;
  /**
   * Kill worker `index` (SIGKILL) as it is sent its unit number `afterUnits + 1`
   * (that unit is lost with it). With `afterUnits: 0` the kill always happens
   * (every worker gets a unit in the first round when there are enough units);
   * a worker that never gets that many units is not killed — the `"killed"`
   * event tells.
   */
  killWorker?: {
    index: number;
    afterUnits: number;
    /**
     * SIGKILL: the process dies, its kernel closes the connection and the coordinator sees it.
     * SIGSTOP: the process freezes with the connection open — a silent failure (like a network
     * partition) that only the lease reveals; `close()` continues and ends it. @default "SIGKILL"
     */
    signal?: "SIGKILL" | "SIGSTOP";
  };
  /** Called for every event as it happens (also for late answers after the run). */
  onEvent?: (e: CoordinatorEvent) => void;
  /** Called as checked results arrive, with how many units are done and how many there are (e.g. `progressHook("unidades")` from "cdlab"). */
  progress?: ProgressHook;
}

/** A running coordinator (see {@link startCoordinator}). */
export interface Coordinator extends Handle {
  port: number;
  /** The address volunteers connect to: "127.0.0.1", or the virtual host's address. */
  address: string;
  /** Workers started by {@link Coordinator.spawnWorkers}, in order. */
  workers: VolunteerWorker[];
  /**
   * Start `n` worker processes and wait until each has connected.
   * @param options.signal abort the wait
   * @param options.timeoutMs give up after this long @default 10000
   * @param options.hosts virtual hosts to run them on, worker i on `hosts[i % hosts.length]` (needs a
   *   coordinator on a host of the same network) @default this machine
   */
  spawnWorkers(n: number, options?: { signal?: AbortSignal; timeoutMs?: number; hosts?: readonly VirtualHost[] }): Promise<VolunteerWorker[]>;
  /** Hand out `units` and wait until every one has a checked result. */
  run(units: readonly WorkUnit[], options?: RunOptions): Promise<RunReport>;
  /** Put a remark (`"cabo religado"`) in the timeline of the current run, or of the last one (a `"note"` event). */
  note(detail: string): void;
  /**
   * Wait until no connected volunteer still holds an unanswered unit of the last run (a partitioned one
   * answers once its link is healed), or `timeoutMs` passes.
   * @returns the last run's `"late"` events
   * @default timeoutMs 15000
   */
  settle(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<CoordinatorEvent[]>;
}

interface Conn {
  pid: number;
  socket: net.Socket;
  /** The unit it holds without an answer yet (it may have passed its lease). */
  busy?: number;
  assigned: number;
  gone?: boolean;
  /** The "disconnected" event was emitted. */
  reported?: boolean;
}

type ResultLine = { type: string; run: number; id: number; count: number; ms: number };

/** Open the coordinator's listening socket: on 127.0.0.1 here, or on a virtual host. */
async function listen(host: VirtualHost | undefined, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  if (host) {
    const server = await host.listen(0);
    server.on("connection", onConnection);
    return server;
  }
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(systemError("Não foi possível iniciar o coordenador em 127.0.0.1", e)));
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return server;
}

/**
 * Start a coordinator listening on 127.0.0.1 (a free port), or on a virtual host.
 *
 * @param options lease time, registry name, host
 * @returns the coordinator handle; `close()` kills its workers
 * @example
 * ```ts
 * const coord = await startCoordinator({ leaseMs: 1000 });
 * ```
 */
export async function startCoordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
  const { leaseMs = 2000, name, host } = options;
  if (!Number.isFinite(leaseMs) || leaseMs < 10) invalidArg("leaseMs", leaseMs, "deve ser um número de milissegundos >= 10");
  await replaceNamed(name);
  const conns = new Map<number, Conn>();
  const workers: VolunteerWorker[] = [];
  const changeListeners = new Set<() => void>();
  const changed = () => changeListeners.forEach((fn) => fn());
  let running = false;
  let onLine: (c: Conn, msg: ResultLine) => void = () => {};
  let runNumber = 0;
  let noteTo: ((detail: string) => void) | undefined;
  let lateOfLastRun: CoordinatorEvent[] = [];

  const server = await listen(host, (socket) => {
    socket.setEncoding("utf8");
    let buf = "";
    let conn: Conn | undefined;
    socket.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        let msg: ResultLine & { pid: number };
        try {
          msg = JSON.parse(buf.slice(0, nl));
        } catch {
          socket.destroy();
          return;
        }
        buf = buf.slice(nl + 1);
        if (msg.type === "hello" && !conn) {
          conn = { pid: msg.pid, socket, assigned: 0 };
          conns.set(msg.pid, conn);
          const w = workers.find((x) => x.pid === msg.pid);
          if (w) w.seenFrom = socket.remoteAddress?.replace(/^::ffff:/, "");
          changed();
        } else if (conn) onLine(conn, msg);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (conn) conn.gone = true;
      changed();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const address = host?.address ?? "127.0.0.1";

  const release = async () => {
    for (const c of conns.values()) c.socket.destroy();
    await Promise.all(workers.map(async (w) => {
      w.kill("SIGTERM");
      w.kill("SIGCONT"); // a stopped worker handles its SIGTERM only once continued
      const t = setTimeout(() => w.kill("SIGKILL"), 1000);
      await w.exited;
      clearTimeout(t);
    }));
    await new Promise<void>((r) => server.close(() => r()));
  };

  const coord: Coordinator = makeHandle({
    port,
    address,
    workers,

    async spawnWorkers(n, opts = {}) {
      const { signal, timeoutMs = 10000, hosts } = opts;
      if (!Number.isInteger(n) || n < 1 || n > 64) invalidArg("n", n, "deve ser um inteiro de 1 a 64");
      if (hosts !== undefined && (!Array.isArray(hosts) || hosts.length === 0)) invalidArg("hosts", hosts, "deve ser uma lista não vazia de máquinas virtuais");
      if (host && !hosts) invalidArg("hosts", hosts, `deve listar máquinas da rede do coordenador (${host.name}): daqui, fora da rede, um voluntário não o alcança`);
      if (hosts && !host) invalidArg("hosts", hosts.map((h) => h.name), "voluntários em máquinas virtuais precisam de um coordenador numa máquina da mesma rede (opção host)");
      throwIfAborted(signal);
      const started: VolunteerWorker[] = [];
      for (let i = 0; i < n; i++) {
        const on = hosts?.[i % hosts.length];
        // on this machine, synchronously: the worker is in `workers` as soon as spawnWorkers is called
        const w = on ? await startHostVolunteer(port, address, on) : startLocalVolunteer(port);
        workers.push(w);
        started.push(w);
      }
      let stop = () => {};
      const all = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new CdlabError("ETIMEDOUT", `Não foi possível iniciar os voluntários: ${n} não se conectaram em ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          if (started.every((w) => conns.has(w.pid))) {
            clearTimeout(timer);
            changeListeners.delete(check);
            resolve();
          }
        };
        stop = () => {
          clearTimeout(timer);
          changeListeners.delete(check);
        };
        changeListeners.add(check);
        for (const w of started) {
          void w.exited.then(({ code, signal: sig }) => {
            if (conns.has(w.pid)) return;
            stop();
            reject(new CdlabError("ERR_WORKER_EXITED", `Não foi possível iniciar os voluntários: o PID ${w.pid} terminou (${sig ?? `código ${code}`}) antes de se conectar`));
          });
        }
        check();
      });
      await abortable(all, signal, () => stop());
      return started;
    },

    async run(units, opts = {}) {
      const { signal, killWorker, onEvent, progress } = opts;
      if (!Array.isArray(units) || units.length === 0) invalidArg("units", units, "deve ser uma lista não vazia de unidades de trabalho");
      if (killWorker && !workers[killWorker.index]) invalidArg("killWorker.index", killWorker.index, `deve ser de 0 a ${workers.length - 1}`);
      if (running) throw new CdlabError("ERR_BUSY", "Não é possível iniciar outra execução: este coordenador já está executando uma (espere-a com await)");
      throwIfAborted(signal);
      running = true;
      const thisRun = ++runNumber; // results of an earlier (interrupted) run are ignored
      const t0 = performance.now();
      const events: CoordinatorEvent[] = [];
      const late: CoordinatorEvent[] = (lateOfLastRun = []);
      const emit = (e: Omit<CoordinatorEvent, "t">) => {
        const ev = { t: Math.round(performance.now() - t0), ...e };
        events.push(ev);
        if (ev.type === "late") late.push(ev);
        onEvent?.(ev);
      };
      noteTo = (detail) => emit({ type: "note", detail });
      const byId = new Map(units.map((u) => [u.id, u]));
      const pending = [...units];
      const done = new Map<number, UnitResult>();
      const issued = new Map<number, number>();
      const leases = new Map<number, NodeJS.Timeout>();
      /** "pid:unit" of every issue whose lease passed: an answer to it is late. */
      const expired = new Set<string>();
      for (const c of conns.values()) {
        c.busy = undefined;
        c.assigned = 0;
      }
      let finish!: (err?: Error) => void;
      const finished = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));

      const dispatch = () => {
        if (done.size === units.length) return finish();
        for (const c of conns.values()) {
          if (c.gone || c.busy !== undefined) continue;
          const u = pending.shift();
          if (!u) break;
          c.busy = u.id;
          c.assigned++;
          issued.set(u.id, (issued.get(u.id) ?? 0) + 1);
          // The chaos option kills the worker as its unit is sent (SIGKILL first, so a fast worker cannot
          // answer in between): the unit is lost with the worker, as with a volunteer switched off mid-run.
          const k = killWorker && workers[killWorker.index];
          const kill = k && k.pid === c.pid && c.assigned === killWorker.afterUnits + 1;
          const how = killWorker?.signal ?? "SIGKILL";
          if (kill) k.kill(how);
          c.socket.write(JSON.stringify({ type: "unit", run: thisRun, ...u }) + "\n");
          emit({ type: "assigned", unit: u.id, worker: c.pid });
          if (kill && how === "SIGKILL") emit({ type: "killed", unit: u.id, worker: c.pid, detail: "SIGKILL com a unidade em mãos" });
          if (kill && how === "SIGSTOP") emit({ type: "stopped", unit: u.id, worker: c.pid, detail: "SIGSTOP: congelado, conexão aberta" });
          leases.set(u.id, setTimeout(() => {
            leases.delete(u.id);
            if (done.has(u.id)) return;
            expired.add(`${c.pid}:${u.id}`);
            emit({ type: "timeout", unit: u.id, worker: c.pid, detail: `sem resultado após ${leaseMs} ms` });
            pending.unshift(u);
            dispatch();
          }, leaseMs));
        }
        const alive = [...conns.values()].filter((c) => !c.gone);
        if (alive.length === 0 && done.size < units.length) {
          finish(new CdlabError("ERR_NO_WORKERS", `Não foi possível terminar a execução: nenhum voluntário restou e ${units.length - done.size} unidade(s) estão sem resultado`));
        }
      };
      /** An answer for a unit that already has a checked result: late (after its lease) or a duplicate. */
      const answeredAgain = (c: Conn, id: number) => {
        if (expired.has(`${c.pid}:${id}`)) emit({ type: "late", unit: id, worker: c.pid, detail: "resposta depois do prazo; a unidade já tinha resultado conferido: ignorada" });
        else emit({ type: "duplicate", unit: id, worker: c.pid });
      };
      onLine = (c, msg) => {
        if (msg.type !== "result" || msg.run !== thisRun) return;
        if (c.busy === msg.id) c.busy = undefined;
        const u = byId.get(msg.id);
        if (!u) return;
        if (done.has(u.id)) answeredAgain(c, u.id);
        else if (msg.count !== sieveCount(u.from, u.to)) {
          emit({ type: "invalid", unit: u.id, worker: c.pid, detail: `contagem ${msg.count} não confere com o crivo` });
          pending.push(u);
        } else {
          done.set(u.id, { ...u, count: msg.count, worker: c.pid, ms: msg.ms });
          clearTimeout(leases.get(u.id));
          leases.delete(u.id);
          emit({ type: "result", unit: u.id, worker: c.pid, detail: expired.has(`${c.pid}:${u.id}`) ? "depois do prazo, mas antes da cópia reenviada: aceita" : undefined });
          progress?.(done.size, units.length);
        }
        dispatch();
      };
      const present = new Set(conns.keys());
      const onChange = () => {
        for (const c of conns.values()) {
          if (!present.has(c.pid)) {
            present.add(c.pid);
            emit({ type: "joined", worker: c.pid, detail: "novo voluntário conectado" });
          }
          if (c.gone && !c.reported) {
            c.reported = true;
            // (a unit whose lease already passed went back to the queue then: it is not queued twice)
            const u = c.busy === undefined || done.has(c.busy) || expired.has(`${c.pid}:${c.busy}`) ? undefined : byId.get(c.busy);
            if (u) {
              // The connection closed: the unit will never come back from this worker, reissue it now.
              clearTimeout(leases.get(u.id));
              leases.delete(u.id);
              pending.unshift(u);
            }
            c.busy = undefined;
            emit({ type: "disconnected", worker: c.pid, unit: u?.id, detail: u ? "conexão fechada: a unidade volta para a fila" : "conexão fechada" });
          }
        }
        dispatch();
      };
      changeListeners.add(onChange);
      // Interrupting the cell that awaits this run ends the run (the workers keep running for the next one).
      const interruptible = makeHandle({}, {
        kind: "other",
        label: `execução de unidades em ${address}:${port}`,
        interrupt: () => void interruptible.close(),
        release: () => finish(new CdlabError("EINTR", "Execução de unidades de trabalho: interrompida")),
      });
      dispatch();
      try {
        await abortable(finished, signal);
      } finally {
        void interruptible.close(); // the run is over (or aborted): its entry leaves the registry
        running = false;
        for (const t of leases.values()) clearTimeout(t);
        // After the run, answers to it still come (a healed partition): recorded as late, never counted.
        onLine = (c, msg) => {
          if (msg.type !== "result" || msg.run !== thisRun) return;
          if (c.busy === msg.id) c.busy = undefined;
          if (done.has(msg.id)) answeredAgain(c, msg.id);
          else emit({ type: "late", unit: msg.id, worker: c.pid, detail: "resposta depois do fim da execução: ignorada" });
          changed();
        };
        changeListeners.delete(onChange);
        for (const [pid, c] of conns) if (c.gone) conns.delete(pid);
      }
      const results = [...done.values()].sort((a, b) => a.id - b.id);
      const perWorker: Record<number, number> = {};
      for (const r of results) perWorker[r.worker] = (perWorker[r.worker] ?? 0) + 1;
      return {
        results,
        total: results.reduce((s, r) => s + r.count, 0),
        reissued: [...issued].filter(([, n]) => n > 1).map(([id]) => id),
        checked: results.length === units.length,
        elapsedMs: performance.now() - t0,
        perWorker,
        events,
      };
    },

    note(detail) {
      if (typeof detail !== "string" || detail === "") invalidArg("detail", detail, "deve ser um texto não vazio");
      noteTo?.(detail);
    },

    async settle(opts = {}) {
      const { timeoutMs = 15000, signal } = opts;
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0) invalidArg("timeoutMs", timeoutMs, "deve ser um número de milissegundos >= 0");
      throwIfAborted(signal);
      if (running) throw new CdlabError("ERR_BUSY", "Não é possível esperar respostas atrasadas durante uma execução (espere-a com await)");
      let stop = () => {};
      const quiet = new Promise<void>((resolve) => {
        const check = () => {
          if ([...conns.values()].every((c) => c.gone || c.busy === undefined)) stop(), resolve();
        };
        const timer = setTimeout(() => (stop(), resolve()), timeoutMs);
        stop = () => {
          clearTimeout(timer);
          changeListeners.delete(check);
        };
        changeListeners.add(check);
        check();
      });
      await abortable(quiet, signal, () => stop());
      return [...lateOfLastRun];
    },
  }, { kind: "tcp-server", name, label: `coordenador ${address}:${port}${host ? ` (${host.name})` : ""}`, release });
  return coord;
}
