import { validatePort } from "../../runtime/errors";
import { untilSignal } from "../sockets";
import { udpServer } from "../../net/udp";
import { defineCommand } from "../command";

const usage = `Usage: cdlab udp-server [port] [--host ADDRESS]

The lecture's UDPServer: echoes every datagram (received into a 1000-byte buffer,
so longer ones are truncated) until Ctrl-C (SIGINT) or SIGTERM.
  port            port to bind (default 6789; 0 picks a free port)
  --host ADDRESS  address to bind (default 127.0.0.1)
Prints "listening <host>:<port>" first.`;

export const command = defineCommand({
  name: "udp-server",
  summary: "UDP echo server, like the lecture's UDPServer (port 6789)",
  usage,
  options: { host: { type: "string" } },
  positionals: { min: 0, max: 1 },
  negativeNumbers: true,
  async run({ values, positionals: [portArg] }) {
    const port = validatePort(portArg ?? 6789);
    const stop = untilSignal();
    const server = await udpServer({ port, host: (values.host as string | undefined) ?? "127.0.0.1" });
    console.log(`listening ${server.host}:${server.port}`);
    await stop;
    await server.close();
    return 0;
  },
});
