/**
 * Run on a virtual host by `VirtualHost.listen()`: `node listen-main.js <port>`. It opens a TCP server on
 * 0.0.0.0:<port> in the host's network namespace and hands the listening socket to its parent over the IPC
 * channel (as Node's cluster does); the socket stays in the host's namespace, so clients reach it only through
 * the virtual network. Then it closes its own copy and exits. On failure it sends `{ error: code }`.
 */
import net from "node:net";

const port = Number(process.argv[2] ?? "0");
const send = process.send?.bind(process);
if (!send || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`Uso: listen-main <porta> (com um canal IPC): recebido ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}
const server = net.createServer();
server.once("error", (e: NodeJS.ErrnoException) => {
  send({ error: e.code ?? "ERR_UNKNOWN" }, undefined, {}, () => process.disconnect());
});
server.listen(port, "0.0.0.0", () => {
  send({ port: (server.address() as net.AddressInfo).port }, server, {}, () => {
    server.close();
    process.disconnect();
  });
});
