// Longer than 300 lines: the lecture's four IPC characteristics, each a small experiment over the same socket plumbing and relay hooks.
/**
 * The lecture's characteristics of inter-process communication, each as a
 * small live experiment on loopback (every socket is opened and closed inside
 * the call):
 *
 * - {@link syncVsAsync}: a synchronous sender waits for each reply, an
 *   asynchronous one sends everything and goes on;
 * - {@link messageDestinations}: a message goes to an (IP, port); one socket
 *   per port; nobody at a port → refused;
 * - {@link reliabilityExperiment}: UDP through a lossy link loses messages;
 *   acknowledgements and retransmission deliver them all;
 * - {@link orderingExperiment}: datagrams delayed by different amounts arrive
 *   out of order; sequence numbers and a buffer restore the order.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { syncVsAsync } from "cdlab/lectures/02-redes";
 * table(await syncVsAsync({ messages: 10, serverDelayMs: 10 }));
 * ```
 *
 * The experiments that return tables return rows with pt-BR keys (the headers a student sees) and numbers as
 * numbers (`table` writes them in the Brazilian format).
 */
import dgram from "node:dgram";
import net from "node:net";
import { CdlabError, invalidArg } from "../../runtime/errors";
import { abortable, throwIfAborted } from "../../runtime/abort";
import { makeHandle } from "../../runtime/handle";
import { bindUdp } from "../../net/datagram";
import { lossyPolicy, mulberry32 } from "../../net/lossy-relay";
import { openUdpRelay, type RelayInspect } from "../../net/udp-relay";

type Opt = { signal?: AbortSignal };

function int(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) invalidArg(name, v, `esperado um inteiro de ${lo} a ${hi}`);
  return v;
}

type Keep = <C extends { close(): unknown }>(c: C) => C;

/**
 * Open things and make sure they are closed (and tracked meanwhile). The body
 * gets a signal that aborts on the caller's signal or when the kernel
 * interrupts the cell (then the experiment rejects with `EINTR`).
 */
async function scoped<T>(label: string, signal: AbortSignal | undefined, body: (keep: Keep, signal: AbortSignal) => Promise<T>): Promise<T> {
  const held: { close(): unknown }[] = [];
  const interrupt = new AbortController();
  const handle = makeHandle({}, {
    kind: "other",
    label,
    interrupt: () => interrupt.abort(new CdlabError("EINTR", `${label}: interrompido`)),
    release: async () => {
      for (const c of held.splice(0).reverse()) await Promise.resolve(c.close()).catch(() => {});
    },
  });
  try {
    return await body((c) => (held.push(c), c), signal ? AbortSignal.any([signal, interrupt.signal]) : interrupt.signal);
  } finally {
    await handle.close();
  }
}

const closeUdp = (s: dgram.Socket) => ({ close: () => new Promise<void>((r) => { try { s.close(() => r()); } catch { r(); } }) });

/** One line of {@link syncVsAsync} (pt-BR keys: a table's headers). */
export interface SyncAsyncResult {
  modo: "síncrono" | "assíncrono";
  mensagens: number;
  /** Time the sender was held in its send loop, ms. */
  "remetente preso no laço (ms)": number;
  /** Time until every reply had arrived, ms. */
  "todas as respostas em (ms)": number;
  /** Replies the sender had received when its send loop ended. */
  "respostas ao sair do laço": number;
}

const syncAsyncRow = (modo: SyncAsyncResult["modo"], mensagens: number, blockedMs: number, allMs: number, replies: number): SyncAsyncResult => ({
  modo,
  mensagens,
  "remetente preso no laço (ms)": blockedMs,
  "todas as respostas em (ms)": allMs,
  "respostas ao sair do laço": replies,
});

/**
 * Send `messages` requests over TCP to a server that takes `serverDelayMs` to
 * answer each: synchronously (send, wait for the reply, send the next) and
 * asynchronously (send all, collect the replies as they come).
 *
 * @param options.messages requests @default 10
 * @param options.serverDelayMs server's time per request @default 10
 * @param options.signal abort
 * @returns one line per mode
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { syncVsAsync } from "./ipc-traits";
 * table(await syncVsAsync());
 * ```
 */
export async function syncVsAsync(options: { messages?: number; serverDelayMs?: number } & Opt = {}): Promise<SyncAsyncResult[]> {
  const messages = int("messages", options.messages ?? 10, 1, 1000);
  const delay = int("serverDelayMs", options.serverDelayMs ?? 10, 0, 1000);
  throwIfAborted(options.signal);
  return scoped("syncVsAsync", options.signal, async (keep, signal) => {
    const server = net.createServer((s) => {
      let buf = "";
      s.on("data", (d) => {
        buf += d;
        for (let nl; (nl = buf.indexOf("\n")) >= 0; buf = buf.slice(nl + 1)) {
          const line = buf.slice(0, nl);
          setTimeout(() => s.writable && s.write(`ok ${line}\n`), delay);
        }
      });
      s.on("error", () => {});
    });
    const sockets: net.Socket[] = [];
    keep({ close: () => { sockets.forEach((s) => s.destroy()); return new Promise<void>((r) => server.close(() => r())); } });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const connect = async () => {
      const s = net.connect({ host: "127.0.0.1", port });
      sockets.push(s);
      s.setNoDelay(true);
      await new Promise((r) => s.once("connect", r));
      let buf = "";
      const replies: ((l: string) => void)[] = [];
      s.on("data", (d) => {
        buf += d;
        for (let nl; (nl = buf.indexOf("\n")) >= 0; buf = buf.slice(nl + 1)) replies.shift()?.(buf.slice(0, nl));
      });
      return { s, next: () => new Promise<string>((r) => replies.push(r)) };
    };
    const out: SyncAsyncResult[] = [];
    const a = await connect();
    let t0 = performance.now();
    for (let i = 0; i < messages; i++) {
      const reply = a.next();
      a.s.write(`${i}\n`);
      await abortable(reply, signal);
    }
    const syncMs = performance.now() - t0;
    out.push(syncAsyncRow("síncrono", messages, syncMs, syncMs, messages));
    const b = await connect();
    t0 = performance.now();
    const all: Promise<string>[] = [];
    for (let i = 0; i < messages; i++) {
      all.push(b.next());
      b.s.write(`${i}\n`);
    }
    const blocked = performance.now() - t0;
    let answered = 0;
    all.forEach((p) => p.then(() => answered++));
    const answeredAtLoopEnd = answered;
    await abortable(Promise.all(all), signal);
    out.push(syncAsyncRow("assíncrono", messages, blocked, performance.now() - t0, answeredAtLoopEnd));
    return out;
  });
}

/** One observation of {@link messageDestinations} (pt-BR keys: a table's headers). */
export interface DestinationObservation {
  experimento: string;
  resultado: string;
}

/**
 * Message destinations: two UDP sockets on two ports each receive only what
 * is sent to their port; a second bind to a taken port fails; a datagram to a
 * port nobody listens on is refused (ICMP "port unreachable").
 *
 * @param options.signal abort
 * @returns one observation per experiment
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { messageDestinations } from "./ipc-traits";
 * table(await messageDestinations());
 * ```
 */
export async function messageDestinations(options: Opt = {}): Promise<DestinationObservation[]> {
  throwIfAborted(options.signal);
  return scoped("messageDestinations", options.signal, async (keep, signal) => {
    const out: DestinationObservation[] = [];
    const mk = () => { const s = dgram.createSocket("udp4"); keep(closeUdp(s)); s.on("error", () => {}); return s; };
    const [p, q, sender] = [mk(), mk(), mk()];
    const [pp, qp] = [await bindUdp(p), await bindUdp(q)];
    const got = (s: dgram.Socket) => new Promise<string>((r) => s.once("message", (m) => r(m.toString())));
    const gp = got(p), gq = got(q);
    sender.send("para P", pp, "127.0.0.1");
    sender.send("para Q", qp, "127.0.0.1");
    const [mp, mq] = await abortable(Promise.all([gp, gq]), signal);
    out.push({ experimento: `enviar "para P" a 127.0.0.1:${pp} e "para Q" a 127.0.0.1:${qp}`, resultado: `P recebeu "${mp}", Q recebeu "${mq}"` });
    const dup = mk();
    const bindErr = await bindUdp(dup, pp).then(() => "aceito (inesperado)", (e: NodeJS.ErrnoException) => e.code ?? String(e));
    out.push({ experimento: `outro socket faz bind em 127.0.0.1:${pp} (já em uso)`, resultado: `recusado: ${bindErr}` });
    const nobody = mk();
    const freePort = await bindUdp(nobody);
    await new Promise<void>((r) => nobody.close(() => r()));
    const c = mk();
    await new Promise<void>((r) => c.connect(freePort, "127.0.0.1", () => r()));
    const refused = new Promise<string>((done) => {
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const resolve = (v: string) => {
        if (settled) return;
        settled = true;
        timers.forEach(clearTimeout);
        done(v);
      };
      c.removeAllListeners("error");
      c.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
      const fail = (e: NodeJS.ErrnoException | null) => e && resolve(e.code ?? String(e));
      // Linux reports the ICMP "port unreachable" of one datagram on the next call of the socket
      c.send("alguém aí?", (e) => (e ? fail(e) : timers.push(setTimeout(() => !settled && c.send("alguém aí?", fail), 20))));
      timers.push(setTimeout(() => resolve("nenhum erro (o datagrama se perdeu em silêncio)"), 500));
    });
    out.push({ experimento: `enviar a 127.0.0.1:${freePort}, onde ninguém escuta`, resultado: await abortable(refused, signal) });
    return out;
  });
}

/** One line of {@link reliabilityExperiment} (pt-BR keys: a table's headers). */
export interface ReliabilityResult {
  protocolo: string;
  enviadas: number;
  /** Distinct messages the receiving application got. */
  entregues: number;
  /** Datagrams the lossy link threw away (data and acknowledgements). */
  "perdidos no enlace": number;
  retransmissões: number;
}

/** A receiver, the one UDP relay in front of it with the experiment's hook, and a sender. */
async function linkedPair(keep: Keep, inspect: RelayInspect) {
  const receiver = dgram.createSocket("udp4");
  keep(closeUdp(receiver));
  const rport = await bindUdp(receiver);
  const relay = keep(await openUdpRelay({ target: rport, inspect }));
  const sender = dgram.createSocket("udp4");
  keep(closeUdp(sender));
  await bindUdp(sender);
  return { receiver, relay, sender };
}

/**
 * Reliability: send numbered datagrams through a link that drops a fraction
 * of them (seeded), first as plain UDP, then with stop-and-wait (each message
 * is repeated until its acknowledgement comes back; acks can be lost too).
 *
 * @param options.messages datagrams @default 40
 * @param options.dropRate fraction the link drops, 0 to 0.9 @default 0.2
 * @param options.seed random seed @default 7
 * @param options.signal abort
 * @returns one line per protocol
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { reliabilityExperiment } from "./ipc-traits";
 * table(await reliabilityExperiment({ dropRate: 0.3 }));
 * ```
 */
export async function reliabilityExperiment(options: { messages?: number; dropRate?: number; seed?: number } & Opt = {}): Promise<ReliabilityResult[]> {
  const messages = int("messages", options.messages ?? 40, 1, 1000);
  const dropRate = options.dropRate ?? 0.2;
  if (typeof dropRate !== "number" || !(dropRate >= 0 && dropRate <= 0.9)) invalidArg("dropRate", dropRate, "esperado um número de 0 a 0,9");
  const seed = int("seed", options.seed ?? 7, 0, 2 ** 31);
  throwIfAborted(options.signal);
  const run = (withAcks: boolean) => scoped("reliabilityExperiment", options.signal, async (keep, signal) => {
    // the lossy relay's seeded policy, on datagrams and acknowledgements alike
    const loss = lossyPolicy({ dropRate, seed, directions: "both" });
    keep({ close: loss.stop });
    const { receiver, relay, sender } = await linkedPair(keep, loss.inspect);
    const got = new Set<number>();
    receiver.on("message", (m, r) => {
      const n = Number(m.toString());
      got.add(n);
      if (withAcks) receiver.send(`ack ${n}`, r.port, r.address);
    });
    let retransmissions = 0;
    for (let i = 0; i < messages; i++) {
      throwIfAborted(signal);
      if (!withAcks) {
        sender.send(String(i), relay.port, "127.0.0.1");
        continue;
      }
      for (let attempt = 0; ; attempt++) {
        if (attempt > 50) throw new CdlabError("ETIMEDOUT", `Não foi possível entregar a mensagem ${i}: nenhuma confirmação depois de 50 retransmissões`);
        if (attempt > 0) retransmissions++;
        const acked = new Promise<boolean>((resolve) => {
          const t = setTimeout(() => { sender.off("message", on); resolve(false); }, 40);
          const on = (m: Buffer) => { if (m.toString() === `ack ${i}`) { clearTimeout(t); sender.off("message", on); resolve(true); } };
          sender.on("message", on);
        });
        sender.send(String(i), relay.port, "127.0.0.1");
        if (await acked) break;
      }
    }
    // Let the last datagrams land: each one sent is received or dropped by the link (a loaded machine may take a
    // while to relay them); after 5 s, what has not arrived counts as not delivered.
    const dropped = () => loss.log.filter((e) => e.fate === "dropped").length;
    for (const end = Date.now() + 5000; got.size + dropped() < messages && Date.now() < end; ) {
      throwIfAborted(signal);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 20)); // and no stray acknowledgement is still on its way
    const lost = dropped();
    return { protocolo: withAcks ? "UDP + confirmação e retransmissão" : "UDP puro", enviadas: messages, entregues: got.size, "perdidos no enlace": lost, retransmissões: retransmissions };
  });
  return [await run(false), await run(true)];
}

/** Result of {@link orderingExperiment}. */
export interface OrderingResult {
  /** Sequence numbers in the order they arrived. */
  arrival: number[];
  /** Pairs that arrived after a later number. */
  outOfOrder: number;
  /** What the application received after the reorder buffer. */
  delivered: number[];
  /** Most messages the buffer held at once, waiting for a gap to be filled. */
  maxBuffered: number;
}

/**
 * Ordering: numbered datagrams cross a link that delays each one by a random
 * 0…`maxDelayMs` ms (seeded), so they arrive out of order; a receiver that
 * buffers by sequence number delivers them in order.
 *
 * @param options.messages datagrams @default 15
 * @param options.maxDelayMs largest extra delay @default 30
 * @param options.seed random seed @default 3
 * @param options.signal abort
 * @returns arrival order, delivered order, and how much was buffered
 * @example
 * ```ts
 * const r = await orderingExperiment(); r.arrival; r.delivered;
 * ```
 */
export async function orderingExperiment(options: { messages?: number; maxDelayMs?: number; seed?: number } & Opt = {}): Promise<OrderingResult> {
  const messages = int("messages", options.messages ?? 15, 1, 1000);
  const maxDelayMs = int("maxDelayMs", options.maxDelayMs ?? 30, 0, 1000);
  const seed = int("seed", options.seed ?? 3, 0, 2 ** 31);
  throwIfAborted(options.signal);
  return scoped("orderingExperiment", options.signal, async (keep, signal) => {
    const random = mulberry32(seed);
    const { receiver, relay, sender } = await linkedPair(keep, (_d, _from, dir) => (dir === "out" ? { delayMs: Math.floor(random() * maxDelayMs) + 1 } : undefined));
    const arrival: number[] = [], delivered: number[] = [];
    const buffer = new Map<number, number>();
    let next = 0, maxBuffered = 0;
    const all = new Promise<void>((resolve) => {
      receiver.on("message", (m) => {
        const n = Number(m.toString());
        arrival.push(n);
        buffer.set(n, n);
        while (buffer.has(next)) {
          delivered.push(next);
          buffer.delete(next++);
        }
        maxBuffered = Math.max(maxBuffered, buffer.size);
        if (arrival.length === messages) resolve();
      });
    });
    for (let i = 0; i < messages; i++) sender.send(String(i), relay.port, "127.0.0.1");
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => (timer = setTimeout(r, maxDelayMs + 2000)));
    await abortable(Promise.race([all, limit]), signal).finally(() => clearTimeout(timer));
    const outOfOrder = arrival.filter((n, i) => arrival.slice(0, i).some((m) => m > n)).length;
    return { arrival, outOfOrder, delivered, maxBuffered };
  });
}
