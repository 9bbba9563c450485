/**
 * A volunteer of the BOINC-like demo, run as its own process:
 * `node worker-main.js <port> [address]`. It connects to the coordinator on
 * <address>:<port> (default 127.0.0.1; another virtual host's address when it
 * runs on a `cdlab/vnet` host), says hello, computes every unit it receives
 * and sends the result back, one JSON object per line. It exits when the
 * coordinator says bye or the connection closes.
 */
import net from "node:net";
import { countPrimes } from "./tasks";

const port = Number(process.argv[2]);
const host = process.argv[3] ?? "127.0.0.1";
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`Uso: worker-main <porta> [endereço]: recebido ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}
const socket = net.connect({ host, port });
socket.setEncoding("utf8");
socket.on("connect", () => socket.write(JSON.stringify({ type: "hello", pid: process.pid }) + "\n"));
let buffer = "";
socket.on("data", (chunk: string) => {
  buffer += chunk;
  let nl: number;
  while ((nl = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    const msg = JSON.parse(line) as { type: string; run: number; id: number; from: number; to: number };
    if (msg.type === "bye") {
      socket.end();
      return;
    }
    if (msg.type === "unit") {
      const t0 = performance.now();
      const count = countPrimes(msg.from, msg.to);
      socket.write(JSON.stringify({ type: "result", run: msg.run, id: msg.id, count, ms: performance.now() - t0 }) + "\n");
    }
  }
});
socket.on("error", () => process.exit(1));
socket.on("close", () => process.exit(0));
process.on("SIGINT", () => process.exit(130));
