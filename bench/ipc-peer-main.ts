/**
 * The far side of the IPC bench's ping-pongs (bench/ipc.ts), run as a child
 * process or a worker thread with cdlab's synchronous API (no event loop, no
 * thread hop), like the C reference bench/c/ipc-ref.c:
 *
 *   msg-echo MSQID N    N times: receiveSync type 1, sendSync type 2
 *   msg-ping MSQID N    N times: sendSync type 1, receiveSync type 2 (the last 90 % timed)
 *   sem-echo A B N      N times: waitSync A, post B
 *   sem-ping A B N      N times: post A, waitSync B (the last 90 % timed; 2 hand-offs a round)
 *
 * The first 10 % of a timed side's rounds wait for the other side to start and
 * warm up. A timed side prints `{"perS": …}` on stdout (a worker posts it to its parent).
 */
import { parentPort } from "node:worker_threads";
import { openMessageQueue } from "../src/ipc/mqueue";
import { openSemaphore } from "../src/ipc/semaphore";

/** Run `round` n times; rounds per second over all but the first 10 % (the warm-up). */
function roundsPerSecond(n: number, round: () => void): number {
  const warm = Math.floor(n / 10);
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (i === warm) t = performance.now();
    round();
  }
  return (n - warm) / ((performance.now() - t) / 1000);
}

async function main(argv: string[]): Promise<number | undefined> {
  const [mode, a, b, c] = argv;
  if (mode === "msg-echo" || mode === "msg-ping") {
    const q = await openMessageQueue({ id: Number(a), backend: "native" });
    const perS = roundsPerSecond(Number(b), () => {
      if (mode === "msg-echo") {
        q.receiveSync({ type: 1 });
        q.sendSync(2, "pong");
      } else {
        q.sendSync(1, "ping");
        q.receiveSync({ type: 2 });
      }
    });
    await q.close();
    return mode === "msg-ping" ? perS : undefined;
  }
  if (mode === "sem-echo" || mode === "sem-ping") {
    const [sa, sb] = [await openSemaphore(a, { create: false, backend: "native" }), await openSemaphore(b, { create: false, backend: "native" })];
    const perS = 2 * roundsPerSecond(Number(c), () => {
      if (mode === "sem-echo") {
        sa.waitSync();
        sb.post();
      } else {
        sa.post();
        sb.waitSync();
      }
    });
    await Promise.all([sa.close(), sb.close()]);
    return mode === "sem-ping" ? perS : undefined;
  }
  throw new Error(`ipc-peer: unknown mode ${JSON.stringify(mode)}`);
}

const args = process.argv.slice(2); // a worker gets them from its `argv` option
main(args).then(
  (perS) => {
    if (perS === undefined) return;
    if (parentPort) parentPort.postMessage({ perS });
    else process.stdout.write(`${JSON.stringify({ perS })}\n`);
  },
  (err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
