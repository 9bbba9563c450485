/**
 * A tiny tick-by-tick simulation of the lecture's three switching schemes.
 * Two conversations, A→B and C→D, each send `packets` packets; every link
 * carries one packet per tick.
 *
 * - **broadcast**: A, B, C, D share one medium; every frame reaches every
 *   node, which throws away what is not for it;
 * - **circuit switching**: A–R1–R2–B; a circuit is set up first (request and
 *   confirmation cross the 3 links: 6 ticks) and then owns its links until the
 *   end; C→D waits for the shared link R1–R2;
 * - **packet switching**: store-and-forward; the packets of both
 *   conversations take turns on the shared link R1–R2.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { simulateSwitching } from "cdlab/lectures/02-redes";
 * // the rows are data (English fields); a table for students names its columns in pt-BR
 * table(simulateSwitching({ packets: 4 }).map((r) => ({ esquema: r.scheme, "B completo no tick": r.doneAB, enlace: r.sharedLink })));
 * ```
 */
import { invalidArg } from "../../runtime/errors";

/** One scheme's outcome. */
export interface SwitchingResult {
  scheme: "broadcast" | "comutação de circuitos" | "comutação de pacotes";
  /** Tick at which B has all of A's packets. */
  doneAB: number;
  /** Tick at which D has all of C's packets. */
  doneCD: number;
  /** Packet copies delivered to nodes they were not addressed to. */
  deliveredToOthers: number;
  /** Ticks in which the shared link/medium carried no data. */
  idleTicks: number;
  /** What the shared link (R1–R2, or the medium) carried each tick: `A1`, `C2`, `s` (setup), `·` (idle). */
  sharedLink: string;
}

/**
 * Run the three schemes on the same two conversations.
 *
 * @param options.packets packets per conversation @default 4
 * @returns one {@link SwitchingResult} per scheme
 * @example
 * ```ts
 * simulateSwitching({ packets: 3 }).map((r) => r.sharedLink);
 * ```
 */
export function simulateSwitching(options: { packets?: number } = {}): SwitchingResult[] {
  const { packets = 4 } = options;
  if (!Number.isInteger(packets) || packets < 1 || packets > 50) invalidArg("packets", packets, "esperado um inteiro de 1 a 50");
  return [broadcast(packets), circuit(packets), packet(packets)];
}

function broadcast(n: number): SwitchingResult {
  // One frame per tick on the medium, the two senders alternating; each frame reaches 3 nodes, 1 of them the destination.
  const slots: string[] = [];
  for (let i = 1; i <= n; i++) slots.push(`A${i}`, `C${i}`);
  return {
    scheme: "broadcast",
    doneAB: slots.lastIndexOf(`A${n}`) + 1,
    doneCD: slots.lastIndexOf(`C${n}`) + 1,
    deliveredToOthers: slots.length * 2,
    idleTicks: 0,
    sharedLink: slots.join(" "),
  };
}

function circuit(n: number): SwitchingResult {
  const hops = 3, setup = 2 * hops;
  const link: string[] = [];
  // A's circuit: request crosses the shared link at tick 2, confirmation at tick 5; the link is reserved from tick 2.
  const mark = (t: number, s: string) => (link[t - 1] = s);
  for (let t = 1; t <= setup; t++) mark(t, t === 2 || t === 5 ? "s" : "·");
  // Data: packet i leaves A at tick setup+i, crosses R1–R2 one tick later, reaches B one tick after that.
  for (let i = 1; i <= n; i++) mark(setup + i + 1, `A${i}`);
  const doneAB = setup + n + 2;
  const freeAt = setup + n + 1; // last packet has crossed the shared link; teardown releases it
  // C's request waited at R1 since tick 1; it crosses the link right after release, confirmation 3 ticks later.
  const cStart = freeAt + 1;
  mark(cStart, "s");
  for (let t = cStart + 1; t < cStart + 3; t++) mark(t, "·");
  mark(cStart + 3, "s");
  const cData = cStart + 4; // confirmation reaches C one tick after crossing, C sends at the next tick
  mark(cData, "·");
  for (let i = 1; i <= n; i++) mark(cData + i, `C${i}`);
  for (let t = 0; t < link.length; t++) link[t] ??= "·";
  return {
    scheme: "comutação de circuitos",
    doneAB,
    doneCD: cData + n + 1,
    deliveredToOthers: 0,
    idleTicks: link.filter((s) => s === "·" || s === "s").length,
    sharedLink: link.join(" "),
  };
}

function packet(n: number): SwitchingResult {
  // Store-and-forward: each packet crosses A–R1 (or C–R1), waits in R1's queue, crosses R1–R2, then R2–B (or R2–D).
  const queue: string[] = [];
  const link: string[] = [];
  const arrived: Record<string, number> = {};
  let sentA = 0, sentC = 0;
  const inFlight: { name: string; at: number }[] = [];
  for (let t = 1; arrived[`A${n}`] === undefined || arrived[`C${n}`] === undefined; t++) {
    // packets that crossed R1–R2 last tick cross the last hop now
    for (const p of inFlight.filter((p) => p.at === t)) arrived[p.name] = t;
    // the shared link takes the head of R1's queue (filled during earlier ticks)
    const head = queue.shift();
    link.push(head ?? "·");
    if (head) inFlight.push({ name: head, at: t + 1 });
    // hosts put their next packet on their own link to R1; it joins the queue at the end of the tick
    if (sentA < n) queue.push(`A${++sentA}`);
    if (sentC < n) queue.push(`C${++sentC}`);
  }
  while (link.length && link[link.length - 1] === "·") link.pop();
  return {
    scheme: "comutação de pacotes",
    doneAB: arrived[`A${n}`],
    doneCD: arrived[`C${n}`],
    deliveredToOthers: 0,
    idleTicks: link.filter((s) => s === "·").length,
    sharedLink: link.join(" "),
  };
}
