/**
 * Socket benchmarks (`npm run bench` calls {@link runNetBench}): echo round-trip
 * time and throughput through cdlab's helpers next to raw `node:net` /
 * `node:dgram` doing the same exchange, all measured in one run.
 *
 * - TCP RTT: one connection, one writeUTF message of 32 bytes, wait for its echo;
 *   helpers: `tcpConnect().request()` ↔ `tcpServer()`; raw: a `net` client that
 *   frames by hand ↔ a `net` server that parses the 2-byte length, decodes the
 *   text and encodes it again (plain UTF-8: the same work, written by hand).
 * - TCP throughput: 512 messages of 60 000 bytes sent back to back, all echoed.
 * - UDP RTT: one 32-byte datagram and its echo; `udpSocket()` ↔ `udpServer()`
 *   against raw `dgram` sockets that decode and re-encode the text as well.
 *
 * The raw side does by hand the work the helpers do — encode each message,
 * decode each reply, a timer per UDP wait — so the figures compare the
 * helpers' overhead, not skipped work. Rounds alternate helper/raw so both see
 * the same machine load; the median (RTT) and the best round (throughput) are
 * kept. Run alone: `node dist/bench/net.js`.
 */
import dgram from "node:dgram";
import net from "node:net";
import { tcpConnect } from "../src/net/tcp";
import { tcpServer } from "../src/net/tcp-server";
import { udpServer, udpSocket } from "../src/net/udp";
import type { BenchRow } from "./report";

const MiB = 1024 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A hand-written 2-byte-length frame splitter: calls `onText` for each whole frame. */
function frames(onText: (text: string) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    while (pending.length - off >= 2) {
      const len = pending.readUInt16BE(off);
      if (pending.length - off < 2 + len) break;
      onText(pending.toString("utf8", off + 2, off + 2 + len));
      off += 2 + len;
    }
    pending = pending.subarray(off);
  };
}

/** A raw TCP echo server that frames like readUTF/writeUTF (ASCII payloads). */
async function rawTcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    // the same work as the helper: bytes → string → bytes (plain UTF-8, by hand)
    s.on(
      "data",
      frames((text) => {
        const out = Buffer.allocUnsafe(2 + Buffer.byteLength(text));
        out.writeUInt16BE(out.length - 2, 0);
        out.write(text, 2, "utf8");
        s.write(out);
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A raw TCP client: send frames, count echoed frames. */
async function rawTcpClient(port: number) {
  const s = net.connect(port, "127.0.0.1");
  await new Promise((r) => s.once("connect", r));
  s.setNoDelay(true);
  let waiting: { frames: number; resolve: () => void } | undefined;
  let received: string[] = [];
  s.on(
    "data",
    frames((text) => {
      received.push(text);
      if (waiting && --waiting.frames === 0) {
        const w = waiting;
        waiting = undefined;
        w.resolve();
      }
    }),
  );
  return {
    /** Send `text` `count` times (encoding it each time, as a program would), wait for every echo. */
    exchange(text: string, count: number): Promise<void> {
      received = [];
      const done = new Promise<void>((resolve) => (waiting = { frames: count, resolve }));
      for (let i = 0; i < count; i++) s.write(frameOf(text));
      return done;
    },
    close: () => new Promise<void>((r) => s.end(r)),
  };
}

/** writeUTF's frame for text without U+0000 or supplementary characters, by hand. */
function frameOf(text: string): Buffer {
  const n = Buffer.byteLength(text, "utf8");
  const b = Buffer.allocUnsafe(2 + n);
  b.writeUInt16BE(n, 0);
  b.write(text, 2, "utf8");
  return b;
}

async function tcpBench(rtts: number, rounds: number, messages: number, size: number) {
  const msg = "x".repeat(32);
  const big = "y".repeat(size);
  const helperServer = await tcpServer({ port: 0 });
  const raw = await rawTcpServer();
  const helper = await tcpConnect({ port: helperServer.port });
  const rawc = await rawTcpClient(raw.port);
  const hRtt: number[] = [];
  const rRtt: number[] = [];
  let hBest = 0;
  let rBest = 0;
  try {
    for (let i = 0; i < 50; i++) {
      await helper.request(msg);
      await rawc.exchange(msg, 1);
    }
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < rtts / rounds; i++) {
        let t = performance.now();
        await helper.request(msg);
        hRtt.push(performance.now() - t);
        t = performance.now();
        await rawc.exchange(msg, 1);
        rRtt.push(performance.now() - t);
      }
      // throughput: `messages` frames back to back, wait for every echo
      let t = performance.now();
      await Promise.all(Array.from({ length: messages }, () => helper.send(big)));
      for (let i = 0; i < messages; i++) await helper.receive();
      hBest = Math.max(hBest, (messages * size) / MiB / ((performance.now() - t) / 1000));
      t = performance.now();
      await rawc.exchange(big, messages);
      rBest = Math.max(rBest, (messages * size) / MiB / ((performance.now() - t) / 1000));
    }
  } finally {
    await helper.close();
    await rawc.close();
    await helperServer.close();
    await raw.close();
  }
  return { rttHelper: median(hRtt), rttRaw: median(rRtt), mibHelper: hBest, mibRaw: rBest };
}

async function udpBench(rtts: number) {
  const msg = "z".repeat(32);
  const server = await udpServer({ port: 0 });
  const client = await udpSocket();
  const rawServer = dgram.createSocket("udp4");
  // the same work as the helpers, by hand: decode the text, send its bytes back
  rawServer.on("message", (m, r) => rawServer.send(Buffer.from(m.toString("utf8"), "utf8"), r.port, r.address));
  await new Promise<void>((r) => rawServer.bind(0, "127.0.0.1", () => r()));
  const rawPort = rawServer.address().port;
  const rawClient = dgram.createSocket("udp4");
  let onReply: (() => void) | undefined;
  let last = "";
  rawClient.on("message", (m) => {
    last = m.toString("utf8");
    onReply?.();
  });
  // like the helper's receive({ timeoutMs: 2000 }): a timer per wait
  const rawExchange = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("raw UDP echo timed out")), 2000);
      onReply = () => {
        clearTimeout(timer);
        resolve();
      };
      rawClient.send(msg, rawPort, "127.0.0.1");
    });
  const h: number[] = [];
  const r: number[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      await client.send(msg, { port: server.port });
      await client.receive({ timeoutMs: 2000 });
      await rawExchange();
    }
    for (let i = 0; i < rtts; i++) {
      let t = performance.now();
      await client.send(msg, { port: server.port });
      await client.receive({ timeoutMs: 2000 });
      h.push(performance.now() - t);
      t = performance.now();
      await rawExchange();
      r.push(performance.now() - t);
    }
    if (last !== msg) throw new Error(`raw UDP echo returned ${JSON.stringify(last)}`);
  } finally {
    await client.close();
    await server.close();
    await new Promise<void>((res) => rawServer.close(() => res()));
    await new Promise<void>((res) => rawClient.close(() => res()));
  }
  return { rttHelper: median(h), rttRaw: median(r) };
}

/**
 * Measure echo RTT and throughput through the helpers and through raw sockets.
 *
 * @param options.quick fewer repetitions @default false
 * @returns rows for the bench table (RTT in ms, throughput in MiB/s)
 * @example
 * ```ts
 * console.table(await runNetBench({ quick: true }));
 * ```
 */
export async function runNetBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? false;
  const rtts = quick ? 300 : 2000;
  const rounds = quick ? 2 : 4;
  const messages = quick ? 128 : 512;
  const size = 60000;
  const tcp = await tcpBench(rtts, rounds, messages, size);
  const udp = await udpBench(rtts);
  const note = `median of ${rtts} round trips, alternating helper/raw`;
  return [
    { section: "net", name: "TCP echo RTT p50 (tcpConnect ↔ tcpServer)", value: tcp.rttHelper, unit: "ms", reference: tcp.rttRaw, referenceName: "raw node:net", note },
    {
      section: "net",
      name: `TCP echo throughput (${messages} × ${size} B writeUTF frames)`,
      value: tcp.mibHelper,
      unit: "MiB/s",
      reference: tcp.mibRaw,
      referenceName: "raw node:net",
      note: `best of ${rounds} rounds; payload bytes echoed per second`,
    },
    { section: "net", name: "UDP echo RTT p50 (udpSocket ↔ udpServer)", value: udp.rttHelper, unit: "ms", reference: udp.rttRaw, referenceName: "raw node:dgram", note },
  ];
}

if (require.main === module) {
  runNetBench({ quick: process.argv.includes("--quick") }).then(
    (rows) => console.log(JSON.stringify(rows, null, 2)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
