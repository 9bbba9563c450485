/**
 * The two sides of the copy experiment (./copy-experiment.ts), run as child
 * processes by ./copy-main.ts: `node copy-main.js <role> <file> <prefix> <chunk> <size> <rounds>`.
 *
 * - pipe-server: read(file) → write(stdout = the pipe)
 * - pipe-client: read(stdin = the pipe) → write(file)
 * - shm-server:  wait `empty`; read(file) straight into a shared memory slot (one of SLOTS); post `full`
 * - shm-client:  wait `full`; write(file) straight from the slot; post `empty`
 *
 * Both sides know `size`, as the pipe sides do: the transfer ends with the last byte, with no end marker (an empty
 * slot would cost one more read call and one more hand-off, whose wake-up was timed).
 *
 * A pair is started once and transfers the file `rounds` times (the first round
 * warms the code and the pages up; the experiment times the others). Each round:
 * open the file, post `<prefix>-ready`, wait at its start gate (`<prefix>-gate-server`
 * or `-gate-client`: one each, so a side that finished early cannot take the other's),
 * transfer `size` bytes, close the file, and print one JSON line on stderr with
 * CLOCK_MONOTONIC stamps in ms (`process.hrtime`, comparable between processes):
 * `{ role, round, setup: [from, to], go, end }`. Blocking calls on purpose:
 * these are processes of their own.
 */
import fs from "node:fs";
import { getBackend } from "../../ipc/native";
import { openSemaphore } from "../../ipc/semaphore";
import { openSharedMemory } from "../../ipc/shm";

/**
 * Bytes before the data slots: the length of each slot's content (int32). A whole page, so that each slot starts
 * on a page boundary, as C's buffers do (a 64-byte header left every slot's pages straddling two of the mapping's).
 */
export const HEADER = 4096;

/** Data slots in the shared memory: the server fills one while the client empties another. */
export const SLOTS = 4;


/** Data-path read/write calls and bytes of one process. */
export interface SyscallCount {
  read: number;
  write: number;
  readBytes: number;
  writeBytes: number;
}

/**
 * Count the read/write calls in an `strace -f -y` log: `data` counts calls on
 * one of `fds` (file paths, or `pipe:[inode]`), with the bytes they returned;
 * `total` counts all of them (start-up included).
 */
export function parseStrace(log: string, fds: string[]): { data: SyscallCount; total: { read: number; write: number } } {
  const data: SyscallCount = { read: 0, write: 0, readBytes: 0, writeBytes: 0 };
  const total = { read: 0, write: 0 };
  const pending = new Map<string, { call: "read" | "write"; fd: string }>();
  const isData = (fd: string) => fds.includes(fd);
  const count = (call: "read" | "write", fd: string, ret: number) => {
    total[call]++;
    if (!isData(fd)) return;
    data[call]++;
    if (ret > 0) data[call === "read" ? "readBytes" : "writeBytes"] += ret;
  };
  for (const line of log.split("\n")) {
    const m = /^(\d+)\s+(read|write)\(\d+<([^>]*)>.*?(?:<unfinished \.\.\.>|\)\s+=\s+(-?\d+))/.exec(line);
    if (m) {
      if (m[4] === undefined) pending.set(m[1], { call: m[2] as "read" | "write", fd: m[3] });
      else count(m[2] as "read" | "write", m[3], Number(m[4]));
      continue;
    }
    const r = /^(\d+)\s+<\.\.\. (read|write) resumed>.*\)\s+=\s+(-?\d+)/.exec(line);
    const p = r && pending.get(r[1]);
    if (r && p) {
      pending.delete(r[1]);
      count(p.call, p.fd, Number(r[3]));
    }
  }
  return { data, total };
}

function writeAll(fd: number, buf: Buffer, offset: number, length: number): void {
  while (length > 0) {
    const n = fs.writeSync(fd, buf, offset, length);
    offset += n;
    length -= n;
  }
}

/** CLOCK_MONOTONIC in ms, the same clock in every process (unlike performance.timeOrigin). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One round as a side reports it (times: {@link monotonicMs}). */
export interface SideReport {
  role: string;
  round: number;
  /** The process's first statement (round 0 only). */
  started?: number;
  /** Setting up the round: opening semaphores and shared memory (round 0), and the file. */
  setup: [number, number];
  /** Leaving the start gate. */
  go: number;
  /** Last byte written (client) or read (server). */
  end: number;
  /** The data pipe's inode (pipe sides; sent in round 0 only, the pair keeps its pipe). */
  pipe?: number;
}

/**
 * Run one side; `argv` = [role, file, prefix, chunk, size, rounds].
 *
 * @param started when the process began ({@link monotonicMs}), reported with round 0
 */
export async function runCopySide(argv: string[], started?: number): Promise<void> {
  const [role, file, prefix, chunkText, sizeText, roundsText] = argv;
  const [chunk, size, rounds] = [Number(chunkText), Number(sizeText), Number(roundsText ?? 1)];
  getBackend("native"); // loading the addon is part of starting, not of setting up
  let from = monotonicMs();
  const sem = (s: string) => openSemaphore(`${prefix}-${s}`, { create: false, backend: "native" });
  const isServer = role.endsWith("server");
  const [ready, gate] = [await sem("ready"), await sem(isServer ? "gate-server" : "gate-client")];
  const isPipe = role.startsWith("pipe");
  // A new open of the pipe through /proc: its own file status flags, so it is
  // blocking even if something set O_NONBLOCK on fd 0/1.
  const pipe = isPipe ? fs.openSync(`/proc/self/fd/${isServer ? 1 : 0}`, isServer ? "w" : "r") : -1;
  const pipeInode = isPipe ? fs.fstatSync(pipe).ino : undefined; // once per pair: strace names the pipe by it
  const shm = isPipe ? undefined : await openSharedMemory(`${prefix}-shm`, { create: false, backend: "native" });
  const [empty, full] = isPipe ? [] : [await sem("empty"), await sem("full")];
  const mem = shm ? shm.buffer : Buffer.allocUnsafe(chunk);
  const lengths = new Int32Array(mem.buffer, mem.byteOffset, SLOTS);
  for (let round = 0; round < rounds; round++) {
    // The client overwrites the output in place (no O_TRUNC): after the first round its pages are in the page
    // cache like the input's, so a timed round measures the copies, not the page allocator.
    const fd = isServer ? fs.openSync(file, "r") : fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o600);
    const setup: [number, number] = [from, monotonicMs()];
    ready.post();
    gate.waitSync();
    const go = monotonicMs();
    if (isPipe) {
      const [src, dst] = isServer ? [fd, pipe] : [pipe, fd];
      for (let left = size; left > 0; ) {
        const n = fs.readSync(src, mem, 0, Math.min(chunk, left), null);
        if (n === 0) throw new Error(`${role}: fim inesperado da entrada, faltando ${left} bytes`);
        writeAll(dst, mem, 0, n);
        left -= n;
      }
    } else {
      // Each slot taken is given back, so every round starts with `empty` at SLOTS and `full` at 0.
      for (let slot = 0, left = size; left > 0; slot = (slot + 1) % SLOTS) {
        const off = HEADER + slot * chunk;
        if (isServer) {
          empty!.waitSync();
          const n = fs.readSync(fd, mem, off, Math.min(chunk, left), null); // kernel → shared memory: the only copy on this side
          if (n === 0) throw new Error(`${role}: fim inesperado da entrada, faltando ${left} bytes`);
          lengths[slot] = n;
          full!.post();
          left -= n;
        } else {
          full!.waitSync();
          const n = lengths[slot];
          writeAll(fd, mem, off, n); // shared memory → kernel: the only copy on this side
          empty!.post();
          left -= n;
        }
      }
    }
    const end = monotonicMs();
    fs.closeSync(fd);
    const report: SideReport = { role, round, ...(round === 0 && started !== undefined ? { started } : {}), setup, go, end };
    if (round === 0 && pipeInode !== undefined) report.pipe = pipeInode;
    process.stderr.write(`${JSON.stringify(report)}\n`);
    from = monotonicMs();
  }
  if (isPipe) fs.closeSync(pipe);
  await Promise.all([ready.close(), gate.close(), ...(shm ? [shm.close(), empty!.close(), full!.close()] : [])]);
}
