/**
 * Scheduling work on nodes that are not alike: units arrive one after another and a policy picks the
 * node for each; every node works through its own queue at its own speed (real timers, so the run
 * takes real time). Compare strict alternation (round robin) with sending each unit to the
 * least-loaded node — the "nó mais disponível" of the lecture.
 *
 * @example
 * ```ts
 * import { runSchedule } from "cdlab/lectures/01-sistemas-distribuidos";
 * const nodes = [{ name: "A", msPerUnit: 10 }, { name: "B", msPerUnit: 40 }];
 * const rr = await runSchedule({ nodes, units: 20, arrivalMs: 10, choose: (_loads, i) => i % 2 });
 * const least = await runSchedule({ nodes, units: 20, arrivalMs: 10, choose: (loads) => loads.indexOf(Math.min(...loads)) });
 * rr.makespanMs > least.makespanMs; // usually true
 * ```
 */
import { invalidArg } from "../../runtime/errors";
import { abortable, throwIfAborted } from "../../runtime/abort";

/** A node: a name and how long it takes per unit. */
export interface ScheduleNode {
  name: string;
  msPerUnit: number;
}

/**
 * A policy: given the units each node has right now (waiting plus running) and the unit's number,
 * return the index of the node that gets it.
 */
export type SchedulePolicy = (loads: readonly number[], unit: number) => number;

/** One node's share of a {@link runSchedule}. */
export interface NodeShare {
  name: string;
  units: number;
  /** Time this node spent working, ms. */
  busyMs: number;
}

/** What {@link runSchedule} measured. */
export interface ScheduleResult {
  /** From the first arrival to the last unit finished, ms. */
  makespanMs: number;
  /** Mean time from a unit's arrival to its end, ms. */
  meanResponseMs: number;
  /** Worst time from arrival to end, ms. */
  maxResponseMs: number;
  perNode: NodeShare[];
}

/**
 * Let `units` units arrive every `arrivalMs` ms, give each to the node `choose` picks, and measure.
 *
 * @param options.nodes the nodes (1 to 16)
 * @param options.units how many units (1 to 1000)
 * @param options.arrivalMs time between arrivals (0 = all at once) @default 0
 * @param options.choose the policy
 * @param options.signal abort
 * @returns makespan, response times and each node's share
 * @throws CdlabError `ERR_INVALID_ARG` for a bad option or a policy that returns a bad index
 * @example
 * ```ts
 * const r = await runSchedule({ nodes: [{ name: "A", msPerUnit: 5 }], units: 4, choose: () => 0 });
 * r.perNode[0].units; // 4
 * ```
 */
export async function runSchedule(options: {
  nodes: readonly ScheduleNode[];
  units: number;
  arrivalMs?: number;
  choose: SchedulePolicy;
  signal?: AbortSignal;
}): Promise<ScheduleResult> {
  const { nodes, units, arrivalMs = 0, choose, signal } = options;
  if (!Array.isArray(nodes) || nodes.length < 1 || nodes.length > 16 || nodes.some((n) => !(n.msPerUnit > 0))) {
    invalidArg("nodes", nodes, "deve ser de 1 a 16 nós, cada um com msPerUnit > 0");
  }
  if (!Number.isInteger(units) || units < 1 || units > 1000) invalidArg("units", units, "deve ser um inteiro de 1 a 1000");
  if (!(arrivalMs >= 0)) invalidArg("arrivalMs", arrivalMs, "deve ser um número de ms >= 0");
  if (typeof choose !== "function") invalidArg("choose", choose, "deve ser uma função (cargas, unidade) => índice do nó");
  throwIfAborted(signal);
  const queues = nodes.map(() => [] as number[]); // arrival times of the units each node holds
  const share: NodeShare[] = nodes.map((n) => ({ name: n.name, units: 0, busyMs: 0 }));
  const responses: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const t0 = performance.now();
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  const work = (i: number) => {
    const started = performance.now();
    later(nodes[i].msPerUnit, () => {
      const now = performance.now();
      share[i].busyMs += now - started;
      responses.push(now - (queues[i].shift() as number));
      if (responses.length === units) return finish();
      if (queues[i].length > 0) work(i);
    });
  };
  const arrive = (u: number) => {
    const i = choose(queues.map((q) => q.length), u);
    if (!Number.isInteger(i) || i < 0 || i >= nodes.length) {
      invalidArg("choose", i, `a política devolveu ${i}: era esperado o índice de um nó, de 0 a ${nodes.length - 1}`);
    }
    share[i].units++;
    queues[i].push(performance.now());
    if (queues[i].length === 1) work(i);
  };
  try {
    for (let u = 0; u < units; u++) {
      arrive(u);
      if (arrivalMs > 0 && u < units - 1) await abortable(new Promise<void>((r) => later(arrivalMs, r)), signal);
    }
    await abortable(done, signal);
  } finally {
    for (const t of timers) clearTimeout(t);
  }
  return {
    makespanMs: performance.now() - t0,
    meanResponseMs: responses.reduce((s, r) => s + r, 0) / responses.length,
    maxResponseMs: Math.max(...responses),
    perNode: share,
  };
}
