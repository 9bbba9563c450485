/**
 * The two sides of the copy experiment (./copy-experiment.ts), run as child
 * processes by ./copy-main.ts: `node copy-main.js <role> <file> <prefix> <chunk>`.
 *
 * - pipe-server: read(file) → write(stdout = the pipe)
 * - pipe-client: read(stdin = the pipe) → write(file)
 * - shm-server:  read(file) straight into a shared memory slot; post `full`
 * - shm-client:  wait `full`; write(file) straight from the slot; post `empty`
 *
 * Both wait at the start gate (semaphore `<prefix>-gate`) after posting
 * `<prefix>-ready`. The client prints `{"end": <epoch ms>}` on stderr.
 * Blocking calls on purpose: these are processes of their own.
 */
import fs from "node:fs";
import { openSemaphore } from "../../ipc/semaphore";
import { openSharedMemory } from "../../ipc/shm";

/** Bytes before the two data slots: the length of each slot's content (int32). */
export const HEADER = 64;

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

const now = () => performance.timeOrigin + performance.now();

/** Run one side; `argv` = [role, file, prefix, chunk]. */
export async function runCopySide(argv: string[]): Promise<void> {
  const [role, file, prefix, chunkText] = argv;
  const chunk = Number(chunkText);
  const sem = (s: string) => openSemaphore(`${prefix}-${s}`, { create: false, backend: "native" });
  const [ready, gate] = [await sem("ready"), await sem("gate")];
  const isServer = role.endsWith("server");
  let pipeInode: number | undefined;
  const fd = isServer ? fs.openSync(file, "r") : fs.openSync(file, "w");
  if (role.startsWith("pipe")) {
    // A new open of the pipe through /proc: its own file status flags, so it is
    // blocking even if something set O_NONBLOCK on fd 0/1.
    const pipe = fs.openSync(`/proc/self/fd/${isServer ? 1 : 0}`, isServer ? "w" : "r");
    pipeInode = fs.fstatSync(pipe).ino;
    const [from, to] = isServer ? [fd, pipe] : [pipe, fd];
    const buf = Buffer.allocUnsafe(chunk);
    ready.post();
    gate.waitSync();
    for (;;) {
      const n = fs.readSync(from, buf, 0, chunk, null);
      if (n === 0) break;
      writeAll(to, buf, 0, n);
    }
    fs.closeSync(pipe);
  } else {
    const shm = await openSharedMemory(`${prefix}-shm`, { create: false, backend: "native" });
    const [empty, full] = [await sem("empty"), await sem("full")];
    const mem = shm.buffer;
    const lengths = new Int32Array(mem.buffer, mem.byteOffset, 2);
    ready.post();
    gate.waitSync();
    for (let slot = 0; ; slot ^= 1) {
      const off = HEADER + slot * chunk;
      if (isServer) {
        empty.waitSync();
        const n = fs.readSync(fd, mem, off, chunk, null); // kernel → shared memory: the only copy on this side
        lengths[slot] = n;
        full.post();
        if (n === 0) break;
      } else {
        full.waitSync();
        const n = lengths[slot];
        if (n === 0) break;
        writeAll(fd, mem, off, n); // shared memory → kernel: the only copy on this side
        empty.post();
      }
    }
    await Promise.all([shm.close(), empty.close(), full.close()]);
  }
  fs.closeSync(fd);
  process.stderr.write(`${JSON.stringify(isServer ? { served: true, pipe: pipeInode } : { end: now(), pipe: pipeInode })}\n`);
  await Promise.all([ready.close(), gate.close()]);
}
